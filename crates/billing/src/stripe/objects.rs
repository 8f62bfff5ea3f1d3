//! The parts of Stripe's objects we read. Lenient on purpose: Stripe adds fields freely, an
//! account's API version decides some shapes (since 2025-03 the billing period lives on the
//! subscription item, and an invoice names its subscription under `parent`), and ids may come
//! expanded into objects. Everything we do not need is ignored.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::Value;

/// An id that may be expanded into the object it names.
pub fn id_of(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Object(o) => o.get("id").and_then(|i| i.as_str()).map(String::from),
        _ => None,
    }
}

pub fn time(ts: Option<i64>) -> Option<DateTime<Utc>> {
    ts.and_then(|t| DateTime::from_timestamp(t, 0))
}

#[derive(Debug, Clone, Deserialize)]
pub struct Event {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub created: i64,
    pub data: EventData,
}

#[derive(Debug, Clone, Deserialize)]
pub struct EventData {
    pub object: Value,
}

#[derive(Debug, Clone, Deserialize)]
pub struct List<T> {
    pub data: Vec<T>,
    #[serde(default)]
    pub has_more: bool,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Subscription {
    pub id: String,
    pub customer: Value,
    pub status: String,
    #[serde(default)]
    pub cancel_at_period_end: bool,
    pub canceled_at: Option<i64>,
    pub trial_end: Option<i64>,
    pub current_period_start: Option<i64>,
    pub current_period_end: Option<i64>,
    #[serde(default)]
    pub metadata: HashMap<String, String>,
    pub items: List<SubscriptionItem>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct SubscriptionItem {
    pub id: String,
    pub price: Price,
    pub current_period_start: Option<i64>,
    pub current_period_end: Option<i64>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Price {
    pub id: String,
    pub unit_amount: Option<i64>,
    pub currency: String,
    pub recurring: Option<Recurring>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Recurring {
    pub interval: String,
}

impl Subscription {
    pub fn customer_id(&self) -> Option<String> {
        id_of(&self.customer)
    }

    /// Our subscriptions have one item: the plan's price.
    pub fn item(&self) -> Option<&SubscriptionItem> {
        self.items.data.first()
    }

    /// (start, end) of the current period, wherever this API version puts it.
    pub fn period(&self) -> (Option<i64>, Option<i64>) {
        let item = self.item();
        (
            self.current_period_start
                .or(item.and_then(|i| i.current_period_start)),
            self.current_period_end
                .or(item.and_then(|i| i.current_period_end)),
        )
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct CheckoutSession {
    pub id: String,
    pub mode: String,
    pub client_reference_id: Option<String>,
    #[serde(default)]
    pub customer: Value,
    #[serde(default)]
    pub subscription: Value,
    pub payment_status: Option<String>,
    pub amount_total: Option<i64>,
    pub currency: Option<String>,
    #[serde(default)]
    pub metadata: HashMap<String, String>,
    pub url: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Invoice {
    pub id: String,
    #[serde(default)]
    pub customer: Value,
    /// Before API 2025-03; later under `parent.subscription_details`.
    #[serde(default)]
    pub subscription: Value,
    #[serde(default)]
    pub parent: Value,
    #[serde(default)]
    pub subscription_details: Value,
    pub number: Option<String>,
    pub status: Option<String>,
    #[serde(default)]
    pub amount_due: i64,
    #[serde(default)]
    pub amount_paid: i64,
    pub currency: String,
    pub created: Option<i64>,
    pub period_start: Option<i64>,
    pub hosted_invoice_url: Option<String>,
    pub invoice_pdf: Option<String>,
    #[serde(default)]
    pub lines: Option<List<Value>>,
}

impl Invoice {
    pub fn customer_id(&self) -> Option<String> {
        id_of(&self.customer)
    }

    pub fn subscription_id(&self) -> Option<String> {
        id_of(&self.subscription)
            .or_else(|| id_of(&self.parent["subscription_details"]["subscription"]))
    }

    /// The subscription's metadata as copied onto the invoice (either API shape).
    pub fn workspace_hint(&self) -> Option<String> {
        [
            &self.parent["subscription_details"]["metadata"]["workspace_id"],
            &self.subscription_details["metadata"]["workspace_id"],
        ]
        .into_iter()
        .find_map(|v| v.as_str().map(String::from))
    }

    fn first_line(&self) -> Option<&Value> {
        self.lines.as_ref().and_then(|l| l.data.first())
    }

    /// The service period the invoice bills. A renewal invoice's own `period_start` is the
    /// previous period's, so the line's period is preferred.
    pub fn service_period_start(&self) -> Option<i64> {
        self.first_line()
            .and_then(|l| l["period"]["start"].as_i64())
            .or(self.period_start)
    }

    /// The price billed (old shape `price.id`, new shape `pricing.price_details.price`).
    pub fn price_id(&self) -> Option<String> {
        let line = self.first_line()?;
        id_of(&line["price"]).or_else(|| id_of(&line["pricing"]["price_details"]["price"]))
    }
}
