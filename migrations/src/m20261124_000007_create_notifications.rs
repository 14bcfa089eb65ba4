//! Tables: notifications (the transactional outbox: every event a family or partner must learn
//! about, written in the same transaction as the change, then delivered to the push gateway).

use sea_orm_migration::prelude::*;

use crate::index;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Notifications {
    Table,
    Id,
    EventType,
    RecipientType,
    RecipientId,
    SubjectType,
    SubjectId,
    Payload,
    CreatedAt,
    DeliveryStatus,
    Attempts,
    NextAttemptAt,
    ClaimedBy,
    ClaimedUntil,
    LastError,
    DeliveredAt,
    ReadAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use Notifications as N;
        manager
            .create_table(
                Table::create()
                    .table(N::Table)
                    .col(ColumnDef::new(N::Id).uuid().not_null().primary_key())
                    .col(ColumnDef::new(N::EventType).string().not_null())
                    .col(ColumnDef::new(N::RecipientType).string().not_null())
                    .col(ColumnDef::new(N::RecipientId).uuid().not_null())
                    .col(ColumnDef::new(N::SubjectType).string().not_null())
                    .col(ColumnDef::new(N::SubjectId).uuid().not_null())
                    .col(ColumnDef::new(N::Payload).text().not_null())
                    .col(ColumnDef::new(N::CreatedAt).big_integer().not_null())
                    .col(ColumnDef::new(N::DeliveryStatus).string().not_null())
                    .col(ColumnDef::new(N::Attempts).integer().not_null())
                    .col(ColumnDef::new(N::NextAttemptAt).big_integer().not_null())
                    .col(ColumnDef::new(N::ClaimedBy).string().null())
                    .col(ColumnDef::new(N::ClaimedUntil).big_integer().null())
                    .col(ColumnDef::new(N::LastError).text().null())
                    .col(ColumnDef::new(N::DeliveredAt).big_integer().null())
                    .col(ColumnDef::new(N::ReadAt).big_integer().null())
                    .to_owned(),
            )
            .await?;
        // The worker's queue, and a family's or partner's inbox.
        index(
            manager,
            "ix_notifications_queue",
            N::Table,
            &["delivery_status", "next_attempt_at"],
            false,
        )
        .await?;
        index(
            manager,
            "ix_notifications_recipient",
            N::Table,
            &["recipient_type", "recipient_id", "created_at"],
            false,
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Notifications::Table).to_owned())
            .await
    }
}
