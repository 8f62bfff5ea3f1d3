//! The mail outbox. Features write a message into `outbox_mail` inside their transaction
//! (`mail::enqueue`), together with the [`DeliverMail`] job that sends it, so a message exists
//! — and is sent — if and only if the business change committed. The job delivers through SMTP
//! (`smtp_url`) or the Resend HTTP API (`resend_api_key`), from the sender `mail_from` — each
//! the effective system setting at delivery time (saved in the back office, else configured) —
//! retries temporary failures with back-off and marks permanent ones `failed`. With neither
//! configured, the message stays in the outbox and is logged at INFO (with its links) so a
//! self-hoster can finish sign-up.

use std::sync::Arc;

use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor, message::Mailbox};
use sea_orm::{ConnectionTrait, QueryOrder, Set, entity::prelude::*};

use crate::{
    config::Config,
    error::{Error, Result},
    jobs::{Job, JobError, JobMeta},
    settings::{self as keys, SystemSettings},
    state::AppState,
};

pub mod entity {
    use super::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "outbox_mail")]
    pub struct Model {
        #[sea_orm(primary_key, auto_increment = false)]
        pub id: Uuid,
        pub to_addr: String,
        pub subject: String,
        pub body_text: String,
        /// `pending`, `sent` or `failed`.
        pub status: String,
        pub attempts: i32,
        pub last_error: Option<String>,
        pub created_at: chrono::DateTime<chrono::Utc>,
        pub sent_at: Option<chrono::DateTime<chrono::Utc>>,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub use entity::Model as OutboxMessage;

/// Writes a message into the outbox (inside the caller's transaction).
pub async fn enqueue(
    conn: &impl ConnectionTrait,
    to: &str,
    subject: &str,
    body_text: &str,
) -> Result<Uuid> {
    let id = Uuid::now_v7();
    entity::ActiveModel {
        id: Set(id),
        to_addr: Set(to.to_string()),
        subject: Set(subject.to_string()),
        body_text: Set(body_text.to_string()),
        status: Set("pending".into()),
        attempts: Set(0),
        last_error: Set(None),
        created_at: Set(crate::db::now()),
        sent_at: Set(None),
    }
    .insert(conn)
    .await?;
    crate::jobs::enqueue(conn, &DeliverMail { mail_id: id }).await?;
    Ok(id)
}

/// Sends one outbox message.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct DeliverMail {
    pub mail_id: Uuid,
}

impl Job for DeliverMail {
    const KIND: &'static str = "mail.deliver";
    const QUEUE: &'static str = "mail";
    const MAX_ATTEMPTS: i32 = 12;
    const TIMEOUT: std::time::Duration = std::time::Duration::from_secs(60);

    async fn run(self, state: AppState, _: JobMeta) -> Result<(), JobError> {
        state
            .mailer
            .deliver(&state.settings, &state.db, self.mail_id)
            .await
    }
}

/// The newest messages to an address (tests, and the admin outbox page later).
pub async fn to_address(conn: &impl ConnectionTrait, to: &str) -> Result<Vec<OutboxMessage>> {
    Ok(entity::Entity::find()
        .filter(entity::Column::ToAddr.eq(to))
        .order_by_desc(entity::Column::CreatedAt)
        .all(conn)
        .await?)
}

/// Messages queued since `since` whose delivery was refused for good (status `failed`), for
/// the staff dashboard. The outbox keeps no failure time: the queueing time stands in.
pub async fn failed_since(
    conn: &impl ConnectionTrait,
    since: chrono::DateTime<chrono::Utc>,
) -> Result<u64> {
    Ok(entity::Entity::find()
        .filter(entity::Column::Status.eq("failed"))
        .filter(entity::Column::CreatedAt.gte(since))
        .count(conn)
        .await?)
}

/// Delivers outbox messages. Which transport (SMTP, Resend, or none) and which sender are
/// decided at each delivery from the effective system settings, so a super admin's change
/// applies without a restart; the transport is rebuilt only when those settings change.
#[derive(Clone)]
pub struct Mailer {
    inner: Arc<MailerInner>,
}

enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Resend {
        client: reqwest::Client,
        base: String,
        key: String,
    },
    /// Nothing configured: mail stays in the outbox.
    Outbox,
}

/// The settings a transport is built from.
#[derive(Clone, PartialEq, Eq)]
struct MailSettings {
    smtp_url: Option<String>,
    resend_api_key: Option<String>,
    mail_from: String,
}

/// A transport and sender built for one set of settings.
struct Route {
    settings: MailSettings,
    transport: Transport,
    from: Mailbox,
}

struct MailerInner {
    /// Resend's API base (config only).
    resend_base: String,
    client: reqwest::Client,
    route: std::sync::Mutex<Option<Arc<Route>>>,
}

/// What one delivery attempt came to.
enum Sent {
    Ok,
    Temporary(String),
    Permanent(String),
}

impl Mailer {
    /// Checks the configured sender and SMTP URL (a typo stops the start, not the first mail).
    pub fn from_config(config: &Config) -> Result<Self> {
        config
            .mail_from
            .parse::<Mailbox>()
            .map_err(|e| Error::internal(format!("mail_from {:?}: {e}", config.mail_from)))?;
        if let Some(url) = &config.smtp_url {
            AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                .map_err(|e| Error::internal(format!("smtp_url: {e}")))?;
        }
        Ok(Self {
            inner: Arc::new(MailerInner {
                resend_base: config.resend_api_base.trim_end_matches('/').to_string(),
                client: reqwest::Client::builder()
                    .timeout(std::time::Duration::from_secs(20))
                    .build()
                    .map_err(Error::internal)?,
                route: std::sync::Mutex::new(None),
            }),
        })
    }

    /// The transport for the settings in effect, built again only when they changed.
    async fn route(&self, settings: &SystemSettings) -> std::result::Result<Arc<Route>, String> {
        settings.refresh_if_stale().await;
        let wanted = MailSettings {
            smtp_url: settings.cached(keys::SMTP_URL),
            resend_api_key: settings.cached(keys::RESEND_API_KEY),
            mail_from: settings.cached(keys::MAIL_FROM).unwrap_or_default(),
        };
        let mut slot = match self.inner.route.lock() {
            Ok(slot) => slot,
            Err(poisoned) => poisoned.into_inner(),
        };
        if let Some(route) = slot.as_ref()
            && route.settings == wanted
        {
            return Ok(route.clone());
        }
        let from: Mailbox = wanted
            .mail_from
            .parse()
            .map_err(|e| format!("the sender {:?} is not valid: {e}", wanted.mail_from))?;
        let transport = match (&wanted.smtp_url, &wanted.resend_api_key) {
            // The URL holds a password: the message does not repeat it.
            (Some(url), _) => Transport::Smtp(
                AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .map_err(|_| "the SMTP URL is not valid".to_string())?
                    .build(),
            ),
            (None, Some(key)) => Transport::Resend {
                client: self.inner.client.clone(),
                base: self.inner.resend_base.clone(),
                key: key.clone(),
            },
            (None, None) => Transport::Outbox,
        };
        let route = Arc::new(Route {
            settings: wanted,
            transport,
            from,
        });
        *slot = Some(route.clone());
        Ok(route)
    }

    /// The `DeliverMail` job's work: one delivery attempt, recorded on the outbox row.
    pub async fn deliver(
        &self,
        settings: &SystemSettings,
        conn: &DatabaseConnection,
        id: Uuid,
    ) -> Result<(), JobError> {
        let Some(msg) = entity::Entity::find_by_id(id).one(conn).await? else {
            return Ok(());
        };
        if msg.status != "pending" {
            return Ok(());
        }
        let route = self.route(settings).await.map_err(JobError::Retry)?;
        let outcome = match &route.transport {
            Transport::Outbox => {
                tracing::info!(
                    mail_id = %id,
                    to = %msg.to_addr,
                    subject = %msg.subject,
                    body = %msg.body_text,
                    "no mail transport configured: mail kept in the outbox"
                );
                return Ok(());
            }
            Transport::Smtp(smtp) => send_smtp(smtp, &route.from, &msg).await,
            Transport::Resend { client, base, key } => {
                send_resend(client, base, key, &route.from, &msg).await
            }
        };
        let mut active: entity::ActiveModel = msg.clone().into();
        active.attempts = Set(msg.attempts + 1);
        let result = match outcome {
            Sent::Ok => {
                active.status = Set("sent".into());
                active.sent_at = Set(Some(crate::db::now()));
                active.last_error = Set(None);
                Ok(())
            }
            Sent::Temporary(e) => {
                active.last_error = Set(Some(e.clone()));
                Err(JobError::Retry(e))
            }
            Sent::Permanent(e) => {
                active.status = Set("failed".into());
                active.last_error = Set(Some(e.clone()));
                Err(JobError::Permanent(e))
            }
        };
        active.update(conn).await?;
        result
    }
}

async fn send_smtp(
    smtp: &AsyncSmtpTransport<Tokio1Executor>,
    from: &Mailbox,
    msg: &OutboxMessage,
) -> Sent {
    let to: Mailbox = match msg.to_addr.parse() {
        Ok(to) => to,
        Err(e) => return Sent::Permanent(format!("recipient {:?}: {e}", msg.to_addr)),
    };
    let email = match Message::builder()
        .from(from.clone())
        .to(to)
        .subject(msg.subject.clone())
        .body(msg.body_text.clone())
    {
        Ok(m) => m,
        Err(e) => return Sent::Permanent(e.to_string()),
    };
    match smtp.send(email).await {
        Ok(_) => Sent::Ok,
        // A 5xx refusal will not get better by retrying; anything else might.
        Err(e) if e.is_permanent() => Sent::Permanent(e.to_string()),
        Err(e) => Sent::Temporary(e.to_string()),
    }
}

/// Resend's `POST /emails` (JSON, bearer key): 2xx sent; 429 and 5xx temporary; other 4xx
/// permanent (a bad address or key will not fix itself).
async fn send_resend(
    client: &reqwest::Client,
    base: &str,
    key: &str,
    from: &Mailbox,
    msg: &OutboxMessage,
) -> Sent {
    let body = serde_json::json!({
        "from": from.to_string(),
        "to": [msg.to_addr],
        "subject": msg.subject,
        "text": msg.body_text,
    });
    let response = client
        .post(format!("{base}/emails"))
        .bearer_auth(key)
        .header("Idempotency-Key", msg.id.to_string())
        .json(&body)
        .send()
        .await;
    match response {
        Err(e) => Sent::Temporary(format!("Resend unreachable: {e}")),
        Ok(r) if r.status().is_success() => Sent::Ok,
        Ok(r) => {
            let status = r.status();
            let text: String = r
                .text()
                .await
                .unwrap_or_default()
                .chars()
                .take(500)
                .collect();
            if status.as_u16() == 429 || status.is_server_error() {
                Sent::Temporary(format!("Resend answered {status}: {text}"))
            } else {
                Sent::Permanent(format!("Resend answered {status}: {text}"))
            }
        }
    }
}

/// Deletes the outbox's messages to an address (an account is erased); returns how many.
pub async fn forget_recipient(conn: &impl ConnectionTrait, to: &str) -> Result<u64> {
    use sea_orm::sea_query::{Expr, ExprTrait, Func};
    Ok(entity::Entity::delete_many()
        .filter(Expr::expr(Func::lower(Expr::col(entity::Column::ToAddr))).eq(to.to_lowercase()))
        .exec(conn)
        .await?
        .rows_affected)
}

/// What narrows the outbox list.
#[derive(Debug, Clone, Default)]
pub struct OutboxFilter {
    /// `pending`, `sent` or `failed`.
    pub status: Option<String>,
    /// Part of the recipient's address, any case.
    pub to: Option<String>,
    pub order: crate::db::Order,
}

/// A page of the outbox in the filter's order, after `cursor` (the last id of the previous page).
pub async fn page(
    conn: &impl ConnectionTrait,
    filter: &OutboxFilter,
    cursor: Option<Uuid>,
    limit: u64,
) -> Result<(Vec<OutboxMessage>, Option<Uuid>)> {
    use sea_orm::sea_query::{Expr, ExprTrait, Func, LikeExpr};
    let mut find = entity::Entity::find();
    if let Some(status) = filter.status.as_deref().filter(|s| !s.is_empty()) {
        if !matches!(status, "pending" | "sent" | "failed") {
            return Err(Error::validation(
                "status",
                "Status must be pending, sent or failed",
            ));
        }
        find = find.filter(entity::Column::Status.eq(status));
    }
    if let Some(to) = filter
        .to
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        let escaped = to
            .to_lowercase()
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        find = find.filter(
            Expr::expr(Func::lower(Expr::col(entity::Column::ToAddr)))
                .like(LikeExpr::new(format!("%{escaped}%")).escape('\\')),
        );
    }
    Ok(crate::db::keyset_page(
        conn,
        find,
        entity::Column::Id,
        |m| m.id,
        filter.order,
        cursor,
        limit,
    )
    .await?)
}

pub async fn get(conn: &impl ConnectionTrait, id: Uuid) -> Result<OutboxMessage> {
    entity::Entity::find_by_id(id)
        .one(conn)
        .await?
        .ok_or(Error::NotFound)
}

/// Sends a message again: a `failed` one, or a `pending` one no delivery is scheduled for
/// (e.g. written while no transport was configured). A message still being delivered is a
/// conflict, so it is never sent twice. Call inside a transaction; wake the workers after.
pub async fn retry(conn: &impl ConnectionTrait, id: Uuid) -> Result<OutboxMessage> {
    let msg = get(conn, id).await?;
    match msg.status.as_str() {
        "sent" => return Err(Error::Conflict("This message was sent already".into())),
        "pending" => {
            let scheduled = crate::jobs::store::live_of_kind(conn, DeliverMail::KIND)
                .await?
                .iter()
                .any(|j| {
                    j.payload.get("mail_id").and_then(|v| v.as_str()) == Some(&id.to_string())
                });
            if scheduled {
                return Err(Error::Conflict(
                    "A delivery of this message is already scheduled".into(),
                ));
            }
        }
        _ => {}
    }
    let mut active: entity::ActiveModel = msg.into();
    active.status = Set("pending".into());
    active.last_error = Set(None);
    let msg = active.update(conn).await?;
    crate::jobs::enqueue(conn, &DeliverMail { mail_id: id }).await?;
    Ok(msg)
}
