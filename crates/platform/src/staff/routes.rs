//! A feature's back-office pages: routes under `/admin` whose paths are kept beside the
//! router, so the product can list every staff page (the role matrix test walks them all,
//! whichever feature serves them).

use axum::{Router, routing::MethodRouter};

use crate::AppState;

/// Staff pages under `/admin`, built like an axum `Router` (`.route(path, get(..))`).
#[derive(Clone, Default)]
pub struct StaffRoutes {
    router: Router<AppState>,
    paths: Vec<&'static str>,
}

impl StaffRoutes {
    pub fn new() -> Self {
        Self::default()
    }

    /// Routes `path` (`/admin` or below it: staff pages live there; a path elsewhere is
    /// reported by `platform::feature::misplaced_staff_routes`).
    pub fn route(mut self, path: &'static str, method: MethodRouter<AppState>) -> Self {
        self.router = self.router.route(path, method);
        self.paths.push(path);
        self
    }

    pub fn into_parts(self) -> (Router<AppState>, Vec<&'static str>) {
        (self.router, self.paths)
    }
}

pub fn is_staff_page(path: &str) -> bool {
    path == "/admin" || path.starts_with("/admin/")
}

/// The documented staff API lives under this prefix.
pub const API_PREFIX: &str = "/api/v1/admin/";
