//! The feature's domain logic: keeping analyses current ([`analyze`]) and reading them as a
//! profile's figures ([`summary`]); account audits ([`audit`]).

pub mod analyze;
pub mod audit;
pub mod summary;
