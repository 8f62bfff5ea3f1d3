//! Identity, workspaces, sessions, tokens, audit log, mail outbox, platform settings.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    Email,
    EmailLower,
    Name,
    PasswordHash,
    EmailVerifiedAt,
    Status,
    TotpSecret,
    TotpPendingSecret,
    TotpEnabledAt,
    TotpLastStep,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Workspaces {
    Table,
    Id,
    Slug,
    Name,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Memberships {
    Table,
    Id,
    WorkspaceId,
    UserId,
    Role,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Sessions {
    Table,
    Id,
    TokenHash,
    UserId,
    WorkspaceId,
    State,
    CreatedAt,
    LastSeenAt,
    ExpiresAt,
    Ip,
    UserAgent,
}

#[derive(DeriveIden)]
enum OneTimeTokens {
    Table,
    Id,
    TokenHash,
    Purpose,
    UserId,
    Email,
    CreatedAt,
    ExpiresAt,
    UsedAt,
}

#[derive(DeriveIden)]
enum Invitations {
    Table,
    Id,
    WorkspaceId,
    EmailLower,
    Role,
    TokenHash,
    InvitedBy,
    CreatedAt,
    ExpiresAt,
    AcceptedAt,
    RevokedAt,
}

#[derive(DeriveIden)]
enum ApiTokens {
    Table,
    Id,
    WorkspaceId,
    UserId,
    Name,
    Prefix,
    TokenHash,
    Scope,
    ExpiresAt,
    LastUsedAt,
    CreatedAt,
    RevokedAt,
}

#[derive(DeriveIden)]
enum BackupCodes {
    Table,
    Id,
    UserId,
    CodeHash,
    UsedAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum OauthIdentities {
    Table,
    Id,
    UserId,
    Provider,
    Subject,
    Email,
    CreatedAt,
}

#[derive(DeriveIden)]
enum OauthStates {
    Table,
    Id,
    StateHash,
    Provider,
    PkceVerifier,
    Nonce,
    ReturnTo,
    CreatedAt,
    ExpiresAt,
}

#[derive(DeriveIden)]
enum AuthThrottle {
    Table,
    Key,
    WindowStartedAt,
    Failures,
}

#[derive(DeriveIden)]
enum AuditEvents {
    Table,
    Id,
    WorkspaceId,
    ActorUserId,
    ActorLabel,
    Action,
    TargetType,
    TargetId,
    Ip,
    UserAgent,
    RequestId,
    Detail,
    CreatedAt,
}

#[derive(DeriveIden)]
enum OutboxMail {
    Table,
    Id,
    ToAddr,
    Subject,
    BodyText,
    Status,
    Attempts,
    LastError,
    CreatedAt,
    SentAt,
}

#[derive(DeriveIden)]
enum PlatformSettings {
    Table,
    Key,
    Value,
    UpdatedAt,
}

fn fk(
    from_table: impl IntoIden,
    from_col: impl IntoIden,
    to_table: impl IntoIden,
    to_col: impl IntoIden,
    on_delete: ForeignKeyAction,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(from_table, from_col)
        .to(to_table, to_col)
        .on_delete(on_delete)
        .take()
}

fn index(name: &str, table: impl IntoIden, cols: Vec<DynIden>) -> IndexCreateStatement {
    let mut stmt = Index::create().name(name).table(table).take();
    for col in cols {
        stmt.col(col);
    }
    stmt
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Users::Table)
                .col(pk_uuid(Users::Id))
                .col(string(Users::Email))
                .col(string_uniq(Users::EmailLower))
                .col(string(Users::Name))
                .col(text_null(Users::PasswordHash))
                .col(timestamp_with_time_zone_null(Users::EmailVerifiedAt))
                .col(string(Users::Status).default("active"))
                .col(text_null(Users::TotpSecret))
                .col(text_null(Users::TotpPendingSecret))
                .col(timestamp_with_time_zone_null(Users::TotpEnabledAt))
                .col(big_integer_null(Users::TotpLastStep))
                .col(timestamp_with_time_zone(Users::CreatedAt))
                .col(timestamp_with_time_zone(Users::UpdatedAt))
                .take(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Workspaces::Table)
                .col(pk_uuid(Workspaces::Id))
                .col(string_uniq(Workspaces::Slug))
                .col(string(Workspaces::Name))
                .col(timestamp_with_time_zone(Workspaces::CreatedAt))
                .col(timestamp_with_time_zone(Workspaces::UpdatedAt))
                .take(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Memberships::Table)
                .col(pk_uuid(Memberships::Id))
                .col(uuid(Memberships::WorkspaceId))
                .col(uuid(Memberships::UserId))
                .col(string(Memberships::Role))
                .col(timestamp_with_time_zone(Memberships::CreatedAt))
                .foreign_key(&mut fk(
                    Memberships::Table,
                    Memberships::WorkspaceId,
                    Workspaces::Table,
                    Workspaces::Id,
                    ForeignKeyAction::Cascade,
                ))
                .foreign_key(&mut fk(
                    Memberships::Table,
                    Memberships::UserId,
                    Users::Table,
                    Users::Id,
                    ForeignKeyAction::Cascade,
                ))
                .take(),
        )
        .await?;
        m.create_index(
            index(
                "ux_memberships_workspace_user",
                Memberships::Table,
                vec![
                    Memberships::WorkspaceId.into_iden(),
                    Memberships::UserId.into_iden(),
                ],
            )
            .unique()
            .take(),
        )
        .await?;
        m.create_index(index(
            "ix_memberships_user",
            Memberships::Table,
            vec![Memberships::UserId.into_iden()],
        ))
        .await?;

        m.create_table(
            Table::create()
                .table(Sessions::Table)
                .col(pk_uuid(Sessions::Id))
                .col(string_uniq(Sessions::TokenHash))
                .col(uuid(Sessions::UserId))
                .col(uuid_null(Sessions::WorkspaceId))
                .col(string(Sessions::State))
                .col(timestamp_with_time_zone(Sessions::CreatedAt))
                .col(timestamp_with_time_zone(Sessions::LastSeenAt))
                .col(timestamp_with_time_zone(Sessions::ExpiresAt))
                .col(string_null(Sessions::Ip))
                .col(text_null(Sessions::UserAgent))
                .foreign_key(&mut fk(
                    Sessions::Table,
                    Sessions::UserId,
                    Users::Table,
                    Users::Id,
                    ForeignKeyAction::Cascade,
                ))
                .foreign_key(&mut fk(
                    Sessions::Table,
                    Sessions::WorkspaceId,
                    Workspaces::Table,
                    Workspaces::Id,
                    ForeignKeyAction::SetNull,
                ))
                .take(),
        )
        .await?;
        m.create_index(index(
            "ix_sessions_user",
            Sessions::Table,
            vec![Sessions::UserId.into_iden()],
        ))
        .await?;

        m.create_table(
            Table::create()
                .table(OneTimeTokens::Table)
                .col(pk_uuid(OneTimeTokens::Id))
                .col(string_uniq(OneTimeTokens::TokenHash))
                .col(string(OneTimeTokens::Purpose))
                .col(uuid_null(OneTimeTokens::UserId))
                .col(string_null(OneTimeTokens::Email))
                .col(timestamp_with_time_zone(OneTimeTokens::CreatedAt))
                .col(timestamp_with_time_zone(OneTimeTokens::ExpiresAt))
                .col(timestamp_with_time_zone_null(OneTimeTokens::UsedAt))
                .foreign_key(&mut fk(
                    OneTimeTokens::Table,
                    OneTimeTokens::UserId,
                    Users::Table,
                    Users::Id,
                    ForeignKeyAction::Cascade,
                ))
                .take(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Invitations::Table)
                .col(pk_uuid(Invitations::Id))
                .col(uuid(Invitations::WorkspaceId))
                .col(string(Invitations::EmailLower))
                .col(string(Invitations::Role))
                .col(string_uniq(Invitations::TokenHash))
                .col(uuid_null(Invitations::InvitedBy))
                .col(timestamp_with_time_zone(Invitations::CreatedAt))
                .col(timestamp_with_time_zone(Invitations::ExpiresAt))
                .col(timestamp_with_time_zone_null(Invitations::AcceptedAt))
                .col(timestamp_with_time_zone_null(Invitations::RevokedAt))
                .foreign_key(&mut fk(
                    Invitations::Table,
                    Invitations::WorkspaceId,
                    Workspaces::Table,
                    Workspaces::Id,
                    ForeignKeyAction::Cascade,
                ))
                .foreign_key(&mut fk(
                    Invitations::Table,
                    Invitations::InvitedBy,
                    Users::Table,
                    Users::Id,
                    ForeignKeyAction::SetNull,
                ))
                .take(),
        )
        .await?;
        m.create_index(index(
            "ix_invitations_workspace",
            Invitations::Table,
            vec![Invitations::WorkspaceId.into_iden()],
        ))
        .await?;

        m.create_table(
            Table::create()
                .table(ApiTokens::Table)
                .col(pk_uuid(ApiTokens::Id))
                .col(uuid(ApiTokens::WorkspaceId))
                .col(uuid(ApiTokens::UserId))
                .col(string(ApiTokens::Name))
                .col(string(ApiTokens::Prefix))
                .col(string_uniq(ApiTokens::TokenHash))
                .col(string(ApiTokens::Scope))
                .col(timestamp_with_time_zone_null(ApiTokens::ExpiresAt))
                .col(timestamp_with_time_zone_null(ApiTokens::LastUsedAt))
                .col(timestamp_with_time_zone(ApiTokens::CreatedAt))
                .col(timestamp_with_time_zone_null(ApiTokens::RevokedAt))
                .foreign_key(&mut fk(
                    ApiTokens::Table,
                    ApiTokens::WorkspaceId,
                    Workspaces::Table,
                    Workspaces::Id,
                    ForeignKeyAction::Cascade,
                ))
                .foreign_key(&mut fk(
                    ApiTokens::Table,
                    ApiTokens::UserId,
                    Users::Table,
                    Users::Id,
                    ForeignKeyAction::Cascade,
                ))
                .take(),
        )
        .await?;
        m.create_index(index(
            "ix_api_tokens_workspace",
            ApiTokens::Table,
            vec![ApiTokens::WorkspaceId.into_iden()],
        ))
        .await?;

        m.create_table(
            Table::create()
                .table(BackupCodes::Table)
                .col(pk_uuid(BackupCodes::Id))
                .col(uuid(BackupCodes::UserId))
                .col(string(BackupCodes::CodeHash))
                .col(timestamp_with_time_zone_null(BackupCodes::UsedAt))
                .col(timestamp_with_time_zone(BackupCodes::CreatedAt))
                .foreign_key(&mut fk(
                    BackupCodes::Table,
                    BackupCodes::UserId,
                    Users::Table,
                    Users::Id,
                    ForeignKeyAction::Cascade,
                ))
                .take(),
        )
        .await?;
        m.create_index(index(
            "ix_backup_codes_user",
            BackupCodes::Table,
            vec![BackupCodes::UserId.into_iden()],
        ))
        .await?;

        m.create_table(
            Table::create()
                .table(OauthIdentities::Table)
                .col(pk_uuid(OauthIdentities::Id))
                .col(uuid(OauthIdentities::UserId))
                .col(string(OauthIdentities::Provider))
                .col(string(OauthIdentities::Subject))
                .col(string_null(OauthIdentities::Email))
                .col(timestamp_with_time_zone(OauthIdentities::CreatedAt))
                .foreign_key(&mut fk(
                    OauthIdentities::Table,
                    OauthIdentities::UserId,
                    Users::Table,
                    Users::Id,
                    ForeignKeyAction::Cascade,
                ))
                .take(),
        )
        .await?;
        m.create_index(
            index(
                "ux_oauth_identities_provider_subject",
                OauthIdentities::Table,
                vec![
                    OauthIdentities::Provider.into_iden(),
                    OauthIdentities::Subject.into_iden(),
                ],
            )
            .unique()
            .take(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(OauthStates::Table)
                .col(pk_uuid(OauthStates::Id))
                .col(string_uniq(OauthStates::StateHash))
                .col(string(OauthStates::Provider))
                .col(text(OauthStates::PkceVerifier))
                .col(string(OauthStates::Nonce))
                .col(string_null(OauthStates::ReturnTo))
                .col(timestamp_with_time_zone(OauthStates::CreatedAt))
                .col(timestamp_with_time_zone(OauthStates::ExpiresAt))
                .take(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(AuthThrottle::Table)
                .col(string(AuthThrottle::Key).primary_key())
                .col(timestamp_with_time_zone(AuthThrottle::WindowStartedAt))
                .col(integer(AuthThrottle::Failures))
                .take(),
        )
        .await?;

        // No foreign keys: the audit trail outlives the users and workspaces it names.
        m.create_table(
            Table::create()
                .table(AuditEvents::Table)
                .col(pk_uuid(AuditEvents::Id))
                .col(uuid_null(AuditEvents::WorkspaceId))
                .col(uuid_null(AuditEvents::ActorUserId))
                .col(string(AuditEvents::ActorLabel))
                .col(string(AuditEvents::Action))
                .col(string_null(AuditEvents::TargetType))
                .col(string_null(AuditEvents::TargetId))
                .col(string_null(AuditEvents::Ip))
                .col(text_null(AuditEvents::UserAgent))
                .col(string_null(AuditEvents::RequestId))
                .col(json_null(AuditEvents::Detail))
                .col(timestamp_with_time_zone(AuditEvents::CreatedAt))
                .take(),
        )
        .await?;
        m.create_index(index(
            "ix_audit_workspace_time",
            AuditEvents::Table,
            vec![
                AuditEvents::WorkspaceId.into_iden(),
                AuditEvents::CreatedAt.into_iden(),
            ],
        ))
        .await?;
        m.create_index(index(
            "ix_audit_actor",
            AuditEvents::Table,
            vec![AuditEvents::ActorUserId.into_iden()],
        ))
        .await?;
        m.create_index(index(
            "ix_audit_action_time",
            AuditEvents::Table,
            vec![
                AuditEvents::Action.into_iden(),
                AuditEvents::CreatedAt.into_iden(),
            ],
        ))
        .await?;

        m.create_table(
            Table::create()
                .table(OutboxMail::Table)
                .col(pk_uuid(OutboxMail::Id))
                .col(string(OutboxMail::ToAddr))
                .col(string(OutboxMail::Subject))
                .col(text(OutboxMail::BodyText))
                .col(string(OutboxMail::Status))
                .col(integer(OutboxMail::Attempts).default(0))
                .col(text_null(OutboxMail::LastError))
                .col(timestamp_with_time_zone(OutboxMail::CreatedAt))
                .col(timestamp_with_time_zone_null(OutboxMail::SentAt))
                .take(),
        )
        .await?;
        m.create_index(index(
            "ix_outbox_status",
            OutboxMail::Table,
            vec![
                OutboxMail::Status.into_iden(),
                OutboxMail::CreatedAt.into_iden(),
            ],
        ))
        .await?;

        m.create_table(
            Table::create()
                .table(PlatformSettings::Table)
                .col(string(PlatformSettings::Key).primary_key())
                .col(text(PlatformSettings::Value))
                .col(timestamp_with_time_zone(PlatformSettings::UpdatedAt))
                .take(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            PlatformSettings::Table.into_iden(),
            OutboxMail::Table.into_iden(),
            AuditEvents::Table.into_iden(),
            AuthThrottle::Table.into_iden(),
            OauthStates::Table.into_iden(),
            OauthIdentities::Table.into_iden(),
            BackupCodes::Table.into_iden(),
            ApiTokens::Table.into_iden(),
            Invitations::Table.into_iden(),
            OneTimeTokens::Table.into_iden(),
            Sessions::Table.into_iden(),
            Memberships::Table.into_iden(),
            Workspaces::Table.into_iden(),
            Users::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(table).take()).await?;
        }
        Ok(())
    }
}
