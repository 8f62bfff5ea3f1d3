//! The mail outbox. Features write a message into `outbox_mail` inside their transaction
//! (`mail::enqueue`), so a message exists if and only if the business change committed, then
//! ask the `Mailer` to deliver it after commit. Without SMTP configured the message stays in the
//! outbox and is logged at INFO (with its links) so a self-hoster can finish sign-up.

use std::sync::Arc;

use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor, message::Mailbox};
use sea_orm::{ConnectionTrait, QueryOrder, Set, entity::prelude::*};

use crate::{
    config::Config,
    error::{Error, Result},
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
    Ok(id)
}

/// The newest messages to an address (tests, and the admin outbox page later).
pub async fn to_address(conn: &impl ConnectionTrait, to: &str) -> Result<Vec<OutboxMessage>> {
    Ok(entity::Entity::find()
        .filter(entity::Column::ToAddr.eq(to))
        .order_by_desc(entity::Column::CreatedAt)
        .all(conn)
        .await?)
}

#[derive(Clone)]
pub struct Mailer {
    inner: Arc<MailerInner>,
}

struct MailerInner {
    smtp: Option<AsyncSmtpTransport<Tokio1Executor>>,
    from: Mailbox,
}

impl Mailer {
    pub fn from_config(config: &Config) -> Result<Self> {
        let from: Mailbox = config
            .mail_from
            .parse()
            .map_err(|e| Error::internal(format!("mail_from {:?}: {e}", config.mail_from)))?;
        let smtp = match &config.smtp_url {
            Some(url) => Some(
                AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .map_err(|e| Error::internal(format!("smtp_url: {e}")))?
                    .build(),
            ),
            None => None,
        };
        Ok(Self {
            inner: Arc::new(MailerInner { smtp, from }),
        })
    }

    pub fn is_configured(&self) -> bool {
        self.inner.smtp.is_some()
    }

    /// After commit: with SMTP, deliver in the background (the request does not wait for the
    /// mail server); without, leave the message in the outbox and log it. Until the durable
    /// job queue exists, a message whose delivery was interrupted stays `pending` in the
    /// outbox.
    pub async fn dispatch(&self, conn: &DatabaseConnection, id: Uuid) {
        if self.inner.smtp.is_none() {
            self.deliver(conn, id).await;
            return;
        }
        let mailer = self.clone();
        let conn = conn.clone();
        // Keep the request's span (and its request id) on the delivery's log lines.
        let span = tracing::Span::current();
        tokio::spawn(tracing::Instrument::instrument(
            async move { mailer.deliver(&conn, id).await },
            span,
        ));
    }

    async fn deliver(&self, conn: &DatabaseConnection, id: Uuid) {
        if let Err(e) = self.try_dispatch(conn, id).await {
            tracing::warn!(mail_id = %id, error = %e, "mail dispatch failed; it stays in the outbox");
        }
    }

    async fn try_dispatch(&self, conn: &DatabaseConnection, id: Uuid) -> Result<()> {
        let Some(msg) = entity::Entity::find_by_id(id).one(conn).await? else {
            return Ok(());
        };
        let Some(smtp) = &self.inner.smtp else {
            tracing::info!(
                mail_id = %id,
                to = %msg.to_addr,
                subject = %msg.subject,
                body = %msg.body_text,
                "SMTP is not configured: mail kept in the outbox"
            );
            return Ok(());
        };
        let to: Mailbox = msg
            .to_addr
            .parse()
            .map_err(|e| Error::internal(format!("recipient: {e}")))?;
        let email = Message::builder()
            .from(self.inner.from.clone())
            .to(to)
            .subject(msg.subject.clone())
            .body(msg.body_text.clone())
            .map_err(Error::internal)?;
        let mut active: entity::ActiveModel = msg.clone().into();
        active.attempts = Set(msg.attempts + 1);
        match smtp.send(email).await {
            Ok(_) => {
                active.status = Set("sent".into());
                active.sent_at = Set(Some(crate::db::now()));
                active.last_error = Set(None);
            }
            Err(e) => {
                // Permanent SMTP rejections (5xx) will not get better by retrying.
                active.status = Set(if e.is_permanent() {
                    "failed".into()
                } else {
                    "pending".into()
                });
                active.last_error = Set(Some(e.to_string()));
            }
        }
        active.update(conn).await?;
        Ok(())
    }
}
