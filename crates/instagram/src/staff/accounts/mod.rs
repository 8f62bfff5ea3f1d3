//! The Instagram accounts of every workspace for staff with customers' data: who connected
//! what, from which source, and which accounts need attention (the list is
//! [`crate::service::staff_view`]).

pub mod api;
pub mod pages;
