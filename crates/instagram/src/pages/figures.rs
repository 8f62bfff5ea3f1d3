//! The figures part of an account page (own account or tracked profile) as the template
//! shows it: the range picker, the headline figures, the charts, private insights, media
//! types and top posts — each block with its source and fetch time. It is also a fragment of
//! its own (`…/figures?days=N`): the range picker and a finished "Refresh now" swap it
//! without reloading the page.

use platform::{
    AppState, Result,
    web::charts::{self, Format, Series, Step, Style, Timeline},
};

use super::format::{count, day, provenance, rate, signed, source_label, when};
use crate::{
    media,
    service::{
        engagement,
        figures::Provenance,
        period::{Bucket, Period},
        subject::Subject,
        views::{Detail, PostView},
    },
    source::{MediaType, Source},
};

pub struct RangeLink {
    pub label: String,
    /// The page at this range (bookmarkable; without JavaScript).
    pub href: String,
    /// The figures fragment at this range (htmx).
    pub fragment: String,
    pub current: bool,
}

pub struct Stat {
    pub label: &'static str,
    pub value: String,
    /// A line under the value (what it covers); empty: none.
    pub note: String,
    pub source: String,
}

pub struct ChartBlock {
    pub id: &'static str,
    pub heading: String,
    pub chart: String,
    pub source: String,
}

pub struct PostCard {
    /// `/media/{id}` of the picture (a video's cover); empty: none.
    pub image: String,
    /// The post on Instagram: real posts only (demo posts have none).
    pub permalink: String,
    pub caption: String,
    pub kind: &'static str,
    pub posted: String,
    pub likes: String,
    pub comments: String,
    /// Private insights (own accounts); empty: not known.
    pub saves: String,
    pub engagement: String,
    pub source: String,
}

pub struct TypeRow {
    pub kind: &'static str,
    pub posts: String,
    pub engagement: String,
}

pub struct InsightsSummary {
    pub reach: String,
    pub views: String,
    pub engaged: String,
    pub new_followers: String,
    pub source: String,
}

pub struct FiguresView {
    /// This fragment's address at the current range.
    pub fragment_url: String,
    /// An own account the viewer may refresh: the fragment reloads when a refresh finishes.
    pub refreshable: bool,
    pub ranges: Vec<RangeLink>,
    /// The range asked for was refused (the default is shown); empty: fine.
    pub range_error: String,
    pub period_label: String,
    pub period_span: String,
    /// "day" or "week": how posts are grouped on the charts.
    pub posts_per: &'static str,
    pub stats: Vec<Stat>,
    pub charts: Vec<ChartBlock>,
    pub insights: Option<InsightsSummary>,
    pub by_type: Vec<TypeRow>,
    pub types_source: String,
    pub top_posts: Vec<PostCard>,
    pub top_source: String,
    /// A tracked profile: public figures only (no reach, no private insights).
    pub public_only: bool,
    pub definition_link: &'static str,
    pub last_refresh: String,
    pub refresh_error: String,
}

fn step(b: Bucket) -> Step {
    match b {
        Bucket::Day => Step::Day,
        Bucket::Week => Step::Week,
    }
}

fn per(b: Bucket) -> &'static str {
    match b {
        Bucket::Day => "day",
        Bucket::Week => "week",
    }
}

fn kind_label(media_type: &str) -> &'static str {
    MediaType::parse(media_type)
        .map(|m| m.label())
        .unwrap_or("Post")
}

/// The picture a post is shown with: its thumbnail, or its image (never a video's URL: the
/// media proxy serves images only).
pub fn post_picture(p: &crate::model::post::Model) -> Option<&str> {
    p.thumbnail_url.as_deref().or_else(|| {
        (p.media_type != "VIDEO")
            .then_some(p.media_url.as_deref())
            .flatten()
    })
}

fn sum(values: impl Iterator<Item = Option<i64>>) -> Option<i64> {
    values.fold(None, |acc, v| match (acc, v) {
        (None, None) => None,
        (a, b) => Some(a.unwrap_or(0) + b.unwrap_or(0)),
    })
}

impl FiguresView {
    pub async fn build(
        state: &AppState,
        d: &Detail,
        period: Period,
        range_error: String,
        can_write: bool,
    ) -> Result<FiguresView> {
        let f = &d.figures;
        let profile = d.subject.profile();
        let path = d.subject.path();
        let days = period.days();
        let profile_source = provenance(&Provenance::of(&profile.source, profile.fetched_at));
        let followers_source = provenance(&f.followers_provenance);
        let posts_source = provenance(&f.posts_provenance);

        let ranges = Period::all()
            .map(|p| RangeLink {
                label: format!("{} days", p.days()),
                href: format!("{path}?days={}", p.days()),
                fragment: format!("{path}/figures?days={}", p.days()),
                current: p == period,
            })
            .collect();

        let change = f.follower_change();
        let mut stats = vec![
            Stat {
                label: "Followers",
                value: count(profile.followers_count),
                note: format!("Following {}", count(profile.follows_count)),
                source: profile_source.clone(),
            },
            Stat {
                label: "Follower change",
                value: change
                    .map(|c| signed(c.gained()))
                    .unwrap_or_else(|| "—".into()),
                note: match change {
                    Some(c) => format!(
                        "{} since {}",
                        c.percent()
                            .map(|p| format!("{p:+.2} %"))
                            .unwrap_or_default(),
                        day(c.from)
                    ),
                    None => "Needs two days of history in the range".into(),
                },
                source: followers_source.clone(),
            },
            Stat {
                label: "Engagement rate",
                value: rate(f.engagement_rate()),
                note: format!("Mean of {} posts in the range", f.rated_count()),
                source: posts_source.clone(),
            },
            Stat {
                label: "Posts per week",
                value: format!("{:.1}", f.posts_per_week()),
                note: format!(
                    "{} posts in the range · {} in all",
                    f.post_count(),
                    count(profile.media_count)
                ),
                source: posts_source.clone(),
            },
        ];
        // A tracked profile's headline figures are all public: the first card says so.
        if d.subject.is_tracked() {
            stats[0].note.push_str(" · public data");
        }

        let mut charts = Vec::new();
        let daily = period.daily_bucket();
        let points: Vec<_> = f.followers_by(daily);
        let days_of: Vec<_> = points.iter().map(|(d, _)| *d).collect();
        let values: Vec<Option<f64>> = points.iter().map(|(_, v)| v.map(|v| v as f64)).collect();
        let title = format!("Followers per {}", per(daily));
        charts.push(ChartBlock {
            id: "followers",
            heading: "Follower growth".into(),
            chart: charts::timeline(&Timeline {
                title: &title,
                points: &days_of,
                step: step(daily),
                series: &[Series {
                    name: "Followers",
                    values: &values,
                }],
                style: Style::Line,
                format: Format::Count,
                zero_based: false,
            })?,
            source: followers_source,
        });

        let posts_bucket = period.post_bucket();
        let points = f.engagement_by(posts_bucket);
        let days_of: Vec<_> = points.iter().map(|(d, _)| *d).collect();
        let values: Vec<Option<f64>> = points.iter().map(|(_, v)| *v).collect();
        let title = format!("Engagement rate of posts, by {} posted", per(posts_bucket));
        charts.push(ChartBlock {
            id: "engagement",
            heading: "Engagement rate over time".into(),
            chart: charts::timeline(&Timeline {
                title: &title,
                points: &days_of,
                step: step(posts_bucket),
                series: &[Series {
                    name: "Engagement rate",
                    values: &values,
                }],
                style: Style::Line,
                format: Format::Percent,
                zero_based: true,
            })?,
            source: posts_source.clone(),
        });

        let points = f.posts_by(posts_bucket);
        let days_of: Vec<_> = points.iter().map(|(d, _)| *d).collect();
        let values: Vec<Option<f64>> = points.iter().map(|(_, v)| Some(*v as f64)).collect();
        let title = format!("Posts per {}", per(posts_bucket));
        charts.push(ChartBlock {
            id: "frequency",
            heading: "Posting frequency".into(),
            chart: charts::timeline(&Timeline {
                title: &title,
                points: &days_of,
                step: step(posts_bucket),
                series: &[Series {
                    name: "Posts",
                    values: &values,
                }],
                style: Style::Bar,
                format: Format::Count,
                zero_based: true,
            })?,
            source: posts_source.clone(),
        });

        let mut insights_source = Provenance::default();
        for i in &d.insights {
            insights_source.add(&i.source, Some(i.fetched_at));
        }
        let insights_line = format!(
            "Private to this workspace · {}",
            provenance(&insights_source)
        );
        if d.insights.iter().any(|i| i.reach.is_some()) {
            let buckets = period.buckets(daily, f.today);
            let values: Vec<Option<f64>> = buckets
                .iter()
                .map(|b| {
                    sum(d
                        .insights
                        .iter()
                        .filter(|i| daily.start(i.day) == *b)
                        .map(|i| i.reach))
                    .map(|r| r as f64)
                })
                .collect();
            let title = format!("Accounts reached per {}", per(daily));
            charts.push(ChartBlock {
                id: "reach",
                heading: "Reach".into(),
                chart: charts::timeline(&Timeline {
                    title: &title,
                    points: &buckets,
                    step: step(daily),
                    series: &[Series {
                        name: "Accounts reached",
                        values: &values,
                    }],
                    style: Style::Bar,
                    format: Format::Count,
                    zero_based: true,
                })?,
                source: insights_line.clone(),
            });
        }
        let insights = (!d.insights.is_empty()).then(|| InsightsSummary {
            reach: count(sum(d.insights.iter().map(|i| i.reach))),
            views: count(sum(d.insights.iter().map(|i| i.views))),
            engaged: count(sum(d.insights.iter().map(|i| i.accounts_engaged))),
            new_followers: count(sum(d.insights.iter().map(|i| i.follower_count))),
            source: insights_line,
        });

        let by_type = f
            .by_media_type()
            .into_iter()
            .map(|t| TypeRow {
                kind: kind_label(&t.media_type),
                posts: count(Some(t.posts)),
                engagement: rate(t.engagement),
            })
            .collect();

        let media = media::proxied_all(
            &state.db,
            &state.config,
            d.top_posts.iter().filter_map(|p| post_picture(&p.post)),
        )
        .await?;
        let top_posts = d.top_posts.iter().map(|p| post_card(p, &media)).collect();
        let mut top_source = Provenance::default();
        for p in &d.top_posts {
            top_source.add(&p.post.source, Some(p.post.fetched_at));
        }
        let top_source = if top_source.is_empty() {
            posts_source.clone()
        } else {
            provenance(&top_source)
        };

        let (last_refresh, refresh_error) = match &d.subject {
            Subject::Account(c) => (
                when(c.profile.last_refresh_at.as_ref()),
                c.profile.last_refresh_error.clone().unwrap_or_default(),
            ),
            Subject::Tracked(t) => (
                when(t.profile.last_refresh_at.as_ref()),
                t.profile.last_refresh_error.clone().unwrap_or_default(),
            ),
        };
        Ok(FiguresView {
            fragment_url: format!("{path}/figures?days={days}"),
            refreshable: can_write && !d.subject.is_tracked(),
            ranges,
            range_error,
            period_label: period.label(),
            posts_per: per(period.post_bucket()),
            period_span: format!("{} to {}, UTC", day(f.first_day()), day(f.today)),
            stats,
            charts,
            insights,
            by_type,
            types_source: posts_source,
            top_posts,
            top_source,
            public_only: d.subject.is_tracked(),
            definition_link: engagement::DEFINITION_LINK,
            last_refresh,
            refresh_error,
        })
    }
}

fn post_card(p: &PostView, media: &media::MediaPaths) -> PostCard {
    let real = Source::parse(&p.post.source).is_some_and(|s| s != Source::Demo);
    PostCard {
        image: media.get(post_picture(&p.post)).unwrap_or_default(),
        permalink: if real {
            p.post
                .permalink
                .clone()
                .filter(|l| l.starts_with("https://www.instagram.com/"))
                .unwrap_or_default()
        } else {
            String::new()
        },
        caption: p
            .post
            .caption
            .as_deref()
            .unwrap_or("")
            .chars()
            .take(140)
            .collect(),
        kind: kind_label(&p.post.media_type),
        posted: day(p.post.posted_at.date_naive()),
        likes: count(p.post.like_count),
        comments: count(p.post.comments_count),
        saves: p.saves.map(|s| count(Some(s))).unwrap_or_default(),
        engagement: rate(p.engagement),
        source: format!(
            "{} · fetched {}",
            source_label(&p.post.source),
            when(Some(&p.post.fetched_at))
        ),
    }
}
