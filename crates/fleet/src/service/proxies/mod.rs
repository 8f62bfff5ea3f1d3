//! Proxies: the workspace's rented proxies and their capacity.

pub mod assign;
