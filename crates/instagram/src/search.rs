//! Instagram's part of the command palette: the workspace's accounts and tracked profiles by
//! username (or name), the comparison page, and "Add Instagram account". Everything is read
//! through the feature's services with the caller's `Ctx`, so only the caller's workspace is
//! searched.

use platform::{
    AppState, Ctx, Permission, Result,
    search::{Hit, HitKind, Query, SearchFn},
};

use crate::service::{accounts, tracked};

/// The search providers of this feature.
pub fn providers() -> Vec<SearchFn> {
    vec![|state, ctx, query| Box::pin(async move { search(&state, &ctx, &query).await })]
}

async fn search(state: &AppState, ctx: &Ctx, query: &Query) -> Result<Vec<Hit>> {
    let mut hits = Vec::new();
    if let Some(rank) = query.rank(&["Compare profiles", "competitors side by side"]) {
        hits.push(
            Hit::new(
                HitKind::Page,
                "Pages",
                "Compare profiles",
                "/instagram/compare",
            )
            .detail("Instagram")
            .rank(rank),
        );
    }
    if ctx.can(Permission::WorkspaceWrite) {
        let actions = [
            (
                "Add Instagram account",
                "/instagram#add-title",
                "new connect username demo",
            ),
            (
                "Track a profile",
                "/instagram#tracked-title",
                "competitor follow creator",
            ),
        ];
        for (title, href, keywords) in actions {
            let rank = query
                .rank(&[title])
                .or_else(|| query.rank(&[keywords]).map(|r| r.max(2)));
            if let Some(rank) = rank {
                hits.push(
                    Hit::new(HitKind::Action, "Actions", title, href)
                        .detail("Instagram")
                        .rank(rank),
                );
            }
        }
    }
    // Records only for a typed query: an empty palette lists where to go and what to do.
    if query.is_empty() || !ctx.can(Permission::WorkspaceRead) {
        return Ok(hits);
    }
    for card in accounts::list(state, ctx).await? {
        let p = &card.profile;
        let name = p.full_name.clone().unwrap_or_default();
        if let Some(rank) = query.rank(&[&p.username, &name]) {
            hits.push(
                Hit::new(
                    HitKind::Record,
                    "Instagram accounts",
                    format!("@{}", p.username),
                    format!("/instagram/accounts/{}", card.account.id),
                )
                .detail(describe("Your account", p.followers_count, &p.pool, &name))
                .rank(rank),
            );
        }
    }
    for t in tracked::list(state, ctx).await? {
        let p = &t.profile;
        let name = p.full_name.clone().unwrap_or_default();
        let note = t.tracked.note.clone().unwrap_or_default();
        if let Some(rank) = query.rank(&[&p.username, &name, &note]) {
            hits.push(
                Hit::new(
                    HitKind::Record,
                    "Tracked profiles",
                    format!("@{}", p.username),
                    format!("/instagram/tracked/{}", t.tracked.id),
                )
                .detail(describe("Tracked", p.followers_count, &p.pool, &note))
                .rank(rank),
            );
        }
    }
    Ok(hits)
}

/// "Your account · Mia Travel · 12,400 followers · Demo data": tells look-alikes apart, and
/// demo data stays labelled here too.
fn describe(what: &str, followers: Option<i64>, pool: &str, extra: &str) -> String {
    let mut parts = vec![what.to_string()];
    if !extra.is_empty() {
        parts.push(extra.chars().take(60).collect());
    }
    if let Some(n) = followers {
        parts.push(format!("{} followers", grouped(n)));
    }
    if pool == "demo" {
        parts.push("Demo data".into());
    }
    parts.join(" · ")
}

fn grouped(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 { format!("-{out}") } else { out }
}

#[cfg(test)]
mod tests {
    #[test]
    fn descriptions() {
        assert_eq!(super::grouped(1234567), "1,234,567");
        assert_eq!(super::grouped(999), "999");
        assert_eq!(
            super::describe("Tracked", Some(12400), "demo", "travel competitor"),
            "Tracked · travel competitor · 12,400 followers · Demo data"
        );
        assert_eq!(
            super::describe("Your account", None, "live", ""),
            "Your account"
        );
    }
}
