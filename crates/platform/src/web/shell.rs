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
    /// Cache-busted URLs of the shared assets.
    pub assets: &'static Assets,
}

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
