//! A feature's customer pages: routes whose paths and methods are kept beside the router, so
//! the test kit can list them (the cross-tenant sweep calls every id-taking page with another
//! workspace's ids; an axum `Router` cannot be asked what it routes).
//!
//! Built like an axum router, with this module's [`get`] and [`post`] in place of axum's: a
//! method is recorded by the same call that routes it, so the listing cannot drift from what
//! is served. Pages are browser forms and links, so GET and POST are the only methods.

use axum::{Router, handler::Handler, http::Method, routing::MethodRouter};

use crate::AppState;

/// One page route as routed: its path (`/instagram/accounts/{id}`) and the methods it serves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageRoute {
    pub path: &'static str,
    pub methods: Vec<Method>,
}

/// The handlers of one path, with the methods they serve.
pub struct PageMethods {
    router: MethodRouter<AppState>,
    methods: Vec<Method>,
}

/// Serves GET (and HEAD, as axum does) with `handler`.
pub fn get<H, T>(handler: H) -> PageMethods
where
    H: Handler<T, AppState>,
    T: 'static,
{
    PageMethods {
        router: axum::routing::get(handler),
        methods: vec![Method::GET],
    }
}

/// Serves POST with `handler`.
pub fn post<H, T>(handler: H) -> PageMethods
where
    H: Handler<T, AppState>,
    T: 'static,
{
    PageMethods {
        router: axum::routing::post(handler),
        methods: vec![Method::POST],
    }
}

impl PageMethods {
    /// Also serves GET with `handler`.
    pub fn get<H, T>(mut self, handler: H) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.router = self.router.get(handler);
        self.methods.push(Method::GET);
        self
    }

    /// Also serves POST with `handler`.
    pub fn post<H, T>(mut self, handler: H) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.router = self.router.post(handler);
        self.methods.push(Method::POST);
        self
    }
}

/// Customer pages, built like an axum `Router` (`.route(path, get(..).post(..))`).
#[derive(Clone, Default)]
pub struct PageRoutes {
    router: Router<AppState>,
    routes: Vec<PageRoute>,
}

impl PageRoutes {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn route(mut self, path: &'static str, methods: PageMethods) -> Self {
        self.router = self.router.route(path, methods.router);
        self.routes.push(PageRoute {
            path,
            methods: methods.methods,
        });
        self
    }

    /// Every page routed so far is for workspaces whose plan includes `feature` (a plan flag:
    /// `"discovery"`): the others get the 402 page naming a plan that has it
    /// ([`crate::http::plan_gate`]). Routes added after this call are not gated.
    pub fn requires_feature(mut self, feature: &'static str) -> Self {
        self.router = self
            .router
            .route_layer(axum::middleware::from_fn(move |req, next| {
                crate::http::plan_gate::gate(feature, req, next)
            }));
        self
    }

    pub fn into_parts(self) -> (Router<AppState>, Vec<PageRoute>) {
        (self.router, self.routes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn page() -> &'static str {
        ""
    }

    #[test]
    fn each_path_is_listed_with_the_methods_it_serves() {
        let (_, routes) = PageRoutes::new()
            .route("/things", get(page).post(page))
            .route("/things/{id}/remove", post(page))
            .route("/things/{id}", post(page).get(page))
            .into_parts();
        let listed: Vec<(&str, Vec<Method>)> =
            routes.into_iter().map(|r| (r.path, r.methods)).collect();
        assert_eq!(
            listed,
            [
                ("/things", vec![Method::GET, Method::POST]),
                ("/things/{id}/remove", vec![Method::POST]),
                ("/things/{id}", vec![Method::POST, Method::GET]),
            ]
        );
    }
}
