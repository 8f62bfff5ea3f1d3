//! Account audits and what they are judged against.
//!
//! - `intel_audits`: one audit of an own account or a tracked profile (workspace-owned): its
//!   state as a job, the time range of its inputs, the overall score with its weights, the
//!   components (score, evidence, method, benchmark) and ranked recommendations as JSON, what
//!   it cost (the credit reservation, captured only when it succeeded).
//! - `intel_benchmarks`: engagement-rate bands per follower tier, each row naming its
//!   published source and year; staff edit them. Seeded below.
//! - `intel_restricted_tags`: hashtags reported banned or restricted on Instagram, each with
//!   the source that reported it and the day it was checked; staff edit them. Seeded below.
//!   Instagram publishes no such list: the audit calls a match a risk signal, never a verdict.

use sea_orm_migration::{
    prelude::*,
    schema::*,
    sea_orm::prelude::{ChronoDate, ChronoUtc},
};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum IntelAudits {
    Table,
    Id,
    WorkspaceId,
    SubjectKind,
    SubjectId,
    ProfileId,
    Username,
    Status,
    Progress,
    FromDay,
    ToDay,
    OverallScore,
    Result,
    Sources,
    MethodVersion,
    ReservationId,
    JobId,
    Cost,
    Error,
    RequestedBy,
    CreatedAt,
    StartedAt,
    FinishedAt,
}

#[derive(DeriveIden)]
enum IntelBenchmarks {
    Table,
    Id,
    TierLabel,
    MinFollowers,
    MaxFollowers,
    Low,
    High,
    Definition,
    Source,
    SourceUrl,
    Year,
    UpdatedAt,
    UpdatedBy,
}

#[derive(DeriveIden)]
enum IntelRestrictedTags {
    Table,
    Tag,
    Level,
    Source,
    SourceUrl,
    CheckedOn,
    Note,
    UpdatedAt,
    UpdatedBy,
}

#[derive(DeriveIden)]
enum Workspaces {
    Table,
    Id,
}

/// (tier, min, max, low %, high %): "What's a good engagement rate in 2026? (by follower
/// tier)", growhtos.com, 6 June 2026. Its rate counts likes, comments, saves and shares;
/// ours counts likes and comments, so ours reads a little low against it (said on each row).
const BENCHMARKS: &[(&str, i64, Option<i64>, f64, f64)] = &[
    ("Nano (under 1K)", 0, Some(999), 4.0, 9.0),
    ("Micro (1K–10K)", 1_000, Some(9_999), 3.0, 7.0),
    ("Mid (10K–100K)", 10_000, Some(99_999), 1.5, 5.0),
    ("Macro (100K–1M)", 100_000, Some(999_999), 0.8, 2.5),
    ("Mega (1M+)", 1_000_000, None, 0.3, 1.2),
];

const BENCHMARK_SOURCE: &str =
    "Growhtos, “What's a good engagement rate in 2026? (by follower tier)”, 6 June 2026";
const BENCHMARK_URL: &str = "https://growhtos.com/en/blog/what-is-a-good-engagement-rate-2026";
const BENCHMARK_DEFINITION: &str = "(likes + comments + saves + shares) ÷ followers; Growthdeck's rate counts likes and comments only, so it reads a little lower than this band";

/// (tag, level, source, url): tags the named articles report as banned (no search results)
/// or restricted (few, moderated results).
const RESTRICTED: &[(&str, &str, &str, &str)] = &[
    ("assday", "banned", SELFGROWTH, SELFGROWTH_URL),
    ("curvygirls", "banned", SELFGROWTH, SELFGROWTH_URL),
    ("bikinibody", "banned", SELFGROWTH, SELFGROWTH_URL),
    ("beautyblogger", "banned", SELFGROWTH, SELFGROWTH_URL),
    ("date", "banned", SELFGROWTH, SELFGROWTH_URL),
    ("dating", "banned", SELFGROWTH, SELFGROWTH_URL),
    ("desk", "banned", SELFGROWTH, SELFGROWTH_URL),
    ("alone", "banned", SELFGROWTH, SELFGROWTH_URL),
    ("direct", "banned", SELFGROWTH, SELFGROWTH_URL),
    ("elevator", "banned", SELFGROWTH, SELFGROWTH_URL),
    ("ig", "banned", SELFGROWTH, SELFGROWTH_URL),
    ("snapchat", "banned", SELFGROWTH, SELFGROWTH_URL),
    ("eggplant", "banned", SELFGROWTH, SELFGROWTH_URL),
    ("citycentre", "restricted", PLUSTWO, PLUSTWO_URL),
    ("brain", "restricted", PLUSTWO, PLUSTWO_URL),
    ("dogsofinstagram", "restricted", PLUSTWO, PLUSTWO_URL),
    ("newyears", "restricted", PLUSTWO, PLUSTWO_URL),
    ("valentinesday", "restricted", PLUSTWO, PLUSTWO_URL),
];

const SELFGROWTH: &str =
    "SelfGrowth, “Banned hashtags on Instagram and how it can affect your business”";
const SELFGROWTH_URL: &str = "https://codex.selfgrowth.com/articles/banned-hashtags-on-instagram-and-how-it-can-affect-your-business";
const PLUSTWO: &str = "Plus Two, “#banned – The 60,000 Restricted Hashtags”";
const PLUSTWO_URL: &str =
    "https://www.plus-two.com/banned-the-60000-hashtags-that-instagram-restrict/";
/// The day the seeded rows were checked against their sources.
const CHECKED_ON: &str = "2026-12-06";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(IntelAudits::Table)
                .col(pk_uuid(IntelAudits::Id))
                .col(uuid(IntelAudits::WorkspaceId))
                // `account` or `tracked`, and the id in that list (as pages address it).
                .col(string_len(IntelAudits::SubjectKind, 16))
                .col(uuid(IntelAudits::SubjectId))
                .col(uuid(IntelAudits::ProfileId))
                .col(string(IntelAudits::Username))
                // queued → running → done | failed
                .col(string_len(IntelAudits::Status, 16))
                .col(integer(IntelAudits::Progress).default(0))
                .col(date(IntelAudits::FromDay))
                .col(date(IntelAudits::ToDay))
                .col(double_null(IntelAudits::OverallScore))
                .col(json_null(IntelAudits::Result))
                .col(string(IntelAudits::Sources).default(""))
                .col(integer(IntelAudits::MethodVersion))
                .col(uuid_null(IntelAudits::ReservationId))
                .col(uuid_null(IntelAudits::JobId))
                .col(big_integer(IntelAudits::Cost).default(0))
                .col(text_null(IntelAudits::Error))
                .col(uuid_null(IntelAudits::RequestedBy))
                .col(timestamp_with_time_zone(IntelAudits::CreatedAt))
                .col(timestamp_with_time_zone_null(IntelAudits::StartedAt))
                .col(timestamp_with_time_zone_null(IntelAudits::FinishedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(IntelAudits::Table, IntelAudits::WorkspaceId)
                        .to(Workspaces::Table, Workspaces::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_intel_audits_subject")
                .table(IntelAudits::Table)
                .col(IntelAudits::WorkspaceId)
                .col(IntelAudits::SubjectId)
                .col(IntelAudits::CreatedAt)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(IntelBenchmarks::Table)
                .col(pk_uuid(IntelBenchmarks::Id))
                .col(string(IntelBenchmarks::TierLabel))
                .col(big_integer(IntelBenchmarks::MinFollowers))
                .col(big_integer_null(IntelBenchmarks::MaxFollowers))
                .col(double(IntelBenchmarks::Low))
                .col(double(IntelBenchmarks::High))
                .col(text(IntelBenchmarks::Definition))
                .col(text(IntelBenchmarks::Source))
                .col(text_null(IntelBenchmarks::SourceUrl))
                .col(integer(IntelBenchmarks::Year))
                .col(timestamp_with_time_zone(IntelBenchmarks::UpdatedAt))
                .col(uuid_null(IntelBenchmarks::UpdatedBy))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(IntelRestrictedTags::Table)
                .col(string(IntelRestrictedTags::Tag).primary_key())
                // `banned` or `restricted`
                .col(string_len(IntelRestrictedTags::Level, 16))
                .col(text(IntelRestrictedTags::Source))
                .col(text_null(IntelRestrictedTags::SourceUrl))
                .col(date(IntelRestrictedTags::CheckedOn))
                .col(text_null(IntelRestrictedTags::Note))
                .col(timestamp_with_time_zone(IntelRestrictedTags::UpdatedAt))
                .col(uuid_null(IntelRestrictedTags::UpdatedBy))
                .to_owned(),
        )
        .await?;

        let now = ChronoUtc::now();
        let mut benchmarks = Query::insert();
        benchmarks.into_table(IntelBenchmarks::Table).columns([
            IntelBenchmarks::Id,
            IntelBenchmarks::TierLabel,
            IntelBenchmarks::MinFollowers,
            IntelBenchmarks::MaxFollowers,
            IntelBenchmarks::Low,
            IntelBenchmarks::High,
            IntelBenchmarks::Definition,
            IntelBenchmarks::Source,
            IntelBenchmarks::SourceUrl,
            IntelBenchmarks::Year,
            IntelBenchmarks::UpdatedAt,
        ]);
        for (tier, min, max, low, high) in BENCHMARKS {
            benchmarks
                .values([
                    uuid::Uuid::now_v7().into(),
                    (*tier).into(),
                    (*min).into(),
                    (*max).into(),
                    (*low).into(),
                    (*high).into(),
                    BENCHMARK_DEFINITION.into(),
                    BENCHMARK_SOURCE.into(),
                    BENCHMARK_URL.into(),
                    2026i32.into(),
                    now.into(),
                ])
                .map_err(|e| DbErr::Custom(e.to_string()))?;
        }
        m.exec_stmt(benchmarks).await?;

        let checked = ChronoDate::parse_from_str(CHECKED_ON, "%Y-%m-%d")
            .map_err(|e| DbErr::Custom(e.to_string()))?;
        let mut tags = Query::insert();
        tags.into_table(IntelRestrictedTags::Table).columns([
            IntelRestrictedTags::Tag,
            IntelRestrictedTags::Level,
            IntelRestrictedTags::Source,
            IntelRestrictedTags::SourceUrl,
            IntelRestrictedTags::CheckedOn,
            IntelRestrictedTags::UpdatedAt,
        ]);
        for (tag, level, source, url) in RESTRICTED {
            tags.values([
                (*tag).into(),
                (*level).into(),
                (*source).into(),
                (*url).into(),
                checked.into(),
                now.into(),
            ])
            .map_err(|e| DbErr::Custom(e.to_string()))?;
        }
        m.exec_stmt(tags).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            IntelRestrictedTags::Table.into_iden(),
            IntelBenchmarks::Table.into_iden(),
            IntelAudits::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(t).to_owned()).await?;
        }
        Ok(())
    }
}
