//! The tiers API clients are sold on, declared in code: requests per minute, requests per
//! calendar month (UTC), and the endpoints allowed. A client may override any of the three.

use serde::{Deserialize, Serialize};

/// An endpoint of the public API, as the allow-lists name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Endpoint {
    /// `GET /api/v1/social/instagram/{username}`
    Profile,
    /// `GET /api/v1/social/instagram/{username}/posts`
    Posts,
}

impl Endpoint {
    pub const ALL: [Endpoint; 2] = [Endpoint::Profile, Endpoint::Posts];

    pub fn as_str(&self) -> &'static str {
        match self {
            Endpoint::Profile => "profile",
            Endpoint::Posts => "posts",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|e| e.as_str() == s.trim())
    }

    /// A stored comma-separated list; unknown names are dropped.
    pub fn parse_list(s: &str) -> Vec<Endpoint> {
        let mut out: Vec<Endpoint> = s.split(',').filter_map(Endpoint::parse).collect();
        out.sort_by_key(|e| e.as_str());
        out.dedup();
        out
    }

    pub fn join(list: &[Endpoint]) -> String {
        list.iter()
            .map(|e| e.as_str())
            .collect::<Vec<_>>()
            .join(",")
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Tier {
    Free,
    Starter,
    Pro,
    Enterprise,
}

/// What a client may do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Limits {
    pub requests_per_minute: u64,
    pub requests_per_month: u64,
    pub endpoints: Vec<Endpoint>,
}

impl Limits {
    pub fn allows(&self, endpoint: Endpoint) -> bool {
        self.endpoints.contains(&endpoint)
    }
}

impl Tier {
    pub const ALL: [Tier; 4] = [Tier::Free, Tier::Starter, Tier::Pro, Tier::Enterprise];

    pub fn as_str(&self) -> &'static str {
        match self {
            Tier::Free => "free",
            Tier::Starter => "starter",
            Tier::Pro => "pro",
            Tier::Enterprise => "enterprise",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == s)
    }

    pub fn label(&self) -> &'static str {
        match self {
            Tier::Free => "Free",
            Tier::Starter => "Starter",
            Tier::Pro => "Pro",
            Tier::Enterprise => "Enterprise",
        }
    }

    /// The tier's own figures.
    pub fn limits(&self) -> Limits {
        let (rpm, month, endpoints): (u64, u64, &[Endpoint]) = match self {
            Tier::Free => (10, 1_000, &[Endpoint::Profile]),
            Tier::Starter => (60, 50_000, &Endpoint::ALL),
            Tier::Pro => (300, 500_000, &Endpoint::ALL),
            Tier::Enterprise => (1_200, 5_000_000, &Endpoint::ALL),
        };
        Limits {
            requests_per_minute: rpm,
            requests_per_month: month,
            endpoints: endpoints.to_vec(),
        }
    }

    /// The tier's figures with a client's overrides applied.
    pub fn with_overrides(
        &self,
        requests_per_minute: Option<i64>,
        requests_per_month: Option<i64>,
        endpoints: Option<&str>,
    ) -> Limits {
        let base = self.limits();
        Limits {
            requests_per_minute: requests_per_minute
                .map_or(base.requests_per_minute, |v| v.max(0) as u64),
            requests_per_month: requests_per_month
                .map_or(base.requests_per_month, |v| v.max(0) as u64),
            endpoints: endpoints.map_or(base.endpoints, Endpoint::parse_list),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overrides_replace_the_tier_figures() {
        let l = Tier::Free.with_overrides(Some(5), None, Some("posts, profile,nope"));
        assert_eq!(l.requests_per_minute, 5);
        assert_eq!(l.requests_per_month, 1_000);
        assert_eq!(l.endpoints, vec![Endpoint::Posts, Endpoint::Profile]);
        assert!(!Tier::Free.limits().allows(Endpoint::Posts));
        assert!(Tier::Pro.limits().allows(Endpoint::Posts));
    }
}
