//! What the back office's lists share, whichever feature serves them: numbered pages with a
//! link that keeps the filters (rendered by `staff/_pager.html`), and the query string of the
//! current filters.

/// Page links of a list ("Page 2 of 7", previous / next), keeping the filters.
pub struct Pager {
    pub page: u64,
    pub pages: u64,
    pub total: u64,
    pub prev: String,
    pub next: String,
}

impl Pager {
    /// `base` is the list's path with its filters as a query string (without `page`).
    pub fn new(base: &str, page: u64, per_page: u64, total: u64) -> Self {
        let pages = total.div_ceil(per_page).max(1);
        let page = page.clamp(1, pages);
        let sep = if base.contains('?') { '&' } else { '?' };
        let link = |p: u64| format!("{base}{sep}page={p}");
        Self {
            page,
            pages,
            total,
            prev: if page > 1 {
                link(page - 1)
            } else {
                String::new()
            },
            next: if page < pages {
                link(page + 1)
            } else {
                String::new()
            },
        }
    }
}

/// `path?a=1&b=x` from the non-empty pairs (values URL-encoded).
pub fn with_query(path: &str, pairs: &[(&str, &str)]) -> String {
    let query: Vec<String> = pairs
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k}={}", urlencoding::encode(v)))
        .collect();
    if query.is_empty() {
        path.to_string()
    } else {
        format!("{path}?{}", query.join("&"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pages_keep_filters() {
        let base = with_query("/admin/users", &[("q", "a b"), ("status", "")]);
        assert_eq!(base, "/admin/users?q=a%20b");
        let p = Pager::new(&base, 2, 50, 120);
        assert_eq!(p.pages, 3);
        assert_eq!(p.prev, "/admin/users?q=a%20b&page=1");
        assert_eq!(p.next, "/admin/users?q=a%20b&page=3");
        let empty = Pager::new("/admin/users", 9, 50, 0);
        assert_eq!((empty.page, empty.pages), (1, 1));
        assert!(empty.next.is_empty() && empty.prev.is_empty());
    }
}
