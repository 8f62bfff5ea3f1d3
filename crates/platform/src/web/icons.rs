//! The line icons of the sidebars and the shell's buttons: 24 × 24 outlines drawn with the
//! current text colour (`stroke="currentColor"` on the `<svg>` the templates wrap them in), so
//! they follow the theme. Features pick one for each navigation entry by what it shows, never
//! by feature name.

/// An icon for a navigation entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Icon {
    Home,
    Dashboard,
    /// A camera outline (Instagram accounts, media).
    Camera,
    /// A shield with a tick (audits, security).
    Audit,
    Calendar,
    /// Spark lines (generated content, ideas).
    Sparkle,
    Search,
    /// Stacked sheets (many accounts at once).
    Layers,
    Megaphone,
    Inbox,
    Link,
    Chart,
    Users,
    User,
    Key,
    Card,
    Settings,
    Building,
    List,
    Mail,
    Clock,
    Plug,
    Menu,
    Close,
    Bell,
}

impl Icon {
    /// The SVG children (paths) of the icon; trusted markup, rendered with `|safe`.
    pub fn svg(self) -> &'static str {
        match self {
            Icon::Home => r#"<path d="M3 10.5 12 3l9 7.5"/><path d="M5 9v12h5v-6h4v6h5V9"/>"#,
            Icon::Dashboard => {
                r#"<rect x="3" y="3" width="7" height="9" rx="1"/><rect x="14" y="3" width="7" height="5" rx="1"/><rect x="14" y="12" width="7" height="9" rx="1"/><rect x="3" y="16" width="7" height="5" rx="1"/>"#
            }
            Icon::Camera => {
                r#"<rect x="3" y="3" width="18" height="18" rx="5"/><circle cx="12" cy="12" r="4"/><path d="M17.5 6.5h.01"/>"#
            }
            Icon::Audit => {
                r#"<path d="M12 3 4 6v6c0 4.5 3.4 8 8 9 4.6-1 8-4.5 8-9V6z"/><path d="m9 12 2 2 4-4"/>"#
            }
            Icon::Calendar => {
                r#"<rect x="3" y="5" width="18" height="16" rx="2"/><path d="M3 10h18M8 3v4M16 3v4"/>"#
            }
            Icon::Sparkle => {
                r#"<path d="M12 3l1.8 5.2L19 10l-5.2 1.8L12 17l-1.8-5.2L5 10l5.2-1.8z"/><path d="M19 15l.8 2.2L22 18l-2.2.8L19 21l-.8-2.2L16 18l2.2-.8z"/>"#
            }
            Icon::Search => r#"<circle cx="11" cy="11" r="7"/><path d="m20 20-3.5-3.5"/>"#,
            Icon::Layers => r#"<path d="m12 3 9 5-9 5-9-5z"/><path d="m3 13 9 5 9-5"/>"#,
            Icon::Megaphone => {
                r#"<path d="M3 10v4h4l7 5V5L7 10z"/><path d="M18 9a4 4 0 0 1 0 6"/>"#
            }
            Icon::Inbox => r#"<path d="M3 13h5l2 3h4l2-3h5"/><path d="M5.5 5h13L21 13v6H3v-6z"/>"#,
            Icon::Link => {
                r#"<path d="M10 14a4 4 0 0 0 5.7 0l3-3a4 4 0 0 0-5.7-5.7l-1 1"/><path d="M14 10a4 4 0 0 0-5.7 0l-3 3a4 4 0 0 0 5.7 5.7l1-1"/>"#
            }
            Icon::Chart => r#"<path d="M3 3v18h18"/><path d="m7 14 4-4 3 3 5-6"/>"#,
            Icon::Users => {
                r#"<circle cx="9" cy="8" r="3.5"/><path d="M2.5 20a6.5 6.5 0 0 1 13 0"/><path d="M16 4.6a3.5 3.5 0 0 1 0 6.8M18 13.8c2 .8 3.5 3 3.5 6.2"/>"#
            }
            Icon::User => r#"<circle cx="12" cy="8" r="4"/><path d="M4 21a8 8 0 0 1 16 0"/>"#,
            Icon::Key => {
                r#"<circle cx="8" cy="15" r="4"/><path d="m11 12 9-9M17 6l3 3M15 8l2 2"/>"#
            }
            Icon::Card => {
                r#"<rect x="2.5" y="5" width="19" height="14" rx="2"/><path d="M2.5 10h19M6 15h4"/>"#
            }
            Icon::Settings => {
                r#"<path d="M4 6h9M17 6h3M4 12h3M11 12h9M4 18h11M19 18h1"/><circle cx="15" cy="6" r="2"/><circle cx="9" cy="12" r="2"/><circle cx="17" cy="18" r="2"/>"#
            }
            Icon::Building => {
                r#"<rect x="4" y="3" width="16" height="18" rx="1"/><path d="M9 7h1M14 7h1M9 11h1M14 11h1M9 15h1M14 15h1M10 21v-3h4v3"/>"#
            }
            Icon::List => r#"<path d="M9 6h12M9 12h12M9 18h12M4 6h.01M4 12h.01M4 18h.01"/>"#,
            Icon::Mail => {
                r#"<rect x="3" y="5" width="18" height="14" rx="2"/><path d="m3 7 9 6 9-6"/>"#
            }
            Icon::Clock => r#"<circle cx="12" cy="12" r="9"/><path d="M12 7v5l3 2"/>"#,
            Icon::Plug => r#"<path d="M9 2v5M15 2v5M6 7h12v4a6 6 0 0 1-12 0zM12 17v5"/>"#,
            Icon::Menu => r#"<path d="M4 6h16M4 12h16M4 18h16"/>"#,
            Icon::Close => r#"<path d="M6 6l12 12M18 6 6 18"/>"#,
            Icon::Bell => {
                r#"<path d="M6 8a6 6 0 0 1 12 0c0 7 3 9 3 9H3s3-2 3-9"/><path d="M10.3 21a1.94 1.94 0 0 0 3.4 0"/>"#
            }
        }
    }
}
