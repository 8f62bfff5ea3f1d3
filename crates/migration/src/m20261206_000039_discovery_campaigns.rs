//! Discovery's campaigns (requirement 004): a workspace's campaign with its creators (by the
//! public profile, `ig_profiles.id`), their deliverables, the campaign's milestones, the posts
//! attached by hand or found by tracking, its collaborators and its activity log.
//!
//! - `disc_campaigns`: the only table with `workspace_id`; every other row is reached through
//!   its campaign (found in the caller's workspace first) and goes with it (`ON DELETE
//!   CASCADE`). The tracked @handles, #hashtags and phrases are JSON lists of normalised text.
//!   Money in minor units plus an ISO currency code.
//! - `disc_campaign_creators`: one row per creator on a campaign (unique), with its status
//!   (`shortlisted` … `done`) and fee in the campaign's currency.
//! - `disc_campaign_posts`: one row per post on a campaign (unique: tracking that runs again
//!   adds nothing twice); `how` is `manual` or `tracked`, `matched` what the caption mentioned.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum DiscCampaigns {
    Table,
    Id,
    WorkspaceId,
    Name,
    Brief,
    StartsOn,
    EndsOn,
    Handles,
    Hashtags,
    Phrases,
    BudgetPlannedMinor,
    BudgetSpentMinor,
    Currency,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
    TrackedAt,
    TrackingJobId,
}

#[derive(DeriveIden)]
enum DiscCampaignCreators {
    Table,
    Id,
    CampaignId,
    ProfileId,
    Status,
    FeeMinor,
    AddedAt,
    StatusChangedAt,
}

#[derive(DeriveIden)]
enum DiscCampaignDeliverables {
    Table,
    Id,
    CampaignId,
    ProfileId,
    Kind,
    DueOn,
    Done,
    DoneAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum DiscCampaignMilestones {
    Table,
    Id,
    CampaignId,
    Name,
    DueOn,
    Done,
    DoneAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum DiscCampaignPosts {
    Table,
    Id,
    CampaignId,
    ProfileId,
    PostId,
    How,
    Matched,
    AddedBy,
    AddedAt,
}

#[derive(DeriveIden)]
enum DiscCampaignCollaborators {
    Table,
    CampaignId,
    UserId,
    AddedAt,
}

#[derive(DeriveIden)]
enum DiscCampaignActivity {
    Table,
    Id,
    CampaignId,
    At,
    ActorId,
    Actor,
    Action,
    Detail,
}

fn campaign_fk(
    table: impl IntoTableRef,
    column: impl IntoIden,
    name: &str,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(name)
        .from(table, column)
        .to(DiscCampaigns::Table, DiscCampaigns::Id)
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(DiscCampaigns::Table)
                .col(pk_uuid(DiscCampaigns::Id))
                .col(uuid(DiscCampaigns::WorkspaceId))
                .col(string_len(DiscCampaigns::Name, 120))
                .col(text(DiscCampaigns::Brief).default(""))
                .col(date(DiscCampaigns::StartsOn))
                .col(date(DiscCampaigns::EndsOn))
                .col(json(DiscCampaigns::Handles))
                .col(json(DiscCampaigns::Hashtags))
                .col(json(DiscCampaigns::Phrases))
                .col(big_integer(DiscCampaigns::BudgetPlannedMinor).default(0))
                .col(big_integer(DiscCampaigns::BudgetSpentMinor).default(0))
                .col(string_len(DiscCampaigns::Currency, 3))
                .col(uuid_null(DiscCampaigns::CreatedBy))
                .col(timestamp_with_time_zone(DiscCampaigns::CreatedAt))
                .col(timestamp_with_time_zone(DiscCampaigns::UpdatedAt))
                .col(timestamp_with_time_zone_null(DiscCampaigns::TrackedAt))
                .col(uuid_null(DiscCampaigns::TrackingJobId))
                .take(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_disc_campaigns_workspace")
                .table(DiscCampaigns::Table)
                .col(DiscCampaigns::WorkspaceId)
                .col(DiscCampaigns::CreatedAt)
                .take(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(DiscCampaignCreators::Table)
                .col(pk_uuid(DiscCampaignCreators::Id))
                .col(uuid(DiscCampaignCreators::CampaignId))
                .col(uuid(DiscCampaignCreators::ProfileId))
                .col(string_len(DiscCampaignCreators::Status, 16))
                .col(big_integer(DiscCampaignCreators::FeeMinor).default(0))
                .col(timestamp_with_time_zone(DiscCampaignCreators::AddedAt))
                .col(timestamp_with_time_zone(
                    DiscCampaignCreators::StatusChangedAt,
                ))
                .foreign_key(&mut campaign_fk(
                    DiscCampaignCreators::Table,
                    DiscCampaignCreators::CampaignId,
                    "fk_disc_campaign_creators_campaign",
                ))
                .take(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_disc_campaign_creators")
                .table(DiscCampaignCreators::Table)
                .col(DiscCampaignCreators::CampaignId)
                .col(DiscCampaignCreators::ProfileId)
                .unique()
                .take(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(DiscCampaignDeliverables::Table)
                .col(pk_uuid(DiscCampaignDeliverables::Id))
                .col(uuid(DiscCampaignDeliverables::CampaignId))
                .col(uuid(DiscCampaignDeliverables::ProfileId))
                .col(string_len(DiscCampaignDeliverables::Kind, 8))
                .col(date(DiscCampaignDeliverables::DueOn))
                .col(boolean(DiscCampaignDeliverables::Done).default(false))
                .col(timestamp_with_time_zone_null(
                    DiscCampaignDeliverables::DoneAt,
                ))
                .col(timestamp_with_time_zone(
                    DiscCampaignDeliverables::CreatedAt,
                ))
                .foreign_key(&mut campaign_fk(
                    DiscCampaignDeliverables::Table,
                    DiscCampaignDeliverables::CampaignId,
                    "fk_disc_campaign_deliverables_campaign",
                ))
                .take(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_disc_campaign_deliverables")
                .table(DiscCampaignDeliverables::Table)
                .col(DiscCampaignDeliverables::CampaignId)
                .col(DiscCampaignDeliverables::DueOn)
                .take(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(DiscCampaignMilestones::Table)
                .col(pk_uuid(DiscCampaignMilestones::Id))
                .col(uuid(DiscCampaignMilestones::CampaignId))
                .col(string_len(DiscCampaignMilestones::Name, 120))
                .col(date(DiscCampaignMilestones::DueOn))
                .col(boolean(DiscCampaignMilestones::Done).default(false))
                .col(timestamp_with_time_zone_null(
                    DiscCampaignMilestones::DoneAt,
                ))
                .col(timestamp_with_time_zone(DiscCampaignMilestones::CreatedAt))
                .foreign_key(&mut campaign_fk(
                    DiscCampaignMilestones::Table,
                    DiscCampaignMilestones::CampaignId,
                    "fk_disc_campaign_milestones_campaign",
                ))
                .take(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_disc_campaign_milestones")
                .table(DiscCampaignMilestones::Table)
                .col(DiscCampaignMilestones::CampaignId)
                .col(DiscCampaignMilestones::DueOn)
                .take(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(DiscCampaignPosts::Table)
                .col(pk_uuid(DiscCampaignPosts::Id))
                .col(uuid(DiscCampaignPosts::CampaignId))
                .col(uuid(DiscCampaignPosts::ProfileId))
                .col(uuid(DiscCampaignPosts::PostId))
                .col(string_len(DiscCampaignPosts::How, 8))
                .col(string_len(DiscCampaignPosts::Matched, 200).default(""))
                .col(uuid_null(DiscCampaignPosts::AddedBy))
                .col(timestamp_with_time_zone(DiscCampaignPosts::AddedAt))
                .foreign_key(&mut campaign_fk(
                    DiscCampaignPosts::Table,
                    DiscCampaignPosts::CampaignId,
                    "fk_disc_campaign_posts_campaign",
                ))
                .take(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_disc_campaign_posts")
                .table(DiscCampaignPosts::Table)
                .col(DiscCampaignPosts::CampaignId)
                .col(DiscCampaignPosts::PostId)
                .unique()
                .take(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(DiscCampaignCollaborators::Table)
                .col(uuid(DiscCampaignCollaborators::CampaignId))
                .col(uuid(DiscCampaignCollaborators::UserId))
                .col(timestamp_with_time_zone(DiscCampaignCollaborators::AddedAt))
                .primary_key(
                    Index::create()
                        .col(DiscCampaignCollaborators::CampaignId)
                        .col(DiscCampaignCollaborators::UserId),
                )
                .foreign_key(&mut campaign_fk(
                    DiscCampaignCollaborators::Table,
                    DiscCampaignCollaborators::CampaignId,
                    "fk_disc_campaign_collaborators_campaign",
                ))
                .take(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(DiscCampaignActivity::Table)
                .col(pk_uuid(DiscCampaignActivity::Id))
                .col(uuid(DiscCampaignActivity::CampaignId))
                .col(timestamp_with_time_zone(DiscCampaignActivity::At))
                .col(uuid_null(DiscCampaignActivity::ActorId))
                .col(string_len(DiscCampaignActivity::Actor, 120))
                .col(string_len(DiscCampaignActivity::Action, 40))
                .col(string_len(DiscCampaignActivity::Detail, 500).default(""))
                .foreign_key(&mut campaign_fk(
                    DiscCampaignActivity::Table,
                    DiscCampaignActivity::CampaignId,
                    "fk_disc_campaign_activity_campaign",
                ))
                .take(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_disc_campaign_activity")
                .table(DiscCampaignActivity::Table)
                .col(DiscCampaignActivity::CampaignId)
                .col(DiscCampaignActivity::At)
                .take(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            "disc_campaign_activity",
            "disc_campaign_collaborators",
            "disc_campaign_posts",
            "disc_campaign_milestones",
            "disc_campaign_deliverables",
            "disc_campaign_creators",
            "disc_campaigns",
        ] {
            m.drop_table(Table::drop().table(Alias::new(table)).if_exists().take())
                .await?;
        }
        Ok(())
    }
}
