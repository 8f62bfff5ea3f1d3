//! Entities of the identity feature (SeaORM). Only identity's services touch these tables.

pub mod api_token;
pub mod backup_code;
pub mod invitation;
pub mod membership;
pub mod oauth_identity;
pub mod oauth_state;
pub mod one_time_token;
pub mod remembered_device;
pub mod session;
pub mod user;
pub mod user_activity_day;
pub mod workspace;
