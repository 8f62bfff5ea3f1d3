//! One account in detail — follower growth, engagement rate over time (defined on the page),
//! posting frequency, top posts, best media types, private insights where the account gives
//! them — and the side-by-side comparison of own accounts with tracked profiles.

use askama::Template;
use axum::{
    extract::{Path, State},
    response::Response,
};
use axum_extra::extract::cookie::CookieJar;
use chrono::NaiveDate;
use platform::{
    AppState, Ctx, Permission, Result,
    web::{
        charts::{self, Daily, DailyValues, Style},
        flash,
        forms::{html, parse_id},
        shell::Shell,
    },
};

use super::{
    accounts::Card,
    format::{count, rate, source_label, when},
};
use crate::{
    media,
    service::views::{self, ENGAGEMENT_DEFINITION},
    source::MediaType,
};

struct PostCard {
    /// `/media/{id}` of the thumbnail; empty: none.
    image: String,
    permalink: String,
    caption: String,
    kind: &'static str,
    posted: String,
    likes: String,
    comments: String,
    saves: String,
    engagement: String,
    source_label: &'static str,
}

struct TypeRow {
    kind: &'static str,
    posts: usize,
    engagement: String,
}

struct InsightsSummary {
    reach_30d: String,
    views_30d: String,
    engaged_30d: String,
    new_followers_30d: String,
    source_label: &'static str,
    fetched: String,
}

#[derive(Template)]
#[template(path = "instagram/account.html")]
struct DetailPage {
    shell: Shell,
    card: Card,
    biography: String,
    website: String,
    avg_engagement: String,
    engagement_definition: &'static str,
    followers_chart: String,
    engagement_chart: String,
    frequency_chart: String,
    reach_chart: String,
    top_posts: Vec<PostCard>,
    by_type: Vec<TypeRow>,
    insights: Option<InsightsSummary>,
    can_write: bool,
}

fn kind_label(media_type: &str) -> &'static str {
    MediaType::parse(media_type)
        .map(|m| m.label())
        .unwrap_or("Post")
}

fn sum(values: impl Iterator<Item = Option<i64>>) -> Option<i64> {
    values.fold(None, |acc, v| match (acc, v) {
        (None, None) => None,
        (a, b) => Some(a.unwrap_or(0) + b.unwrap_or(0)),
    })
}

pub async fn page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    jar: CookieJar,
) -> Result<Response> {
    let d = views::account_detail(&state, &ctx, parse_id(&id)?).await?;
    let followers: Vec<(NaiveDate, u64)> = d
        .followers
        .iter()
        .map(|(day, n)| (*day, u64::try_from(*n).unwrap_or(0)))
        .collect();
    let followers_chart = charts::daily(&Daily {
        title: "Followers per day",
        series: "Followers",
        points: &followers,
        style: Style::Line,
    })?;
    // Engagement per day a post went out (the mean of that day's posts), oldest first.
    let mut per_day: std::collections::BTreeMap<NaiveDate, Vec<f64>> = Default::default();
    for p in &d.posts {
        if let Some(e) = p.engagement {
            per_day
                .entry(p.post.posted_at.date_naive())
                .or_default()
                .push(e);
        }
    }
    let engagement_points: Vec<(NaiveDate, f64)> = per_day
        .into_iter()
        .map(|(day, v)| (day, v.iter().sum::<f64>() / v.len() as f64))
        .collect();
    let engagement_chart = charts::daily_values(&DailyValues {
        title: "Engagement rate of posts, by day posted",
        series: "Engagement rate",
        points: &engagement_points,
        style: Style::Line,
        unit: "%",
    })?;
    let weeks: Vec<(NaiveDate, u64)> = d
        .posts_per_week
        .iter()
        .map(|(w, n)| (*w, u64::from(*n)))
        .collect();
    let frequency_chart = charts::daily(&Daily {
        title: "Posts per week (weeks starting Monday)",
        series: "Posts",
        points: &weeks,
        style: Style::Bar,
    })?;
    let reach: Vec<(NaiveDate, u64)> = d
        .insights
        .iter()
        .filter_map(|i| i.reach.map(|r| (i.day, u64::try_from(r).unwrap_or(0))))
        .collect();
    let reach_chart = if reach.is_empty() {
        String::new()
    } else {
        charts::daily(&Daily {
            title: "Accounts reached per day",
            series: "Reach",
            points: &reach,
            style: Style::Bar,
        })?
    };
    let insights = d.insights.last().map(|last| InsightsSummary {
        reach_30d: count(sum(d.insights.iter().map(|i| i.reach))),
        views_30d: count(sum(d.insights.iter().map(|i| i.views))),
        engaged_30d: count(sum(d.insights.iter().map(|i| i.accounts_engaged))),
        new_followers_30d: count(sum(d.insights.iter().map(|i| i.follower_count))),
        source_label: source_label(&last.source),
        fetched: when(Some(&last.fetched_at)),
    });
    let top = d.top_posts();
    let media = media::proxied_all(
        &state.db,
        &state.config,
        top.iter()
            .filter_map(|p| {
                p.post
                    .thumbnail_url
                    .as_deref()
                    .or(p.post.media_url.as_deref())
            })
            .chain(d.card.profile.picture_url.as_deref()),
    )
    .await?;
    let top_posts = top
        .into_iter()
        .map(|p| PostCard {
            image: media
                .get(
                    p.post
                        .thumbnail_url
                        .as_deref()
                        .or(p.post.media_url.as_deref()),
                )
                .unwrap_or_default(),
            permalink: p.post.permalink.clone().unwrap_or_default(),
            caption: p
                .post
                .caption
                .as_deref()
                .unwrap_or("")
                .chars()
                .take(140)
                .collect(),
            kind: kind_label(&p.post.media_type),
            posted: p.post.posted_at.format("%Y-%m-%d").to_string(),
            likes: count(p.post.like_count),
            comments: count(p.post.comments_count),
            saves: count(p.saves),
            engagement: rate(p.engagement),
            source_label: source_label(&p.post.source),
        })
        .collect();
    let by_type = d
        .by_type
        .iter()
        .map(|t| TypeRow {
            kind: kind_label(&t.media_type),
            posts: t.posts,
            engagement: rate(Some(t.avg_engagement)),
        })
        .collect();
    let (jar, flashes) = flash::take(jar);
    let title = format!("@{}", d.card.profile.username);
    let page = DetailPage {
        shell: identity::pages::shell(&state, Some(&ctx), &title, "/instagram", flashes).await?,
        biography: d.card.profile.biography.clone().unwrap_or_default(),
        website: d.card.profile.website.clone().unwrap_or_default(),
        card: Card::new(&d.card, &media),
        avg_engagement: rate(d.avg_engagement),
        engagement_definition: ENGAGEMENT_DEFINITION,
        followers_chart,
        engagement_chart,
        frequency_chart,
        reach_chart,
        top_posts,
        by_type,
        insights,
        can_write: ctx.can(Permission::WorkspaceWrite),
    };
    Ok(html(jar, &page))
}

struct CompareRow {
    username: String,
    relation: &'static str,
    link: String,
    followers: String,
    growth: String,
    follows: String,
    posts: String,
    engagement: String,
    per_week: String,
    source_label: &'static str,
    demo: bool,
    fetched: String,
}

#[derive(Template)]
#[template(path = "instagram/compare.html")]
struct ComparePage {
    shell: Shell,
    rows: Vec<CompareRow>,
}

pub async fn compare(State(state): State<AppState>, ctx: Ctx, jar: CookieJar) -> Result<Response> {
    let rows = views::comparison(&state, &ctx)
        .await?
        .into_iter()
        .map(|c| CompareRow {
            link: if c.relation == "account" {
                format!("/instagram/accounts/{}", c.id)
            } else {
                String::new()
            },
            followers: count(c.profile.followers_count),
            growth: c
                .follower_growth_30d
                .map(|g| format!("{}{}", if g >= 0 { "+" } else { "" }, count(Some(g))))
                .unwrap_or_else(|| "—".into()),
            follows: count(c.profile.follows_count),
            posts: count(c.profile.media_count),
            engagement: rate(c.avg_engagement),
            per_week: format!("{:.1}", c.posts_per_week),
            source_label: source_label(&c.profile.source),
            demo: c.profile.pool == "demo",
            fetched: when(c.profile.fetched_at.as_ref()),
            relation: if c.relation == "account" {
                "Your account"
            } else {
                "Tracked"
            },
            username: c.profile.username,
        })
        .collect();
    let (jar, flashes) = flash::take(jar);
    let page = ComparePage {
        shell: identity::pages::shell(
            &state,
            Some(&ctx),
            "Compare profiles",
            "/instagram",
            flashes,
        )
        .await?,
        rows,
    };
    Ok(html(jar, &page))
}
