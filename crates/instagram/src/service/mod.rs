//! Domain logic of the Instagram feature. Tenant-owned data (accounts, tracked profiles,
//! private insights) is reached only through fns taking `&Ctx` that filter by its workspace.

pub mod accounts;
pub mod compare;
pub mod connect;
pub mod engagement;
pub mod figures;
pub mod figures_cache;
pub mod history;
pub mod period;
pub mod pool;
pub mod profiles;
pub mod refresh;
pub mod staff_view;
pub mod store;
pub mod subject;
pub mod texts;
pub mod tokens;
pub mod tracked;
pub mod views;
