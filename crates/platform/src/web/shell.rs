//! The page shell: everything the base layout needs to draw the frame around a page (the
//! sidebar with the workspace switcher, navigation groups, search and user menu; flash
//! messages, banners, assets). Anonymous pages get a simple header instead.
//!
//! Feature pages embed a `Shell` in their template struct as the field `shell` and extend
//! `base.html`; the shell never names a feature — navigation entries are registered by the
//! features (with the area they belong to) and composed by the binary.

use serde::{Deserialize, Serialize};

pub use super::icons::Icon;

/// The parts of the sidebar, top to bottom. An area is what the user is doing, not which
/// feature does it, so modules to come find their place without a new heading each:
/// an audit or a content planner belongs to `Growth`, an inbox to `Engagement`, webhooks
/// and settings to `Workspace`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum NavArea {
    /// Where a workspace starts: its home, dashboards.
    Overview,
    /// Growing the presences: accounts, audits, planning, content, discovery, fleets.
    Growth,
    /// Talking with the audience: conversations, tools, bookings.
    Engagement,
    /// Running the workspace: people, tokens, integrations, billing, settings.
    Workspace,
}

impl NavArea {
    /// The group heading in the sidebar.
    pub fn label(self) -> &'static str {
        match self {
            NavArea::Overview => "Overview",
            NavArea::Growth => "Growth",
            NavArea::Engagement => "Engagement",
            NavArea::Workspace => "Workspace",
        }
    }
}

/// A link in the sidebar, as drawn for one request.
#[derive(Debug, Clone)]
pub struct NavLink {
    pub label: String,
    pub href: String,
    pub active: bool,
    /// SVG children of the icon (trusted markup from [`Icon::svg`]).
    pub icon: &'static str,
}

/// A group of links under a heading (an area of the app, or of the back office).
#[derive(Debug, Clone)]
pub struct NavGroup {
    pub label: &'static str,
    pub links: Vec<NavLink>,
}

/// A navigation entry as a feature registers it (`active` is decided per request).
#[derive(Debug, Clone, Copy)]
pub struct NavEntry {
    pub label: &'static str,
    pub href: &'static str,
    /// The sidebar group it is listed in.
    pub area: NavArea,
    pub icon: Icon,
    /// Sort key within its area: lower comes first.
    pub order: u16,
    /// Other words the command palette finds it by ("keys developer" for API tokens);
    /// space-separated, may be empty.
    pub keywords: &'static str,
}

/// The sidebar's groups for `path`: entries by area, then order; empty areas are left out.
pub fn nav_groups(entries: &[NavEntry], path: &str) -> Vec<NavGroup> {
    let mut entries: Vec<&NavEntry> = entries.iter().collect();
    entries.sort_by_key(|e| (e.area, e.order));
    // The longest matching href is the current page: `/instagram/compare` marks a
    // `/instagram/compare` entry, not also `/instagram`.
    let current = entries
        .iter()
        .filter(|e| is_active(path, e.href))
        .max_by_key(|e| e.href.len())
        .map(|e| e.href);
    let mut groups: Vec<NavGroup> = Vec::new();
    for e in entries {
        let link = NavLink {
            label: e.label.to_string(),
            href: e.href.to_string(),
            active: Some(e.href) == current,
            icon: e.icon.svg(),
        };
        match groups.last_mut() {
            Some(g) if g.label == e.area.label() => g.links.push(link),
            _ => groups.push(NavGroup {
                label: e.area.label(),
                links: vec![link],
            }),
        }
    }
    groups
}

#[derive(Debug, Clone)]
pub struct ShellUser {
    pub name: String,
    pub email: String,
}

impl ShellUser {
    /// The first letter of the name (or email), for the avatar in the user menu.
    pub fn initial(&self) -> String {
        initial_of(&[&self.name, &self.email])
    }
}

#[derive(Debug, Clone)]
pub struct ShellWorkspace {
    pub name: String,
    pub slug: String,
    pub current: bool,
}

impl ShellWorkspace {
    /// The first letter of the name, for the switcher's badge.
    pub fn initial(&self) -> String {
        initial_of(&[&self.name])
    }
}

/// The first letter or digit of the first text that has one, upper-cased; `?` if none.
fn initial_of(texts: &[&str]) -> String {
    texts
        .iter()
        .flat_map(|t| t.chars())
        .find(|c| c.is_alphanumeric())
        .map(|c| c.to_uppercase().collect())
        .unwrap_or_else(|| "?".into())
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FlashKind {
    Success,
    Info,
    Warning,
    Error,
}

impl FlashKind {
    /// CSS modifier and ARIA role hint used by the layout.
    pub fn as_str(&self) -> &'static str {
        match self {
            FlashKind::Success => "success",
            FlashKind::Info => "info",
            FlashKind::Warning => "warning",
            FlashKind::Error => "error",
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Flash {
    pub kind: FlashKind,
    pub message: String,
}

/// Everything `base.html` reads.
#[derive(Debug, Clone)]
pub struct Shell {
    /// `<title>` and the page heading.
    pub title: String,
    pub platform_name: String,
    /// Signed-in user, if any (anonymous pages show sign-in / sign-up links instead).
    pub user: Option<ShellUser>,
    /// Workspaces of the signed-in user, for the switcher (`current` marks the active one).
    pub workspaces: Vec<ShellWorkspace>,
    /// The sidebar's navigation, by area.
    pub nav: Vec<NavGroup>,
    pub flashes: Vec<Flash>,
    /// Standing notices about the current workspace from the features (e.g. overdue payment).
    pub banners: Vec<Banner>,
    /// Cache-busted URLs of the shared assets.
    pub assets: &'static Assets,
}

/// A standing notice about the workspace, shown on every page until its cause is gone.
#[derive(Debug, Clone)]
pub struct Banner {
    pub message: String,
    pub href: &'static str,
    pub link: &'static str,
}

/// A feature's banner: given the current workspace, the notice to show, if any.
pub type BannerFn = fn(
    crate::AppState,
    crate::Scope,
) -> futures::future::BoxFuture<'static, crate::Result<Option<Banner>>>;

impl Shell {
    pub fn current_workspace(&self) -> Option<&ShellWorkspace> {
        self.workspaces.iter().find(|w| w.current)
    }

    /// A shell with no one signed in: the simple header (error pages, sign-in pages).
    pub fn anonymous(platform_name: String, title: &str, flashes: Vec<Flash>) -> Shell {
        Shell {
            title: title.to_string(),
            platform_name,
            user: None,
            workspaces: Vec::new(),
            nav: Vec::new(),
            flashes,
            banners: Vec::new(),
            assets: super::assets::assets(),
        }
    }
}

/// URLs of the shared static files, each carrying a content hash (`?v=…`) so browsers may
/// cache them for a year.
#[derive(Debug, Clone)]
pub struct Assets {
    pub css: String,
    pub js: String,
    pub htmx: String,
    pub htmx_sse: String,
    pub favicon: String,
}

/// Builds the page shell (sidebar, workspace switcher, navigation, flashes) for a request.
/// `path` decides which navigation entry is marked current. Any feature's page uses it; the
/// workspace list comes from the authenticator (the identity feature).
pub async fn for_request(
    state: &crate::AppState,
    ctx: Option<&crate::Ctx>,
    title: &str,
    path: &str,
    flashes: Vec<Flash>,
) -> crate::Result<Shell> {
    let (user, workspaces, nav) = match ctx {
        Some(ctx) => {
            let current = ctx.workspace_id().ok();
            let workspaces = state
                .auth
                .workspaces_of(state, ctx.user_id())
                .await?
                .into_iter()
                .map(|(id, name, slug)| ShellWorkspace {
                    current: Some(id) == current,
                    name,
                    slug,
                })
                .collect();
            let nav = nav_groups(&state.nav, path);
            (
                Some(ShellUser {
                    name: ctx.user.name.clone(),
                    email: ctx.user.email.clone(),
                }),
                workspaces,
                nav,
            )
        }
        None => (None, Vec::new(), Vec::new()),
    };
    let mut banners = Vec::new();
    if let Some(scope) = ctx.and_then(|c| crate::Scope::of(c).ok()) {
        for banner in state.banners.iter() {
            // A banner is a courtesy: one that cannot be worked out never breaks the page.
            match banner(state.clone(), scope).await {
                Ok(Some(b)) => banners.push(b),
                Ok(None) => {}
                Err(e) => tracing::warn!(error = %e, "a page banner could not be worked out"),
            }
        }
    }
    Ok(Shell {
        title: title.to_string(),
        platform_name: state.platform_name(),
        user,
        workspaces,
        nav,
        flashes,
        banners,
        assets: super::assets::assets(),
    })
}

/// `/workspace/members` is under `/workspace/members`, `/workspace/membersx` is not.
pub fn is_active(path: &str, href: &str) -> bool {
    if href == "/" {
        return path == "/";
    }
    path == href
        || path
            .strip_prefix(href)
            .is_some_and(|rest| rest.starts_with('/'))
}

#[cfg(test)]
mod active_tests {
    use super::is_active;

    #[test]
    fn active_links() {
        assert!(is_active("/home", "/home"));
        assert!(is_active("/workspace/tokens/x", "/workspace/tokens"));
        assert!(!is_active("/homepage", "/home"));
        assert!(!is_active("/home", "/"));
    }

    fn entry(
        label: &'static str,
        href: &'static str,
        area: super::NavArea,
        order: u16,
    ) -> super::NavEntry {
        super::NavEntry {
            label,
            href,
            area,
            icon: super::Icon::Home,
            order,
            keywords: "",
        }
    }

    #[test]
    fn groups_follow_the_areas_and_mark_one_page() {
        use super::NavArea::*;
        let entries = [
            entry("Billing", "/billing", Workspace, 900),
            entry("Compare", "/instagram/compare", Growth, 110),
            entry("Home", "/home", Overview, 0),
            entry("Instagram", "/instagram", Growth, 100),
            entry("Members", "/workspace/members", Workspace, 100),
        ];
        let groups = super::nav_groups(&entries, "/instagram/compare");
        let shape: Vec<(&str, Vec<(&str, bool)>)> = groups
            .iter()
            .map(|g| {
                (
                    g.label,
                    g.links
                        .iter()
                        .map(|l| (l.label.as_str(), l.active))
                        .collect(),
                )
            })
            .collect();
        assert_eq!(
            shape,
            vec![
                ("Overview", vec![("Home", false)]),
                ("Growth", vec![("Instagram", false), ("Compare", true)]),
                ("Workspace", vec![("Members", false), ("Billing", false)]),
            ]
        );
        let on_account = super::nav_groups(&entries, "/instagram/accounts/x");
        assert!(
            on_account[1].links[0].active,
            "an account page is under Instagram"
        );
    }
}
