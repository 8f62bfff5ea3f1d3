//! What a feature adds to the staff dashboard, the admin feature's page (`GET /admin`) and its
//! JSON answer (`GET /api/v1/admin/dashboard`): a feature with figures of its own (billing's
//! subscriptions and revenue, instagram's accounts) renders cards on the page and names a
//! member of the answer, in the staff member's areas only, without the dashboard knowing the
//! feature.

use std::collections::BTreeMap;

use futures::future::BoxFuture;
use utoipa::openapi::{
    OpenApi, RefOr,
    schema::{OneOfBuilder, Ref, Schema, Type},
};

use super::Staff;
use crate::{AppState, Result, openapi::SchemaClash};

/// What the dashboard counted that a card may need (billing puts workspaces without a
/// subscription on the fallback plan).
#[derive(Debug, Clone, Copy)]
pub struct DashboardFacts {
    pub workspaces: u64,
}

/// A feature's cards as rendered HTML: stat cards in the totals grid, then sections of charts
/// below it. Empty for a role outside the feature's area.
#[derive(Debug, Clone, Default)]
pub struct DashboardCards {
    pub totals: String,
    pub charts: String,
}

/// Renders a feature's dashboard cards for a staff member (trusted markup from the feature's
/// templates).
pub type DashboardCardFn =
    fn(AppState, Staff, DashboardFacts) -> BoxFuture<'static, Result<DashboardCards>>;

/// Every feature's cards, in the features' order.
pub async fn cards(
    state: &AppState,
    staff: &Staff,
    facts: DashboardFacts,
) -> Result<DashboardCards> {
    let mut all = DashboardCards::default();
    for card in &state.back_office.cards {
        let DashboardCards { totals, charts } = card(state.clone(), staff.clone(), facts).await?;
        all.totals.push_str(&totals);
        all.charts.push_str(&charts);
    }
    Ok(all)
}

/// The name the dashboard's JSON answer is documented under; each feature's figures are an
/// optional property of it ([`document`]).
pub const ANSWER_SCHEMA: &str = "DashboardOut";

/// Reads a feature's figures for a staff member: `None` outside the feature's area.
pub type FiguresFn = fn(AppState, Staff) -> BoxFuture<'static, Result<Option<serde_json::Value>>>;

/// A feature's member of the dashboard's JSON answer.
#[derive(Clone, Copy)]
pub struct DashboardFigures {
    /// The member's name in the answer (`"instagram"`).
    pub member: &'static str,
    /// Who gets the member, for the document.
    pub description: &'static str,
    /// The member's schema, by name (`ToSchema::name`) and definition (`ToSchema::schema`).
    pub schema: fn() -> (String, RefOr<Schema>),
    pub read: FiguresFn,
}

impl DashboardFigures {
    /// A member whose figures are a `T` (read as JSON by `read`).
    pub fn of<T: utoipa::ToSchema>(
        member: &'static str,
        description: &'static str,
        read: FiguresFn,
    ) -> Self {
        Self {
            member,
            description,
            schema: || (T::name().into_owned(), T::schema()),
            read,
        }
    }
}

/// Every feature's figures for `staff`, by member name; the members of areas outside the
/// staff member's role are left out.
pub async fn figures(
    state: &AppState,
    staff: &Staff,
) -> Result<BTreeMap<&'static str, serde_json::Value>> {
    let mut all = BTreeMap::new();
    for figures in &state.back_office.figures {
        if let Some(value) = (figures.read)(state.clone(), staff.clone()).await? {
            all.insert(figures.member, value);
        }
    }
    Ok(all)
}

/// Documents each feature's figures as an optional property of the answer's schema (the way
/// utoipa documents an `Option<T>` member) and registers its schema. A document without the
/// answer (no back office mounted) is left alone. Returns the schema names a feature's figures
/// claim with a definition the document already holds differently.
pub fn document(doc: &mut OpenApi, figures: &[DashboardFigures]) -> Vec<SchemaClash> {
    let mut clashes = Vec::new();
    let Some(components) = doc.components.as_mut() else {
        return clashes;
    };
    if !components.schemas.contains_key(ANSWER_SCHEMA) {
        return clashes;
    }
    for figures in figures {
        let (name, schema) = (figures.schema)();
        match components.schemas.get(&name) {
            Some(known) if !crate::openapi::same(known, &schema) => clashes.push(SchemaClash {
                name: name.clone(),
                from: format!("the dashboard's `{}` figures", figures.member),
            }),
            Some(_) => {}
            None => {
                components.schemas.insert(name.clone(), schema);
            }
        }
        let mut reference = Ref::from_schema_name(name);
        reference.description = figures.description.to_string();
        let property = OneOfBuilder::new()
            .item(reference)
            .item(Schema::Object(utoipa::openapi::schema::Object::with_type(
                Type::Null,
            )))
            .build();
        if let Some(RefOr::T(Schema::Object(answer))) = components.schemas.get_mut(ANSWER_SCHEMA) {
            answer.properties.insert(
                figures.member.to_string(),
                RefOr::T(Schema::OneOf(property)),
            );
        }
    }
    clashes
}

#[cfg(test)]
mod tests {
    use super::*;
    use utoipa::{OpenApi as _, ToSchema};

    #[derive(serde::Serialize, ToSchema)]
    #[allow(dead_code)]
    struct DashboardOut {
        workspaces: u64,
    }

    #[derive(serde::Serialize, ToSchema)]
    #[allow(dead_code)]
    struct WidgetTotals {
        widgets: u64,
    }

    #[derive(utoipa::OpenApi)]
    #[openapi(components(schemas(DashboardOut)))]
    struct WithAnswer;

    fn widgets() -> DashboardFigures {
        DashboardFigures::of::<WidgetTotals>("widgets", "Present for widget staff.", |_, _| {
            Box::pin(async { Ok(None) })
        })
    }

    #[test]
    fn figures_are_an_optional_member_of_the_answer_with_their_schema() {
        let mut doc = WithAnswer::openapi();
        assert!(document(&mut doc, &[widgets()]).is_empty());
        let doc = serde_json::to_value(&doc).unwrap_or_default();
        let schemas = &doc["components"]["schemas"];
        assert_eq!(
            schemas["DashboardOut"]["properties"]["widgets"],
            serde_json::json!({ "oneOf": [
                { "$ref": "#/components/schemas/WidgetTotals", "description": "Present for widget staff." },
                { "type": "null" },
            ] })
        );
        assert!(
            !schemas["DashboardOut"]["required"]
                .as_array()
                .is_some_and(|r| r.iter().any(|n| n == "widgets"))
        );
        assert_eq!(
            schemas["WidgetTotals"]["properties"]["widgets"]["type"],
            "integer"
        );
    }

    #[test]
    fn a_document_without_the_answer_is_left_alone() {
        let mut doc = utoipa::openapi::OpenApi::default();
        assert!(document(&mut doc, &[widgets()]).is_empty());
        assert!(doc.components.is_none());
    }

    #[test]
    fn a_schema_name_the_document_defines_differently_is_a_clash() {
        #[derive(utoipa::OpenApi)]
        #[openapi(components(schemas(DashboardOut, other::WidgetTotals)))]
        struct Clashing;
        mod other {
            #[derive(serde::Serialize, utoipa::ToSchema)]
            #[allow(dead_code)]
            pub struct WidgetTotals {
                gadgets: String,
            }
        }
        let mut doc = Clashing::openapi();
        let clashes = document(&mut doc, &[widgets()]);
        assert_eq!(clashes.len(), 1);
        assert_eq!(clashes[0].name, "WidgetTotals");
    }
}
