//! Tables: audit_log (append-only record of every change: who, when, what, before/after).

use sea_orm_migration::prelude::*;

use crate::index;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum AuditLog {
    Table,
    Id,
    OccurredAt,
    ActorType,
    ActorId,
    Action,
    ObjectType,
    ObjectId,
    BeforeJson,
    AfterJson,
    RequestId,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(AuditLog::Table)
                    // UUIDv7: ordering by id is ordering by time of writing.
                    .col(ColumnDef::new(AuditLog::Id).uuid().not_null().primary_key())
                    .col(
                        ColumnDef::new(AuditLog::OccurredAt)
                            .big_integer()
                            .not_null(),
                    )
                    .col(ColumnDef::new(AuditLog::ActorType).string().not_null())
                    .col(ColumnDef::new(AuditLog::ActorId).uuid().null())
                    .col(ColumnDef::new(AuditLog::Action).string().not_null())
                    .col(ColumnDef::new(AuditLog::ObjectType).string().not_null())
                    .col(ColumnDef::new(AuditLog::ObjectId).uuid().null())
                    .col(ColumnDef::new(AuditLog::BeforeJson).text().null())
                    .col(ColumnDef::new(AuditLog::AfterJson).text().null())
                    .col(ColumnDef::new(AuditLog::RequestId).string().null())
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "ix_audit_log_object",
            AuditLog::Table,
            &["object_id", "id"],
            false,
        )
        .await
    }
}
