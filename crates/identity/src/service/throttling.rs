//! Which throttle buckets a customer's attempt counts against (see `platform::throttle` for
//! how slots are taken and settled), and the activity-log entries of refusals and failures.
//!
//! A password or code guess counts against
//! - the client address (`<kind>:ip:<ip>`, `throttle_ip_attempts`): one machine guessing many
//!   accounts;
//! - the account from that address (`<kind>:pair:<ip>:acct:<account>`,
//!   `throttle_account_attempts`, growing delays): a lock-out an attacker causes stays on their
//!   own address;
//! - the account from anywhere (`<kind>:acct:<account>`, `throttle_account_ceiling`, looser):
//!   guessing spread over many addresses;
//! - or, from a remembered device of that account, the device instead of both account
//!   buckets (`<kind>:device:<id>`, `throttle_account_attempts`): the real user is not locked
//!   out by someone else's guesses.
//!
//! Re-entering the password for an account change (`reauth`) has buckets of its own, so
//! guesses on the sign-in form do not stop a signed-in owner.
//!
//! Requests for mailed links count per address and per account (`throttle_account_attempts`):
//! each one sends mail, so the account bucket is what keeps an inbox from being flooded.
//! Sign-ups count per address (`throttle_signup_attempts`).

use platform::{
    AppState, Origin, Result,
    audit::{self, Event},
    throttle::{self, Bucket, Limit, Slots},
};
use uuid::Uuid;

/// An attempt holding its throttle slots; settle it with `failed`, `succeeded` or `spent`.
#[must_use = "settle the attempt: failed(), succeeded() or spent()"]
pub struct Attempt {
    slots: Slots,
    kind: &'static str,
    account: String,
    origin: Origin,
}

fn window(state: &AppState) -> u64 {
    state.config.throttle_window_secs
}

fn limit(state: &AppState, attempts: u32) -> Limit {
    Limit {
        attempts,
        window_secs: window(state),
    }
}

fn ip_of(origin: &Origin) -> String {
    origin
        .ip
        .map(|i| i.to_string())
        .unwrap_or_else(|| "unknown".into())
}

/// The buckets of a guess at `account`'s password or code; `device` when the request comes
/// from a remembered device of that account.
fn guess_buckets(
    state: &AppState,
    origin: &Origin,
    kind: &str,
    account: &str,
    device: Option<Uuid>,
) -> Vec<Bucket> {
    let c = &state.config;
    let ip = ip_of(origin);
    let mut buckets = vec![Bucket::shared(
        format!("{kind}:ip:{ip}"),
        limit(state, c.throttle_ip_attempts),
    )];
    match device {
        Some(id) => buckets.push(Bucket::guesser(
            format!("{kind}:device:{id}"),
            limit(state, c.throttle_account_attempts),
        )),
        None => {
            buckets.push(Bucket::shared(
                format!("{kind}:acct:{account}"),
                limit(state, c.throttle_account_ceiling),
            ));
            buckets.push(Bucket::guesser(
                format!("{kind}:pair:{ip}:acct:{account}"),
                limit(state, c.throttle_account_attempts),
            ));
        }
    }
    buckets
}

/// Takes the slots of a password or code guess (refused with 429, logged, when any is used up).
pub async fn guess(
    state: &AppState,
    origin: &Origin,
    kind: &'static str,
    account: &str,
    device: Option<Uuid>,
) -> Result<Attempt> {
    let buckets = guess_buckets(state, origin, kind, account, device);
    begin(state, origin, kind, account, buckets).await
}

/// Takes the slot of a try of a mailed link's token (reset): per client address only, with
/// growing delays. Tokens are 256-bit random, so this only slows a scanner down; a counter
/// shared by everyone would let anyone block every reset.
pub async fn link_try(state: &AppState, origin: &Origin, kind: &'static str) -> Result<Attempt> {
    let buckets = vec![Bucket::guesser(
        format!("{kind}:link:ip:{}", ip_of(origin)),
        limit(state, state.config.throttle_account_attempts),
    )];
    begin(state, origin, kind, "link", buckets).await
}

/// Takes the slots of a request that mails a link to `account`.
pub async fn mailed_link(
    state: &AppState,
    origin: &Origin,
    kind: &'static str,
    account: &str,
) -> Result<Attempt> {
    let c = &state.config;
    let buckets = vec![
        Bucket::shared(
            format!("{kind}:ip:{}", ip_of(origin)),
            limit(state, c.throttle_ip_attempts),
        ),
        Bucket::shared(
            format!("{kind}:acct:{account}"),
            limit(state, c.throttle_account_attempts),
        ),
    ];
    begin(state, origin, kind, account, buckets).await
}

/// Takes the slot of a sign-up from this client address.
pub async fn sign_up(state: &AppState, origin: &Origin, account: &str) -> Result<Attempt> {
    let buckets = vec![Bucket::shared(
        format!("signup:ip:{}", ip_of(origin)),
        limit(state, state.config.throttle_signup_attempts),
    )];
    begin(state, origin, "signup", account, buckets).await
}

async fn begin(
    state: &AppState,
    origin: &Origin,
    kind: &'static str,
    account: &str,
    buckets: Vec<Bucket>,
) -> Result<Attempt> {
    match throttle::take(&state.db, buckets).await {
        Ok(slots) => Ok(Attempt {
            slots,
            kind,
            account: account.to_string(),
            origin: origin.clone(),
        }),
        Err(e @ platform::Error::TooManyRequests { retry_after_secs }) => {
            audit::record(
                &state.db,
                Event::new("auth.throttled")
                    .from_origin(origin)
                    .actor(None, account)
                    .detail(
                        serde_json::json!({ "kind": kind, "retry_after_secs": retry_after_secs }),
                    ),
            )
            .await?;
            Err(e)
        }
        Err(e) => Err(e),
    }
}

impl Attempt {
    /// A wrong password or code: the slots stay used (with the guesser's growing delay) and
    /// the failure is logged.
    pub async fn failed(self, state: &AppState, user_id: Option<Uuid>) -> Result<()> {
        self.slots.failed(&state.db).await?;
        audit::record(
            &state.db,
            Event::new(match self.kind {
                "signin" | "reauth" => "auth.sign_in_failed",
                "2fa" => "auth.second_factor_failed",
                _ => "auth.reset_failed",
            })
            .from_origin(&self.origin)
            .actor(user_id, &self.account),
        )
        .await
    }

    /// The right password or code: the slots are given back.
    pub async fn succeeded(self, state: &AppState) -> Result<()> {
        self.slots.succeeded(&state.db).await
    }

    /// The attempt did what it asked (a link mailed, a sign-up answered): the slots stay used.
    pub fn spent(self) {
        self.slots.spent()
    }
}
