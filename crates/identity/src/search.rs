//! Identity's part of the command palette: the account pages that are not in the sidebar,
//! and the actions of people and access the caller's role allows ("Invite people",
//! "Create API token", "New workspace").

use platform::{
    AppState, Ctx, Permission, Result,
    search::{Hit, HitKind, Query, SearchFn},
};

/// (title, where, other words it is found by, what the caller must be allowed).
type Entry = (&'static str, &'static str, &'static str, Option<Permission>);

const PAGES: &[Entry] = &[
    (
        "Account",
        "/account",
        "profile name email password settings",
        None,
    ),
    (
        "Security",
        "/account/security",
        "password two-factor 2fa totp sessions backup codes sign out devices",
        None,
    ),
];

const ACTIONS: &[Entry] = &[
    (
        "Invite people",
        "/workspace/members#invite-title",
        "member team add user email invitation",
        Some(Permission::MembersInvite),
    ),
    (
        "Create API token",
        "/workspace/tokens#create-title",
        "new key developer integration",
        Some(Permission::TokensManage),
    ),
    (
        "New workspace",
        "/workspaces/new",
        "create add client agency",
        None,
    ),
];

/// The search providers of this feature.
pub fn providers() -> Vec<SearchFn> {
    vec![|state, ctx, query| Box::pin(async move { search(&state, &ctx, &query) })]
}

fn search(_state: &AppState, ctx: &Ctx, query: &Query) -> Result<Vec<Hit>> {
    let found = |entries: &[Entry], kind: HitKind, group: &str, detail: &str| -> Vec<Hit> {
        entries
            .iter()
            .filter(|(_, _, _, permission)| permission.is_none_or(|p| ctx.can(p)))
            .filter_map(|(title, href, keywords, _)| {
                let rank = match query.rank(&[title]) {
                    Some(rank) => rank,
                    // A keyword match ranks after a title match of the same kind.
                    None => query.rank(&[keywords])?.max(2),
                };
                Some(
                    Hit::new(kind, group, *title, *href)
                        .detail(detail)
                        .rank(rank),
                )
            })
            .collect()
    };
    let mut hits = found(PAGES, HitKind::Page, "Pages", "Your account");
    hits.extend(found(
        ACTIONS,
        HitKind::Action,
        "Actions",
        "People and access",
    ));
    Ok(hits)
}
