//! `growthdeck demo [--workspace SLUG] [--account USERNAME]…`: fills a workspace with demo
//! Instagram accounts and tracked competitors, and generates their (labelled) data at once with
//! a progress bar: a year of daily history, posts with pictures, insights. Without `--workspace`
//! it creates a demo user and workspace and prints how to sign in. The default accounts are the
//! generator's showcase (every niche, several languages, follower tiers from nano to mega);
//! `--account` adds others (demo usernames read best: `demo.travel.mia` is Mia, who travels).
//! Each new demo account gets one audit (free, and demo like its data).

use clap::Args;
use identity::service::{
    accounts::{self, SignupInput},
    workspaces,
};
use indicatif::{ProgressBar, ProgressStyle};
use instagram::{
    service::{accounts as ig_accounts, refresh, subject::Subject, tracked},
    source::{
        Username,
        demo::{Persona, SHOWCASE_ACCOUNTS, SHOWCASE_COMPETITORS},
    },
};
use intelligence::service::audit::run as audit;
use platform::{Config, Error, Origin, Scope, crypto};

#[derive(Args)]
pub struct DemoArgs {
    /// Slug of the workspace to fill (default: create a demo workspace and its owner).
    #[arg(long)]
    workspace: Option<String>,
    /// A demo account to add instead of the showcase (repeatable), e.g. `demo.food.lea`.
    #[arg(long = "account", value_name = "USERNAME")]
    accounts: Vec<String>,
    /// Demo creators to seed for discovery's search (0 to skip; at most 50,000).
    #[arg(long, default_value_t = discovery::demo::DEFAULT_CREATORS,
          value_parser = clap::value_parser!(u32).range(0..=i64::from(discovery::demo::MAX_CREATORS)))]
    creators: u32,
}

pub async fn run(config: Config, args: DemoArgs) -> anyhow::Result<()> {
    // Usernames first: a typo is refused before anything is created.
    let own: Vec<Username> = if args.accounts.is_empty() {
        SHOWCASE_ACCOUNTS
            .iter()
            .map(|u| Username::parse(u))
            .collect::<Result<_, _>>()?
    } else {
        args.accounts
            .iter()
            .map(|raw| Username::parse(raw).map_err(|e| anyhow::anyhow!("--account {raw:?}: {e}")))
            .collect::<anyhow::Result<_>>()?
    };
    let competitors: Vec<(Username, &str)> = if args.accounts.is_empty() {
        SHOWCASE_COMPETITORS
            .iter()
            .map(|(u, note)| Ok((Username::parse(u)?, *note)))
            .collect::<anyhow::Result<_>>()?
    } else {
        Vec::new()
    };

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

    // The workspace the command line named, or the demo user's it just created.
    let scope = Scope::for_system(workspace_id);
    let mut profiles = Vec::new();
    let mut audited = Vec::new();
    for username in &own {
        match ig_accounts::add_demo(&state, &scope, username.as_str(), None).await {
            Ok(card) => {
                audited.push(card.account.id);
                profiles.push(card.profile)
            }
            Err(Error::Validation(_)) => println!("@{username} is already in the workspace"),
            Err(e) => anyhow::bail!("adding @{username}: {e}"),
        }
    }
    for (username, note) in &competitors {
        match tracked::track_in(&state, &scope, username.as_str(), note, true, None).await {
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
            .map_err(|e| anyhow::anyhow!("generating @{}: {e}", p.username))?;
        bar.inc(1);
    }
    bar.finish_with_message("demo data generated");
    // One audit of each new demo account, so the audits' pages have something to show.
    for id in audited {
        let subject = Subject::in_scope(&state, &scope, "account", id).await?;
        audit::audit_now_free(&state, &scope, &subject, audit::DEFAULT_DAYS)
            .await
            .map_err(|e| anyhow::anyhow!("auditing @{}: {e}", subject.profile().username))?;
    }
    // The account fleet's demo: proxies, a persona with content pools, accounts in warm-up.
    let fleet_note = demo_fleet(&state, &scope).await?;
    // Discovery's demo pool: creators to search (shared by every workspace of the install).
    let creators = if args.creators > 0 {
        let bar = ProgressBar::new(u64::from(args.creators));
        bar.set_style(
            ProgressStyle::with_template("{bar:30} {pos}/{len} demo creators for discovery")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        let seeded = discovery::demo::seed(&state, args.creators as usize, |done| {
            bar.set_position(done as u64)
        })
        .await
        .map_err(|e| anyhow::anyhow!("seeding demo creators: {e}"))?;
        bar.finish();
        seeded.creators
    } else {
        0
    };
    let now = chrono::Utc::now();
    for username in own.iter().chain(competitors.iter().map(|(u, _)| u)) {
        let p = Persona::of(username);
        println!(
            "  @{:<22} {:<20} {:<8} {:<3} {:>10} followers ({})",
            username.as_str(),
            p.display_name,
            p.niche.name(),
            p.lang.code(),
            thousands(p.followers_at(now)),
            p.tier_at(now).name()
        );
    }
    println!(
        "{} demo accounts and {} tracked profiles are ready (all labelled “Demo data”).",
        own.len(),
        competitors.len()
    );
    if let Some(note) = fleet_note {
        println!("{note}");
    }
    if creators > 0 {
        println!(
            "Discovery: {} demo creators to search (labelled “Demo data”).",
            thousands(creators as i64)
        );
    }
    if let Some((email, password, slug)) = sign_in {
        println!();
        println!("Sign in at {base_url}/login");
        println!("  email:    {email}");
        println!("  password: {password}");
        println!("  workspace: {slug}");
    }
    Ok(())
}

/// 1234567 → "1,234,567".
fn thousands(n: i64) -> String {
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

/// Seeds the account fleet's demo when the workspace's plan includes the fleet; what to say.
async fn demo_fleet(state: &platform::AppState, scope: &Scope) -> anyhow::Result<Option<String>> {
    use instagram::source::demo::picture::{Picture, avatar_url, post_url};
    if state
        .limits
        .require_feature(state, scope, fleet::service::access::FEATURE)
        .await
        .is_err()
    {
        return Ok(None);
    }
    let mut pictures = Vec::new();
    let draw = |url: String| -> anyhow::Result<Vec<u8>> {
        let url = url::Url::parse(&url)?;
        let picture =
            Picture::from_url(&url).ok_or_else(|| anyhow::anyhow!("no demo picture at {url}"))?;
        Ok(picture.png()?)
    };
    for (kind, url) in [
        ("pfp", avatar_url("demo.travel.mia")),
        ("pfp", avatar_url("demo.travel.ines")),
        ("post", post_url("demo.travel.mia", 1)),
        ("post", post_url("demo.travel.mia", 2)),
        ("story", post_url("demo.travel.mia", 3)),
        ("highlight", post_url("demo.travel.mia", 4)),
    ] {
        pictures.push((kind, draw(url)?));
    }
    let seeded = fleet::demo::seed(state, scope, pictures).await?;
    if seeded.accounts == 0 {
        return Ok(None);
    }
    Ok(Some(format!(
        "Account fleet: {} demo accounts ({} assigned to {} demo proxies and queued for warm-up). \
         Watch them move: growthdeck fleet simulate --workspace <slug> --workers 3 --skip-waits",
        seeded.accounts, seeded.assigned, seeded.proxies
    )))
}
