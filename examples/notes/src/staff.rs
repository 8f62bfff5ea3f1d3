//! The feature's back-office page, `/admin/notes`: how many notes the platform holds. It
//! lives here, not in `admin`: routes, sidebar entry and template are the feature's, drawn in
//! the staff frame platform provides. `StaffPage` sends a signed-out visitor to the staff
//! sign-in; the permission check answers 403 to a role without it (the role matrix test in
//! `admin` has a row for every staff page of the features it mounts).

use askama::Template;
use axum::{extract::State, response::Response, routing::get};
use axum_extra::extract::cookie::CookieJar;
use platform::{
    AppState, Result,
    staff::{Chrome, StaffGroup, StaffNavEntry, StaffPage, StaffPermission, StaffRoutes},
    web::{
        forms::html,
        shell::{Icon, Shell},
    },
};
const PATH: &str = "/admin/notes";

pub fn routes() -> StaffRoutes {
    StaffRoutes::new().route(PATH, get(overview))
}

pub fn nav() -> Vec<StaffNavEntry> {
    vec![StaffNavEntry {
        group: StaffGroup::Customers,
        order: 50,
        label: "Notes",
        path: PATH,
        icon: Icon::Users,
        permission: StaffPermission::Customers,
    }]
}

#[derive(Template)]
#[template(path = "notes/staff.html")]
struct Overview {
    shell: Shell,
    chrome: Option<Chrome>,
    total: u64,
}

async fn overview(
    State(state): State<AppState>,
    StaffPage(staff): StaffPage,
    jar: CookieJar,
) -> Result<Response> {
    staff.require(StaffPermission::Customers)?;
    let total = crate::total(&state.db).await?;
    let (jar, shell, chrome) = platform::staff::frame(&state, &staff, "Notes", PATH, jar).await?;
    Ok(html(
        jar,
        &Overview {
            shell,
            chrome,
            total,
        },
    ))
}
