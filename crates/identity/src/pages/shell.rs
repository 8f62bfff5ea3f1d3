//! Builds the page shell (header, workspace switcher, navigation, flashes) for a request.

use platform::{
    AppState, Ctx, Result,
    web::{
        assets,
        shell::{Flash, NavEntry, NavLink, Shell, ShellUser, ShellWorkspace},
    },
};

use crate::service::workspaces;

/// `path` decides which navigation entry is marked current.
pub async fn shell(
    state: &AppState,
    ctx: Option<&Ctx>,
    title: &str,
    path: &str,
    flashes: Vec<Flash>,
) -> Result<Shell> {
    let (user, workspaces, nav) = match ctx {
        Some(ctx) => {
            let current = ctx.workspace_id().ok();
            let workspaces = workspaces::list_for_user(&state.db, ctx.user_id())
                .await?
                .into_iter()
                .map(|(w, _)| ShellWorkspace {
                    current: Some(w.id) == current,
                    name: w.name,
                    slug: w.slug,
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
    Ok(Shell {
        title: title.to_string(),
        platform_name: state.platform_name(),
        user,
        workspaces,
        nav,
        flashes,
        assets: assets::assets(),
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
mod tests {
    use super::is_active;

    #[test]
    fn active_links() {
        assert!(is_active("/home", "/home"));
        assert!(is_active("/workspace/tokens/x", "/workspace/tokens"));
        assert!(!is_active("/homepage", "/home"));
        assert!(!is_active("/home", "/"));
    }
}
