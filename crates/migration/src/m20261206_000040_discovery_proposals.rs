//! Discovery's proposals (requirement 004's brand partnerships): an agency's shortlist of
//! creators for a brand, versioned, shared with the brand's reviewers by link.
//!
//! - `disc_proposal_access`: one row per workspace a super admin unlocked proposals for; no
//!   row is locked (whatever the plan).
//! - `disc_proposals`: the current state; `version` is the number of its newest version;
//!   `template_id` the template it was started from (its slots fill new creators' defaults).
//! - `disc_proposal_creators`: the shortlist (one row per creator, by `profile_id`).
//! - `disc_proposal_versions`: an immutable snapshot (JSON) of the whole proposal after each
//!   change; `(proposal_id, number)` is unique.
//! - `disc_proposal_links`: share links; only the SHA-256 of the token is kept. A link shows
//!   the version that was current when it was made (`version`).
//! - `disc_proposal_decisions`: a reviewer's approve / reject of one creator through one link
//!   (the latest decision replaces the earlier one).
//! - `disc_proposal_comments`: reviewers' comments through a link.
//! - `disc_proposal_templates`: a message and creator slots (deliverables and fee) to start
//!   new proposals from.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum DiscProposalAccess {
    Table,
    WorkspaceId,
    UnlockedBy,
    UnlockedAt,
}

#[derive(DeriveIden)]
enum DiscProposals {
    Table,
    Id,
    WorkspaceId,
    Title,
    Brand,
    Message,
    Currency,
    Version,
    TemplateId,
    CampaignId,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum DiscProposalCreators {
    Table,
    Id,
    ProposalId,
    WorkspaceId,
    ProfileId,
    Deliverables,
    FeeMinor,
    Position,
}

#[derive(DeriveIden)]
enum DiscProposalVersions {
    Table,
    Id,
    ProposalId,
    WorkspaceId,
    Number,
    Change,
    Snapshot,
    CreatedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum DiscProposalLinks {
    Table,
    Id,
    ProposalId,
    WorkspaceId,
    TokenHash,
    Label,
    Version,
    ExpiresAt,
    RevokedAt,
    CreatedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum DiscProposalDecisions {
    Table,
    Id,
    LinkId,
    ProposalId,
    WorkspaceId,
    ProfileId,
    Decision,
    ReviewerName,
    DecidedAt,
}

#[derive(DeriveIden)]
enum DiscProposalComments {
    Table,
    Id,
    LinkId,
    ProposalId,
    WorkspaceId,
    ProfileId,
    ReviewerName,
    Body,
    CreatedAt,
}

#[derive(DeriveIden)]
enum DiscProposalTemplates {
    Table,
    Id,
    WorkspaceId,
    Name,
    Message,
    Currency,
    Slots,
    CreatedBy,
    CreatedAt,
}

fn index(name: &str, table: impl IntoIden, cols: Vec<DynIden>) -> IndexCreateStatement {
    let mut i = Index::create();
    i.name(name).table(table);
    for c in cols {
        i.col(c);
    }
    i.take()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(DiscProposalAccess::Table)
                .col(pk_uuid(DiscProposalAccess::WorkspaceId))
                .col(string_len(DiscProposalAccess::UnlockedBy, 254))
                .col(timestamp_with_time_zone(DiscProposalAccess::UnlockedAt))
                .take(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(DiscProposals::Table)
                .col(pk_uuid(DiscProposals::Id))
                .col(uuid(DiscProposals::WorkspaceId))
                .col(string_len(DiscProposals::Title, 120))
                .col(string_len(DiscProposals::Brand, 120))
                .col(text(DiscProposals::Message).default(""))
                .col(string_len(DiscProposals::Currency, 3))
                .col(integer(DiscProposals::Version))
                .col(uuid_null(DiscProposals::TemplateId))
                .col(uuid_null(DiscProposals::CampaignId))
                .col(uuid_null(DiscProposals::CreatedBy))
                .col(timestamp_with_time_zone(DiscProposals::CreatedAt))
                .col(timestamp_with_time_zone(DiscProposals::UpdatedAt))
                .take(),
        )
        .await?;
        m.create_index(index(
            "ix_disc_proposals_workspace",
            DiscProposals::Table,
            vec![
                DiscProposals::WorkspaceId.into_iden(),
                DiscProposals::UpdatedAt.into_iden(),
            ],
        ))
        .await?;

        m.create_table(
            Table::create()
                .table(DiscProposalCreators::Table)
                .col(pk_uuid(DiscProposalCreators::Id))
                .col(uuid(DiscProposalCreators::ProposalId))
                .col(uuid(DiscProposalCreators::WorkspaceId))
                .col(uuid(DiscProposalCreators::ProfileId))
                .col(string_len(DiscProposalCreators::Deliverables, 500).default(""))
                .col(big_integer(DiscProposalCreators::FeeMinor).default(0))
                .col(integer(DiscProposalCreators::Position))
                .take(),
        )
        .await?;
        m.create_index(
            index(
                "ux_disc_proposal_creators_profile",
                DiscProposalCreators::Table,
                vec![
                    DiscProposalCreators::ProposalId.into_iden(),
                    DiscProposalCreators::ProfileId.into_iden(),
                ],
            )
            .unique()
            .take(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(DiscProposalVersions::Table)
                .col(pk_uuid(DiscProposalVersions::Id))
                .col(uuid(DiscProposalVersions::ProposalId))
                .col(uuid(DiscProposalVersions::WorkspaceId))
                .col(integer(DiscProposalVersions::Number))
                .col(string_len(DiscProposalVersions::Change, 200))
                .col(json(DiscProposalVersions::Snapshot))
                .col(string_len(DiscProposalVersions::CreatedBy, 254))
                .col(timestamp_with_time_zone(DiscProposalVersions::CreatedAt))
                .take(),
        )
        .await?;
        m.create_index(
            index(
                "ux_disc_proposal_versions_number",
                DiscProposalVersions::Table,
                vec![
                    DiscProposalVersions::ProposalId.into_iden(),
                    DiscProposalVersions::Number.into_iden(),
                ],
            )
            .unique()
            .take(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(DiscProposalLinks::Table)
                .col(pk_uuid(DiscProposalLinks::Id))
                .col(uuid(DiscProposalLinks::ProposalId))
                .col(uuid(DiscProposalLinks::WorkspaceId))
                .col(string_len(DiscProposalLinks::TokenHash, 64))
                .col(string_len(DiscProposalLinks::Label, 100).default(""))
                .col(integer(DiscProposalLinks::Version))
                .col(timestamp_with_time_zone(DiscProposalLinks::ExpiresAt))
                .col(timestamp_with_time_zone_null(DiscProposalLinks::RevokedAt))
                .col(string_len(DiscProposalLinks::CreatedBy, 254))
                .col(timestamp_with_time_zone(DiscProposalLinks::CreatedAt))
                .take(),
        )
        .await?;
        m.create_index(
            index(
                "ux_disc_proposal_links_token",
                DiscProposalLinks::Table,
                vec![DiscProposalLinks::TokenHash.into_iden()],
            )
            .unique()
            .take(),
        )
        .await?;
        m.create_index(index(
            "ix_disc_proposal_links_proposal",
            DiscProposalLinks::Table,
            vec![DiscProposalLinks::ProposalId.into_iden()],
        ))
        .await?;

        m.create_table(
            Table::create()
                .table(DiscProposalDecisions::Table)
                .col(pk_uuid(DiscProposalDecisions::Id))
                .col(uuid(DiscProposalDecisions::LinkId))
                .col(uuid(DiscProposalDecisions::ProposalId))
                .col(uuid(DiscProposalDecisions::WorkspaceId))
                .col(uuid(DiscProposalDecisions::ProfileId))
                .col(string_len(DiscProposalDecisions::Decision, 8))
                .col(string_len(DiscProposalDecisions::ReviewerName, 100))
                .col(timestamp_with_time_zone(DiscProposalDecisions::DecidedAt))
                .take(),
        )
        .await?;
        m.create_index(
            index(
                "ux_disc_proposal_decisions_creator",
                DiscProposalDecisions::Table,
                vec![
                    DiscProposalDecisions::LinkId.into_iden(),
                    DiscProposalDecisions::ProfileId.into_iden(),
                ],
            )
            .unique()
            .take(),
        )
        .await?;
        m.create_index(index(
            "ix_disc_proposal_decisions_proposal",
            DiscProposalDecisions::Table,
            vec![DiscProposalDecisions::ProposalId.into_iden()],
        ))
        .await?;

        m.create_table(
            Table::create()
                .table(DiscProposalComments::Table)
                .col(pk_uuid(DiscProposalComments::Id))
                .col(uuid(DiscProposalComments::LinkId))
                .col(uuid(DiscProposalComments::ProposalId))
                .col(uuid(DiscProposalComments::WorkspaceId))
                .col(uuid_null(DiscProposalComments::ProfileId))
                .col(string_len(DiscProposalComments::ReviewerName, 100))
                .col(text(DiscProposalComments::Body))
                .col(timestamp_with_time_zone(DiscProposalComments::CreatedAt))
                .take(),
        )
        .await?;
        m.create_index(index(
            "ix_disc_proposal_comments_link",
            DiscProposalComments::Table,
            vec![
                DiscProposalComments::LinkId.into_iden(),
                DiscProposalComments::CreatedAt.into_iden(),
            ],
        ))
        .await?;
        m.create_index(index(
            "ix_disc_proposal_comments_proposal",
            DiscProposalComments::Table,
            vec![DiscProposalComments::ProposalId.into_iden()],
        ))
        .await?;

        m.create_table(
            Table::create()
                .table(DiscProposalTemplates::Table)
                .col(pk_uuid(DiscProposalTemplates::Id))
                .col(uuid(DiscProposalTemplates::WorkspaceId))
                .col(string_len(DiscProposalTemplates::Name, 120))
                .col(text(DiscProposalTemplates::Message).default(""))
                .col(string_len(DiscProposalTemplates::Currency, 3))
                .col(json(DiscProposalTemplates::Slots))
                .col(uuid_null(DiscProposalTemplates::CreatedBy))
                .col(timestamp_with_time_zone(DiscProposalTemplates::CreatedAt))
                .take(),
        )
        .await?;
        m.create_index(index(
            "ix_disc_proposal_templates_workspace",
            DiscProposalTemplates::Table,
            vec![DiscProposalTemplates::WorkspaceId.into_iden()],
        ))
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            DiscProposalTemplates::Table.into_iden(),
            DiscProposalComments::Table.into_iden(),
            DiscProposalDecisions::Table.into_iden(),
            DiscProposalLinks::Table.into_iden(),
            DiscProposalVersions::Table.into_iden(),
            DiscProposalCreators::Table.into_iden(),
            DiscProposals::Table.into_iden(),
            DiscProposalAccess::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(t).take()).await?;
        }
        Ok(())
    }
}
