//! `growthdeck analyze --workspace SLUG | --all`: brings the post analysis of a workspace's
//! profiles (its accounts and tracked profiles), or of every followed profile, up to date now —
//! what is missing, was computed from another caption or by an older method is analysed again;
//! the rest is left alone. The same work the job does after each refresh, run here directly,
//! with a progress bar.

use clap::Args;
use identity::service::workspaces;
use indicatif::{ProgressBar, ProgressStyle};
use intelligence::service::analyze;
use platform::{Config, Error, Scope};

#[derive(Args)]
pub struct AnalyzeArgs {
    /// The workspace whose profiles to analyse.
    #[arg(long, required_unless_present = "all", conflicts_with = "all")]
    workspace: Option<String>,
    /// Every profile any workspace follows.
    #[arg(long)]
    all: bool,
}

pub async fn run(config: Config, args: AnalyzeArgs) -> anyhow::Result<()> {
    let state = growthdeck::build_state(config).await?;
    let profiles = match args.workspace {
        Some(slug) => {
            let ws = match workspaces::find_by_slug(&state.db, &slug).await {
                Ok(ws) => ws,
                Err(Error::NotFound) => anyhow::bail!("no workspace with the slug {slug:?}"),
                Err(e) => anyhow::bail!("{e}"),
            };
            instagram::service::texts::profiles_in(&state.db, &Scope::for_system(ws.id)).await?
        }
        None => instagram::service::texts::all_followed(&state.db).await?,
    };
    let bar = ProgressBar::new(profiles.len() as u64).with_style(
        ProgressStyle::with_template("{bar:30} {pos}/{len} profiles {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let (mut posts, mut analysed, mut comments) = (0usize, 0usize, 0usize);
    for id in &profiles {
        let username = instagram::service::profiles::get(&state.db, *id)
            .await
            .map(|p| p.username)
            .unwrap_or_default();
        let outcome = analyze::analyze_profile(&state, *id, |done, total| {
            bar.set_message(format!("@{username}: {done}/{total}"));
        })
        .await
        .map_err(|e| anyhow::anyhow!("analysing @{username}: {e}"))?;
        posts += outcome.posts;
        analysed += outcome.posts_analysed;
        comments += outcome.comments_analysed;
        bar.inc(1);
    }
    bar.finish_and_clear();
    println!(
        "{} profiles: {analysed} of {posts} posts analysed ({} were current), {comments} comments",
        profiles.len(),
        posts - analysed
    );
    Ok(())
}
