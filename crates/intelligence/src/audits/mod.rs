//! The audits' web layer: JSON API ([`api`]), pages ([`pages`]), the PDF ([`pdf`]) and the
//! back-office tables audits are judged against ([`staff`]). The domain logic is
//! `service::audit`.

pub mod api;
pub mod pages;
pub mod pdf;
pub mod staff;
