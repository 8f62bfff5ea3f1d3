//! What a demo persona publishes and what happens to it: the profile as of a moment, posts on
//! an absolute timeline (captions, hashtags and comments in the persona's language and niche,
//! pictures from [`super::picture`]), their figures growing in after posting, private insights
//! of the posts and of the account, and the account's daily history.

use chrono::{DateTime, Datelike, Duration, Utc};
use rand::Rng;

use super::{
    content::Sentiment,
    engagement::{self, Settled},
    persona::Persona,
    picture, rng, seed,
};
use crate::source::{
    AccountInsightsDay, FetchedComment, FetchedMedia, FetchedProfile, MediaInsights, MediaType,
    ProfileDay,
};

/// A post of the timeline: its place, time and settled figures.
struct Post {
    index: usize,
    posted_at: DateTime<Utc>,
    media_type: MediaType,
    reel: bool,
    settled: Settled,
}

/// The media id of the timeline's post `index` (the index can be read back from it).
fn media_id(username: &str, index: usize) -> String {
    format!(
        "demo_{}_{index}",
        seed(&["media", username, &index.to_string()]) % 1_000_000_000_000
    )
}

/// The timeline index in a media id made by [`media_id`].
pub fn index_of(media_id: &str) -> Option<usize> {
    media_id
        .strip_prefix("demo_")?
        .rsplit_once('_')?
        .1
        .parse()
        .ok()
}

impl Persona {
    fn post(&self, index: usize, posted_at: DateTime<Utc>) -> Post {
        let mut r = rng(&["post", &self.username, &index.to_string()]);
        let media_type = match r.random_range(0..100) {
            0..48 => MediaType::Image,
            48..76 => MediaType::CarouselAlbum,
            _ => MediaType::Video,
        };
        let reel = media_type == MediaType::Video && r.random_bool(0.85);
        let settled = engagement::settle(
            &mut r,
            self.followers_at(posted_at) as f64,
            self.affinity,
            media_type,
            reel,
            self.niche.saves_per_like(),
        );
        Post {
            index,
            posted_at,
            media_type,
            reel,
            settled,
        }
    }

    /// The caption: a line of the niche in the persona's language, often a question or a
    /// call to save, then hashtags of the niche (some in the language, sometimes the city).
    fn caption(&self, index: usize) -> String {
        let mut r = rng(&["caption", &self.username, &index.to_string()]);
        let lines = self.niche.captions(self.lang);
        let mut caption = format!(
            "{} {}",
            lines[r.random_range(0..lines.len())],
            self.niche.emoji()
        );
        if r.random_bool(0.7) {
            let calls = self.lang.calls_to_action();
            caption.push_str("\n\n");
            caption.push_str(calls[r.random_range(0..calls.len())]);
        }
        let mut tags: Vec<String> = Vec::new();
        let universal = self.niche.hashtags();
        for _ in 0..r.random_range(3..6) {
            let tag = universal[r.random_range(0..universal.len())].to_string();
            if !tags.contains(&tag) {
                tags.push(tag);
            }
        }
        for local in self.niche.local_hashtags(self.lang) {
            if r.random_bool(0.6) && !tags.iter().any(|t| t == local) {
                tags.push(local.to_string());
            }
        }
        if r.random_bool(0.35) {
            tags.push(self.city.to_lowercase().replace(' ', ""));
        }
        caption.push_str("\n\n");
        caption.push_str(
            &tags
                .iter()
                .map(|t| format!("#{t}"))
                .collect::<Vec<_>>()
                .join(" "),
        );
        caption
    }

    fn media(&self, post: &Post, now: DateTime<Utc>) -> FetchedMedia {
        let id = media_id(&self.username, post.index);
        let age_hours = (now - post.posted_at).num_minutes() as f64 / 60.0;
        let g = engagement::grown(age_hours);
        let picture = picture::post_url(&self.username, post.index);
        let (media_url, thumbnail_url) = match post.media_type {
            MediaType::Video => (None, Some(picture)),
            _ => (Some(picture), None),
        };
        FetchedMedia {
            // A shortcode of our own (never a real post's); there is no Instagram page to link.
            shortcode: Some(format!(
                "D{}",
                &hex::encode(seed(&["code", &id]).to_le_bytes())[..10]
            )),
            permalink: None,
            ig_media_id: id,
            caption: Some(self.caption(post.index)),
            media_type: post.media_type,
            product_type: Some(if post.reel { "REELS" } else { "FEED" }.to_string()),
            posted_at: post.posted_at,
            like_count: Some((post.settled.likes * g).round() as i64),
            comments_count: Some((post.settled.comments * g).round() as i64),
            view_count: (post.media_type == MediaType::Video)
                .then(|| (post.settled.views * g).round() as i64),
            media_url,
            thumbnail_url,
        }
    }

    /// The profile as of `now`.
    pub fn profile(&self, now: DateTime<Utc>) -> FetchedProfile {
        FetchedProfile {
            ig_user_id: Some(format!(
                "demo{}",
                seed(&["user", &self.username]) % 100_000_000_000
            )),
            username: self.username.clone(),
            full_name: Some(self.display_name.clone()),
            biography: Some(self.biography()),
            website: Some(self.website()),
            picture_url: Some(picture::avatar_url(&self.username)),
            followers_count: Some(self.followers_at(now)),
            follows_count: Some(self.follows_at(now)),
            media_count: Some(self.older_posts + self.post_times(now).len() as i64),
            is_verified: Some(self.verified_at(now)),
            is_business: Some(true),
        }
    }

    /// The last year of posts as of `now`, newest first.
    pub fn posts(&self, now: DateTime<Utc>) -> Vec<FetchedMedia> {
        let from = now - Duration::days(365);
        let mut out: Vec<FetchedMedia> = self
            .post_times(now)
            .into_iter()
            .enumerate()
            .filter(|(_, t)| *t >= from)
            .map(|(i, t)| self.media(&self.post(i, t), now))
            .collect();
        out.reverse();
        out
    }

    /// One post by its media id, as of `now` (`None`: not one of this persona's, or not yet
    /// posted).
    pub fn post_by_id(&self, media_id: &str, now: DateTime<Utc>) -> Option<FetchedMedia> {
        let index = index_of(media_id)?;
        let posted_at = *self.post_times(now).get(index)?;
        let media = self.media(&self.post(index, posted_at), now);
        (media.ig_media_id == media_id).then_some(media)
    }

    /// Comments of a post (at most 12 stored): mostly the persona's language, mixed sentiment,
    /// and the niche's question now and then.
    pub fn comments(&self, media: &FetchedMedia) -> Vec<FetchedComment> {
        let mut r = rng(&["comments", &self.username, &media.ig_media_id]);
        let n = media.comments_count.unwrap_or(0).clamp(0, 12) as usize;
        (0..n)
            .map(|i| {
                let lang = if r.random_bool(0.8) {
                    self.lang
                } else {
                    super::content::Lang::En
                };
                let text = if r.random_bool(0.2) {
                    self.niche.question(lang)
                } else {
                    let texts = lang.comments();
                    texts[r.random_range(0..texts.len())].0
                };
                let firsts = lang.first_names();
                FetchedComment {
                    ig_comment_id: format!("{}_c{i}", media.ig_media_id),
                    username: Some(format!(
                        "{}{}",
                        super::content::fold(firsts[r.random_range(0..firsts.len())]),
                        r.random_range(10..9999)
                    )),
                    text: text.to_string(),
                    like_count: Some(r.random_range(0..40)),
                    posted_at: Some(media.posted_at + Duration::minutes(r.random_range(5..3000))),
                }
            })
            .collect()
    }

    /// A post's private insights as of `now`, from the same draw as its public counts.
    pub fn media_insights(&self, media: &FetchedMedia, now: DateTime<Utc>) -> MediaInsights {
        let settled = index_of(&media.ig_media_id).map(|i| self.post(i, media.posted_at).settled);
        let age_hours = (now - media.posted_at).num_minutes() as f64 / 60.0;
        let g = engagement::grown(age_hours);
        let likes = media.like_count.unwrap_or(0);
        let comments = media.comments_count.unwrap_or(0);
        let (saves, shares, reach, views) = match settled {
            Some(s) => (
                (s.saves * g).round() as i64,
                (s.shares * g).round() as i64,
                (s.reach * g).round().max((likes + comments) as f64) as i64,
                (s.views * g).round() as i64,
            ),
            None => (0, 0, likes + comments, likes + comments),
        };
        MediaInsights {
            ig_media_id: media.ig_media_id.clone(),
            views: Some(views.max(reach)),
            reach: Some(reach),
            saved: Some(saves),
            shares: Some(shares),
            total_interactions: Some(likes + comments + saves + shares),
        }
    }

    /// The account's insights of the `days` days before `now`'s, oldest first.
    pub fn account_insights(&self, now: DateTime<Utc>, days: u32) -> Vec<AccountInsightsDay> {
        (1..=days)
            .rev()
            .map(|back| {
                let day = now.date_naive() - Duration::days(i64::from(back));
                let at = day
                    .and_hms_opt(12, 0, 0)
                    .map(|t| t.and_utc())
                    .unwrap_or(now);
                let mut r = rng(&["account", &self.username, &day.to_string()]);
                let followers = self.followers_at(at);
                let f = followers as f64;
                let weekend = if day.weekday().number_from_monday() >= 6 {
                    1.15
                } else {
                    1.0
                };
                // Smaller accounts reach a larger share of their followers on a day.
                let share = (engagement::typical_rate(f) / 0.02).sqrt() * 0.09;
                let reach = (f * share * weekend * (0.15 * super::normal(&mut r)).exp()).round();
                let online: Vec<i64> = (0..24)
                    .map(|h: i32| {
                        let evening = (-(f64::from(h - 20)).powi(2) / 8.0).exp();
                        let noon = 0.6 * (-(f64::from(h - 12)).powi(2) / 6.0).exp();
                        (f * 0.08 * (evening + noon + 0.05) * weekend).round() as i64
                    })
                    .collect();
                let previous = self.followers_at(at - Duration::days(1));
                AccountInsightsDay {
                    day: Some(day),
                    views: Some((reach * r.random_range(1.4..2.6)).round() as i64),
                    reach: Some(reach as i64),
                    accounts_engaged: Some(
                        (reach * engagement::typical_rate(f) * r.random_range(1.5..3.0)).round()
                            as i64,
                    ),
                    follower_count: Some((followers - previous).max(0)),
                    online_followers: Some(online),
                }
            })
            .collect()
    }

    /// The public counts of each of the `days` days before `now`'s, oldest first (as a daily
    /// snapshot would have recorded them at noon).
    pub fn history(&self, now: DateTime<Utc>, days: u32) -> Vec<ProfileDay> {
        let times = self.post_times(now);
        (1..=days)
            .rev()
            .filter_map(|back| {
                let day = now.date_naive() - Duration::days(i64::from(back));
                let noon = day.and_hms_opt(12, 0, 0)?.and_utc();
                let end = day.and_hms_opt(23, 59, 59)?.and_utc();
                let posted = times.partition_point(|t| *t <= end) as i64;
                Some(ProfileDay {
                    day,
                    followers_count: Some(self.followers_at(noon)),
                    follows_count: Some(self.follows_at(noon)),
                    media_count: Some(self.older_posts + posted),
                })
            })
            .collect()
    }
}

/// The sentiment of a comment text of any language (tests read it back).
pub fn sentiment_of(text: &str) -> Option<Sentiment> {
    super::content::Lang::ALL.into_iter().find_map(|l| {
        l.comments()
            .iter()
            .find(|(t, _)| *t == text)
            .map(|(_, s)| *s)
            .or_else(|| {
                super::content::Niche::ALL
                    .into_iter()
                    .any(|n| n.question(l) == text)
                    .then_some(Sentiment::Neutral)
            })
    })
}
