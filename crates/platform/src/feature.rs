//! The feature seam: what one feature contributes to the product, as one value.
//!
//! Every feature crate exports `pub fn feature() -> Feature`; the binary holds one list of
//! them and derives everything else from it — routes, the OpenAPI document, navigation, the
//! job registry, cron schedules, usage counters, page banners, search, home panels, start-up
//! work — through the functions of this module. The test kit builds its state through the same
//! [`assemble`], from the list of features a test mounts, so there is one way of putting the
//! application together.
//!
//! Adding a feature is: a crate with `feature()`, its migration, and one line in the binary's
//! list. Nothing in `platform` names a feature.

use std::sync::Arc;

use axum::Router;
use futures::future::BoxFuture;
use sea_orm::DatabaseConnection;

use crate::{
    config::{Config, ConfigKey},
    credits::CreditWallet,
    crypto::Keyring,
    ctx::{Authenticator, NoAuthenticator},
    directory::WorkspaceDirectory,
    error::Result,
    events::Events,
    home::{Describer, Home, PanelFn},
    jobs::{self, Registry, cron::Schedule},
    limits::PlanLimits,
    mail::Mailer,
    openapi::{ApiRouter, SchemaClash},
    search::SearchFn,
    settings::{SystemSetting, SystemSettings, integration::Integration},
    staff::{
        BellSource, StaffAuthenticator, StaffNavEntry, StaffRoutes,
        dashboard::{DashboardCardFn, DashboardFigures},
        panels::{MembershipPanelFn, WorkspacePanelFn},
    },
    state::AppState,
    usage::{Counters, UsageCounter},
    web::{
        pages::{PageRoute, PageRoutes},
        shell::{BannerFn, NavEntry},
    },
};

/// Work a feature does once the state exists and before the first request (seeding rows it
/// needs, reading what changed in the configuration since the last run).
pub type StartFn = fn(AppState) -> BoxFuture<'static, Result<()>>;

/// Adds a feature's job types to a registry.
pub type JobsFn = fn(Registry) -> Registry;

/// Everything one feature contributes. Built with [`Feature::new`] and the builder methods
/// below; every part is optional.
#[derive(Clone)]
pub struct Feature {
    /// A short name for logs and the start-up list (`"instagram"`).
    pub name: &'static str,
    /// Pages and undocumented endpoints (webhooks, media), plus the documented API's routes.
    pub routes: Router<AppState>,
    /// The feature's customer pages, as routed by `Feature::pages()` (the cross-tenant sweep
    /// lists the id-taking ones from here).
    pub pages: Vec<PageRoute>,
    /// The documented part of the feature's API (merged into `/api/openapi.json`).
    pub openapi: Option<utoipa::openapi::OpenApi>,
    /// Schema names two different types claimed while the API was put together (utoipa
    /// would silently keep one): must stay empty.
    pub schema_clashes: Vec<SchemaClash>,
    /// Customer navigation entries (the shell groups and orders them).
    pub nav: Vec<NavEntry>,
    pub jobs: Option<JobsFn>,
    pub schedules: Vec<Schedule>,
    /// Meters this feature counts (billing shows them against the plan's limits).
    pub usage: Vec<UsageCounter>,
    pub banners: Vec<BannerFn>,
    /// The feature's part of the command palette.
    pub search: Vec<SearchFn>,
    pub home_panels: Vec<PanelFn>,
    /// How the feature's activity-log actions read on the workspace home.
    pub describers: Vec<Describer>,
    /// Resolves the request's credentials into a `Ctx` (the identity feature's).
    pub authenticator: Option<Arc<dyn Authenticator>>,
    /// The paths of the feature's back-office pages (under `/admin`; routed with `routes`).
    pub staff_pages: Vec<&'static str>,
    /// Staff routes registered outside `/admin` and `/api/v1/admin/`: must stay empty.
    pub misplaced_staff_routes: Vec<String>,
    /// The feature's entries in the staff sidebar.
    pub staff_nav: Vec<StaffNavEntry>,
    /// The feature's cards on the staff dashboard.
    pub staff_cards: Vec<DashboardCardFn>,
    /// The feature's members of the staff dashboard's JSON answer.
    pub staff_figures: Vec<DashboardFigures>,
    /// The feature's parts of the back office's workspace page.
    pub staff_workspace_panels: Vec<WorkspacePanelFn>,
    /// The feature's parts beside each workspace on the back office's user page.
    pub staff_membership_panels: Vec<MembershipPanelFn>,
    /// Fills the staff notification bell (the admin feature's).
    pub staff_bell: Option<Arc<dyn BellSource>>,
    /// Resolves staff tokens and sessions into a `Staff` (the admin feature's).
    pub staff_authenticator: Option<Arc<dyn StaffAuthenticator>>,
    /// Decides whether one more of a counted thing fits the plan (the billing feature's).
    pub limits: Option<Arc<dyn PlanLimits>>,
    /// Holds and spends credits for work that costs them (the billing feature's).
    pub credits: Option<Arc<dyn CreditWallet>>,
    /// Names and finds workspaces for other features (the identity feature's).
    pub directory: Option<Arc<dyn WorkspaceDirectory>>,
    /// The feature's configuration keys (file and environment names, types, defaults,
    /// secrets, checks), read when the configuration loads.
    pub config: Vec<ConfigKey>,
    /// The feature's system settings on `/admin/settings` (saved values override the
    /// configuration).
    pub settings: Vec<&'static SystemSetting>,
    /// The outside services of its settings that "Test connection" tries, with their set-up
    /// steps.
    pub integrations: Vec<Integration>,
    pub start: Option<StartFn>,
    pub follow_ups: Vec<(&'static str, crate::follow_ups::FollowUpFn)>,
    pub object_links: Vec<crate::web::links::ObjectLink>,
}

impl Feature {
    pub fn new(name: &'static str) -> Self {
        Self {
            name,
            routes: Router::new(),
            pages: Vec::new(),
            openapi: None,
            schema_clashes: Vec::new(),
            nav: Vec::new(),
            jobs: None,
            schedules: Vec::new(),
            usage: Vec::new(),
            banners: Vec::new(),
            search: Vec::new(),
            home_panels: Vec::new(),
            describers: Vec::new(),
            authenticator: None,
            staff_pages: Vec::new(),
            misplaced_staff_routes: Vec::new(),
            staff_nav: Vec::new(),
            staff_cards: Vec::new(),
            staff_figures: Vec::new(),
            staff_workspace_panels: Vec::new(),
            staff_membership_panels: Vec::new(),
            staff_bell: None,
            staff_authenticator: None,
            limits: None,
            credits: None,
            directory: None,
            config: Vec::new(),
            settings: Vec::new(),
            integrations: Vec::new(),
            start: None,
            follow_ups: Vec::new(),
            object_links: Vec::new(),
        }
    }

    /// Adds routes that are neither pages nor part of the OpenAPI document (webhooks, media).
    pub fn routes(mut self, routes: Router<AppState>) -> Self {
        self.routes = self.routes.merge(routes);
        self
    }

    /// Adds customer pages: served, and each path with its methods kept in the `pages` field.
    pub fn pages(mut self, pages: PageRoutes) -> Self {
        let (routes, listed) = pages.into_parts();
        self.routes = self.routes.merge(routes);
        self.pages.extend(listed);
        self
    }

    /// Adds the documented API: its routes are served, its paths and schemas documented (a
    /// schema name two types claim is recorded, see [`openapi`]).
    pub fn api(mut self, api: impl Into<ApiRouter<AppState>>) -> Self {
        let api = api.into();
        self.schema_clashes
            .extend(api.schema_clashes().iter().cloned());
        let (routes, doc) = api.split_for_parts();
        self.routes = self.routes.merge(routes);
        self.add_doc(doc);
        self
    }

    /// Adds a documented API whose routes are built apart from its document (an API derived
    /// with `#[derive(OpenApi)]` next to a plain router).
    pub fn documented(mut self, routes: Router<AppState>, doc: utoipa::openapi::OpenApi) -> Self {
        self.routes = self.routes.merge(routes);
        self.add_doc(doc);
        self
    }

    fn add_doc(&mut self, doc: utoipa::openapi::OpenApi) {
        match &mut self.openapi {
            Some(mine) => {
                self.schema_clashes
                    .extend(crate::openapi::clashes(mine, &doc));
                mine.merge(doc);
            }
            None => self.openapi = Some(doc),
        }
    }

    /// Adds back-office pages (served under `/admin`, listed in [`staff_pages`]).
    pub fn staff_routes(mut self, routes: StaffRoutes) -> Self {
        let (routes, paths) = routes.into_parts();
        self.routes = self.routes.merge(routes);
        self.misplaced_staff_routes.extend(
            paths
                .iter()
                .filter(|p| !crate::staff::routes::is_staff_page(p))
                .map(|p| p.to_string()),
        );
        self.staff_pages.extend(paths);
        self
    }

    /// Adds the documented staff API: every path under `/api/v1/admin/`, documented in the
    /// same OpenAPI document as the rest of the API.
    pub fn staff_api(mut self, api: impl Into<ApiRouter<AppState>>) -> Self {
        let api = api.into();
        self.misplaced_staff_routes.extend(
            api.get_openapi()
                .paths
                .paths
                .keys()
                .filter(|p| !p.starts_with(crate::staff::routes::API_PREFIX))
                .cloned(),
        );
        self.api(api)
    }

    pub fn staff_nav(mut self, nav: Vec<StaffNavEntry>) -> Self {
        self.staff_nav.extend(nav);
        self
    }

    pub fn staff_cards(mut self, cards: Vec<DashboardCardFn>) -> Self {
        self.staff_cards.extend(cards);
        self
    }

    pub fn staff_figures(mut self, figures: Vec<DashboardFigures>) -> Self {
        self.staff_figures.extend(figures);
        self
    }

    /// Adds a part to the back office's workspace page (see [`crate::staff::panels`]).
    pub fn staff_workspace_panel(mut self, panel: WorkspacePanelFn) -> Self {
        self.staff_workspace_panels.push(panel);
        self
    }

    /// Adds a part beside each workspace on the back office's user page.
    pub fn staff_membership_panel(mut self, panel: MembershipPanelFn) -> Self {
        self.staff_membership_panels.push(panel);
        self
    }

    pub fn staff_bell(mut self, bell: Arc<dyn BellSource>) -> Self {
        self.staff_bell = Some(bell);
        self
    }

    pub fn nav(mut self, nav: Vec<NavEntry>) -> Self {
        self.nav.extend(nav);
        self
    }

    pub fn jobs(mut self, jobs: JobsFn) -> Self {
        self.jobs = Some(jobs);
        self
    }

    pub fn schedules(mut self, schedules: Vec<Schedule>) -> Self {
        self.schedules.extend(schedules);
        self
    }

    pub fn usage(mut self, usage: Vec<UsageCounter>) -> Self {
        self.usage.extend(usage);
        self
    }

    pub fn banners(mut self, banners: Vec<BannerFn>) -> Self {
        self.banners.extend(banners);
        self
    }

    pub fn search(mut self, search: Vec<SearchFn>) -> Self {
        self.search.extend(search);
        self
    }

    pub fn home_panels(mut self, panels: Vec<PanelFn>) -> Self {
        self.home_panels.extend(panels);
        self
    }

    pub fn describers(mut self, describers: Vec<Describer>) -> Self {
        self.describers.extend(describers);
        self
    }

    pub fn authenticator(mut self, auth: Arc<dyn Authenticator>) -> Self {
        self.authenticator = Some(auth);
        self
    }

    pub fn staff_authenticator(mut self, auth: Arc<dyn StaffAuthenticator>) -> Self {
        self.staff_authenticator = Some(auth);
        self
    }

    pub fn limits(mut self, limits: Arc<dyn PlanLimits>) -> Self {
        self.limits = Some(limits);
        self
    }

    pub fn credits(mut self, credits: Arc<dyn CreditWallet>) -> Self {
        self.credits = Some(credits);
        self
    }

    pub fn directory(mut self, directory: Arc<dyn WorkspaceDirectory>) -> Self {
        self.directory = Some(directory);
        self
    }

    pub fn config(mut self, keys: Vec<ConfigKey>) -> Self {
        self.config.extend(keys);
        self
    }

    pub fn settings(mut self, settings: &'static [SystemSetting]) -> Self {
        self.settings.extend(settings);
        self
    }

    pub fn integrations(mut self, integrations: &'static [Integration]) -> Self {
        self.integrations.extend_from_slice(integrations);
        self
    }

    /// A link on another feature's page about an object (see [`crate::web::links`]).
    pub fn object_link(mut self, link: crate::web::links::ObjectLink) -> Self {
        self.object_links.push(link);
        self
    }

    /// Work to do after another feature announces `topic` (see [`crate::follow_ups`]).
    pub fn follow_up(
        mut self,
        topic: &'static str,
        handler: crate::follow_ups::FollowUpFn,
    ) -> Self {
        self.follow_ups.push((topic, handler));
        self
    }

    pub fn on_start(mut self, start: StartFn) -> Self {
        self.start = Some(start);
        self
    }
}

/// The platform's own endpoints that sit beside the features: the live event stream and the
/// command palette's search.
pub fn platform() -> Feature {
    use utoipa::OpenApi;
    Feature::new("platform")
        .documented(
            crate::events::routes(),
            <crate::events::EventsApi as OpenApi>::openapi(),
        )
        .documented(
            crate::search::routes(),
            <crate::search::SearchApi as OpenApi>::openapi(),
        )
}

/// Every feature's routes, documented or not.
pub fn routes(features: &[Feature]) -> Router<AppState> {
    features
        .iter()
        .fold(Router::new(), |all, f| all.merge(f.routes.clone()))
}

/// The OpenAPI document: `base` (title, security schemes) with every feature's paths and
/// schemas merged in and its staff dashboard figures documented in the dashboard's answer, and
/// every schema name two different types claim on the way (inside a feature or between
/// features) — which must be none.
pub fn openapi(
    mut base: utoipa::openapi::OpenApi,
    features: &[Feature],
) -> (utoipa::openapi::OpenApi, Vec<SchemaClash>) {
    let mut clashes: Vec<SchemaClash> = features
        .iter()
        .flat_map(|f| f.schema_clashes.iter().cloned())
        .collect();
    for doc in features.iter().filter_map(|f| f.openapi.clone()) {
        clashes.extend(crate::openapi::clashes(&base, &doc));
        base.merge(doc);
    }
    clashes.extend(crate::staff::dashboard::document(
        &mut base,
        &staff_figures(features),
    ));
    (base, clashes)
}

/// Customer navigation, grouped by area and ordered within it.
pub fn nav(features: &[Feature]) -> Vec<NavEntry> {
    let mut nav: Vec<NavEntry> = features.iter().flat_map(|f| f.nav.clone()).collect();
    nav.sort_by_key(|n| (n.area, n.order));
    nav
}

/// The staff sidebar: every feature's entries, grouped and ordered within the group.
pub fn staff_nav(features: &[Feature]) -> Vec<StaffNavEntry> {
    crate::staff::nav::sorted(features.iter().flat_map(|f| f.staff_nav.clone()).collect())
}

/// Every feature's members of the staff dashboard's JSON answer.
pub fn staff_figures(features: &[Feature]) -> Vec<DashboardFigures> {
    features
        .iter()
        .flat_map(|f| f.staff_figures.iter().copied())
        .collect()
}

/// The paths of every feature's back-office pages.
pub fn staff_pages(features: &[Feature]) -> Vec<&'static str> {
    features
        .iter()
        .flat_map(|f| f.staff_pages.iter().copied())
        .collect()
}

/// Staff pages or staff API paths a feature registered outside `/admin` and
/// `/api/v1/admin/` (they would escape the staff listings): must be none.
pub fn misplaced_staff_routes(features: &[Feature]) -> Vec<String> {
    features
        .iter()
        .flat_map(|f| f.misplaced_staff_routes.iter().cloned())
        .collect()
}

/// The platform's job types and every feature's.
pub fn registry(features: &[Feature]) -> Registry {
    features
        .iter()
        .filter_map(|f| f.jobs)
        .fold(Registry::platform(), |registry, add| add(registry))
}

/// The platform's cron schedules and every feature's (config may override or turn them off).
pub fn schedules(features: &[Feature]) -> Vec<Schedule> {
    let mut schedules = jobs::builtin::schedules();
    schedules.extend(features.iter().flat_map(|f| f.schedules.clone()));
    schedules
}

/// Every feature's configuration keys (for [`Config::load_declared`]).
pub fn config_keys(features: &[Feature]) -> Vec<ConfigKey> {
    features.iter().flat_map(|f| f.config.clone()).collect()
}

/// What the binary and the test kit both have before the features are assembled: the
/// configuration, an open and migrated database, the platform key and the event transport.
pub struct Foundation {
    pub config: Arc<Config>,
    pub db: DatabaseConnection,
    pub keys: Arc<Keyring>,
    pub events: Events,
}

/// Assembles the application state from the foundation and the features, then runs the
/// features' start-up work. The one way `AppState` is put together (binary and test kit).
pub async fn assemble(foundation: Foundation, features: &[Feature]) -> Result<AppState> {
    let Foundation {
        config,
        db,
        keys,
        events,
    } = foundation;
    let mailer = Mailer::from_config(&config)?;
    let settings = SystemSettings::new(
        config.clone(),
        db.clone(),
        keys.clone(),
        crate::settings::declare(features.iter().flat_map(|f| f.settings.iter().copied())),
        crate::settings::integration::declare(
            features.iter().flat_map(|f| f.integrations.iter().copied()),
        ),
    );
    settings.reload().await?;
    let auth: Arc<dyn Authenticator> = features
        .iter()
        .find_map(|f| f.authenticator.clone())
        .unwrap_or_else(|| Arc::new(NoAuthenticator));
    let limits = features
        .iter()
        .find_map(|f| f.limits.clone())
        .unwrap_or_else(crate::limits::unlimited);
    let credits = features
        .iter()
        .find_map(|f| f.credits.clone())
        .unwrap_or_else(crate::credits::no_charge);
    let directory = features
        .iter()
        .find_map(|f| f.directory.clone())
        .unwrap_or_else(crate::directory::empty);
    let staff_auth: Arc<dyn StaffAuthenticator> = features
        .iter()
        .find_map(|f| f.staff_authenticator.clone())
        .unwrap_or_else(|| Arc::new(crate::staff::NoStaff));
    let back_office = crate::staff::BackOffice {
        cards: features
            .iter()
            .flat_map(|f| f.staff_cards.iter().copied())
            .collect(),
        figures: staff_figures(features),
        workspace_panels: features
            .iter()
            .flat_map(|f| f.staff_workspace_panels.iter().copied())
            .collect(),
        membership_panels: features
            .iter()
            .flat_map(|f| f.staff_membership_panels.iter().copied())
            .collect(),
        ..crate::staff::BackOffice::new(
            staff_nav(features),
            features.iter().find_map(|f| f.staff_bell.clone()),
        )
    };
    let state = AppState::new(crate::state::StateParts {
        staff_auth,
        back_office: Arc::new(back_office),
        limits,
        credits,
        directory,
        config,
        db,
        keys,
        auth,
        mailer,
        nav: Arc::new(nav(features)),
        events,
        jobs: crate::jobs::Jobs::new(),
        settings,
        usage: Counters::new(features.iter().flat_map(|f| f.usage.clone()).collect()),
        banners: Arc::new(features.iter().flat_map(|f| f.banners.clone()).collect()),
        search: crate::search::Providers::new(
            features.iter().flat_map(|f| f.search.clone()).collect(),
        ),
        home: Home::new(
            features
                .iter()
                .flat_map(|f| f.home_panels.clone())
                .collect(),
            features.iter().flat_map(|f| f.describers.clone()).collect(),
        ),
        object_links: Arc::new(
            features
                .iter()
                .flat_map(|f| f.object_links.iter().copied())
                .collect(),
        ),
        follow_ups: crate::follow_ups::FollowUps::new(
            features
                .iter()
                .flat_map(|f| f.follow_ups.iter().copied())
                .collect(),
        ),
        shutdown: crate::shutdown::ShutdownHooks::new(),
    });
    for start in features.iter().filter_map(|f| f.start) {
        start(state.clone()).await?;
    }
    Ok(state)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(label: &'static str, area: crate::web::shell::NavArea, order: u16) -> NavEntry {
        NavEntry {
            label,
            href: "/x",
            area,
            icon: crate::web::shell::Icon::Home,
            order,
            keywords: "",
        }
    }

    #[test]
    fn navigation_is_grouped_by_area_then_ordered_across_features() {
        use crate::web::shell::NavArea;
        let a = Feature::new("a").nav(vec![
            entry("Settings", NavArea::Workspace, 950),
            entry("Home", NavArea::Overview, 0),
        ]);
        let b = Feature::new("b").nav(vec![entry("Members", NavArea::Workspace, 100)]);
        let labels: Vec<_> = nav(&[a, b]).into_iter().map(|n| n.label).collect();
        assert_eq!(labels, ["Home", "Members", "Settings"]);
    }

    #[test]
    fn staff_pages_are_listed_and_those_outside_admin_reported() {
        let page = axum::routing::get(|| async { "" });
        let f = Feature::new("f").staff_routes(
            StaffRoutes::new()
                .route("/admin", page.clone())
                .route("/admin/things/{id}", page.clone())
                .route("/things", page),
        );
        let features = [f];
        assert_eq!(
            staff_pages(&features),
            ["/admin", "/admin/things/{id}", "/things"]
        );
        assert_eq!(misplaced_staff_routes(&features), ["/things"]);
    }
}
