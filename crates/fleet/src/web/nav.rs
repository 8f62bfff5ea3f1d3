//! The fleet's sub-navigation, shown on each of its pages.

/// One link of the sub-navigation.
pub struct Link {
    pub href: &'static str,
    pub label: &'static str,
    pub current: bool,
}

const LINKS: [(&str, &str); 9] = [
    ("/fleet", "Overview"),
    ("/fleet/accounts", "Accounts"),
    ("/fleet/review", "Review queue"),
    ("/fleet/personas", "Personas (models)"),
    ("/fleet/proxies", "Proxies"),
    ("/fleet/import", "Import"),
    ("/fleet/content", "Content"),
    ("/fleet/workers", "Workers"),
    ("/fleet/settings", "Settings"),
];

/// The links, with `current` marking the page at `path`.
pub fn links(path: &str) -> Vec<Link> {
    LINKS
        .iter()
        .map(|(href, label)| Link {
            href,
            label,
            current: *href == path,
        })
        .collect()
}
