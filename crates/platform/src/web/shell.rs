//! The page shell: everything the base layout needs to draw the frame around a page
//! (header, workspace switcher, navigation, flash messages, theme toggle, assets).
//!
//! Feature pages embed a `Shell` in their template struct as the field `shell` and extend
//! `base.html`; the shell never names a feature — navigation entries are registered by the
//! features and composed by the binary.

use serde::{Deserialize, Serialize};

/// A link in the main navigation, registered by a feature.
#[derive(Debug, Clone)]
pub struct NavLink {
    pub label: String,
    pub href: String,
    pub active: bool,
}

/// A navigation entry as a feature registers it (`active` is decided per request).
#[derive(Debug, Clone, Copy)]
pub struct NavEntry {
    pub label: &'static str,
    pub href: &'static str,
    /// Sort key: lower comes first.
    pub order: u16,
}

#[derive(Debug, Clone)]
pub struct ShellUser {
    pub name: String,
    pub email: String,
}

#[derive(Debug, Clone)]
pub struct ShellWorkspace {
    pub name: String,
    pub slug: String,
    pub current: bool,
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
    pub nav: Vec<NavLink>,
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
    uuid::Uuid,
) -> futures::future::BoxFuture<'static, crate::Result<Option<Banner>>>;

impl Shell {
    pub fn current_workspace(&self) -> Option<&ShellWorkspace> {
        self.workspaces.iter().find(|w| w.current)
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

/// Builds the page shell (header, workspace switcher, navigation, flashes) for a request.
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
            let mut entries: Vec<NavEntry> = state.nav.iter().copied().collect();
            entries.sort_by_key(|e| e.order);
            let nav = entries
                .into_iter()
                .map(|e| NavLink {
                    label: e.label.to_string(),
                    href: e.href.to_string(),
                    active: is_active(path, e.href),
                })
                .collect();
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
    if let Some(ws) = ctx.and_then(|c| c.workspace_id().ok()) {
        for banner in state.banners.iter() {
            // A banner is a courtesy: one that cannot be worked out never breaks the page.
            match banner(state.clone(), ws).await {
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
fn is_active(path: &str, href: &str) -> bool {
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
}
