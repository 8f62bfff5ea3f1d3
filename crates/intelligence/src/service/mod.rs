//! The feature's domain logic: keeping analyses current ([`analyze`]) and reading them as a
//! profile's figures ([`summary`]).

pub mod analyze;
pub mod summary;
