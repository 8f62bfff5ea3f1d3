//! `growthdeck demo [--workspace SLUG]`: fills a workspace with demo Instagram accounts and
//! tracked competitors, and fetches their (generated, labelled) data at once with a progress
//! bar. Without `--workspace` it creates a demo user and workspace and prints how to sign in.

use clap::Args;
use identity::service::{
    accounts::{self, SignupInput},
    workspaces,
};
use indicatif::{ProgressBar, ProgressStyle};
use instagram::service::{accounts as ig_accounts, refresh, tracked};
use platform::{Config, Error, Origin, crypto};

/// Demo accounts a workspace gets (own accounts, then competitors it tracks).
const OWN: &[&str] = &["demo.travel.mia", "demo.fit.leon", "demo.kitchen.sofia"];
const COMPETITORS: &[(&str, &str)] = &[
    ("demo.wanderlust.co", "travel competitor"),
    ("demo.gymrat.daily", "fitness competitor"),
    ("demo.plantbased.eats", "food competitor"),
];

#[derive(Args)]
pub struct DemoArgs {
    /// Slug of the workspace to fill (default: create a demo workspace and its owner).
    #[arg(long)]
    workspace: Option<String>,
}

pub async fn run(config: Config, args: DemoArgs) -> anyhow::Result<()> {
    let base_url = config.base_url();
    let state = growthdeck::build_state(config).await?;
    let (workspace_id, sign_in) = match args.workspace {
        Some(slug) => match workspaces::find_by_slug(&state.db, &slug).await {
            Ok(ws) => (ws.id, None),
            Err(Error::NotFound) => anyhow::bail!("no workspace with the slug {slug:?}"),
            Err(e) => anyhow::bail!("{e}"),
        },
        None => {
            let tag = &crypto::random_token()?[..8]
                .to_lowercase()
                .replace(['-', '_'], "x");
            let email = format!("demo-{tag}@example.com");
            let password = crypto::random_token()?[..20].to_string();
            let origin = Origin {
                request_id: "cli".into(),
                ip: None,
                user_agent: Some("growthdeck demo".into()),
            };
            let out = accounts::signup(
                &state,
                &origin,
                SignupInput {
                    email: email.clone(),
                    password: password.clone(),
                    name: "Demo User".into(),
                    workspace: "Demo agency".into(),
                },
                true,
            )
            .await
            .map_err(|e| anyhow::anyhow!("demo user not created: {e}"))?;
            (
                out.workspace.id,
                Some((email, password, out.workspace.slug)),
            )
        }
    };

    let mut profiles = Vec::new();
    for username in OWN {
        match ig_accounts::add_demo(&state, workspace_id, username, None).await {
            Ok(card) => profiles.push(card.profile),
            Err(Error::Validation(_)) => println!("@{username} is already in the workspace"),
            Err(e) => anyhow::bail!("adding @{username}: {e}"),
        }
    }
    for (username, note) in COMPETITORS {
        match tracked::track_in(&state, workspace_id, username, note, None).await {
            Ok(t) => profiles.push(t.profile),
            Err(Error::Validation(_)) => println!("@{username} is already tracked"),
            Err(e) => anyhow::bail!("tracking @{username}: {e}"),
        }
    }

    let bar = ProgressBar::new(profiles.len() as u64);
    bar.set_style(
        ProgressStyle::with_template("{bar:30} {pos}/{len} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    for p in &profiles {
        bar.set_message(format!("@{}", p.username));
        refresh::refresh_profile(&state, p.id, |_, _| {})
            .await
            .map_err(|e| anyhow::anyhow!("refreshing @{}: {e}", p.username))?;
        bar.inc(1);
    }
    bar.finish_with_message("demo data fetched");
    println!(
        "{} demo accounts and {} tracked profiles are ready (all labelled “Demo data”).",
        OWN.len(),
        COMPETITORS.len()
    );
    if let Some((email, password, slug)) = sign_in {
        println!();
        println!("Sign in at {base_url}/login");
        println!("  email:    {email}");
        println!("  password: {password}");
        println!("  workspace: {slug}");
    }
    Ok(())
}
