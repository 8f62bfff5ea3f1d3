//! Content pools: images and texts of a persona, or the workspace's generic pools.

pub mod pick;
