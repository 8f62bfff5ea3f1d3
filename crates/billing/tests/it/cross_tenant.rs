//! Billing's customer routes name no row by id: each reads or changes the caller's own
//! workspace (its subscription, wallet, ledger), so the cross-tenant sweep has nothing to call.
//! A route taking an id would fail here, to be swept as identity's and instagram's are;
//! another workspace's reservation is tested out of reach in `credits.rs`.

use platform::testkit::cross_tenant::{api_routes, page_routes};

#[test]
fn no_customer_route_takes_an_id() {
    let (_, doc) = billing::api::openapi_router().split_for_parts();
    let mut routes = api_routes(&doc);
    routes.extend(page_routes(&billing::feature()));
    assert!(
        routes.is_empty(),
        "sweep these with platform::testkit::cross_tenant::Sweep: {routes:#?}"
    );
}
