//! Tables: respite_visits (in-home respite: a nurse station's visit, its hold and its use of
//! the child's fiscal-year minutes in the allowance ledger).

use sea_orm_migration::prelude::*;

use crate::index;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum RespiteVisits {
    Table,
    Id,
    ChildId,
    HouseholdId,
    StationId,
    AccountId,
    FiscalYear,
    ScheduledStart,
    ScheduledEnd,
    BookedMinutes,
    CareNeeds,
    Notes,
    Status,
    ActualStart,
    ActualEnd,
    UsedMinutes,
    ExceptionMinutes,
    DeclineReason,
    DecidedAt,
    CancelledAt,
    CompletedAt,
    RequestedBy,
    CreatedAt,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use RespiteVisits as V;
        manager
            .create_table(
                Table::create()
                    .table(V::Table)
                    .col(ColumnDef::new(V::Id).uuid().not_null().primary_key())
                    .col(ColumnDef::new(V::ChildId).uuid().not_null())
                    .col(ColumnDef::new(V::HouseholdId).uuid().not_null())
                    .col(ColumnDef::new(V::StationId).uuid().not_null())
                    .col(ColumnDef::new(V::AccountId).uuid().not_null())
                    .col(ColumnDef::new(V::FiscalYear).string().not_null())
                    .col(ColumnDef::new(V::ScheduledStart).big_integer().not_null())
                    .col(ColumnDef::new(V::ScheduledEnd).big_integer().not_null())
                    .col(ColumnDef::new(V::BookedMinutes).big_integer().not_null())
                    .col(ColumnDef::new(V::CareNeeds).text().not_null())
                    .col(ColumnDef::new(V::Notes).text().not_null())
                    .col(ColumnDef::new(V::Status).string().not_null())
                    .col(ColumnDef::new(V::ActualStart).big_integer().null())
                    .col(ColumnDef::new(V::ActualEnd).big_integer().null())
                    .col(ColumnDef::new(V::UsedMinutes).big_integer().null())
                    .col(ColumnDef::new(V::ExceptionMinutes).big_integer().null())
                    .col(ColumnDef::new(V::DeclineReason).text().null())
                    .col(ColumnDef::new(V::DecidedAt).big_integer().null())
                    .col(ColumnDef::new(V::CancelledAt).big_integer().null())
                    .col(ColumnDef::new(V::CompletedAt).big_integer().null())
                    .col(ColumnDef::new(V::RequestedBy).uuid().not_null())
                    .col(ColumnDef::new(V::CreatedAt).big_integer().not_null())
                    .col(ColumnDef::new(V::UpdatedAt).big_integer().not_null())
                    .check(Expr::col(V::BookedMinutes).gt(0))
                    .check(Expr::col(V::ScheduledEnd).gt(Expr::col(V::ScheduledStart)))
                    .to_owned(),
            )
            .await?;
        // A station's inbox, a child's visits by date, and a month's report per station.
        index(
            manager,
            "ix_respite_visits_station",
            V::Table,
            &["station_id", "status", "scheduled_start"],
            false,
        )
        .await?;
        index(
            manager,
            "ix_respite_visits_child",
            V::Table,
            &["child_id", "scheduled_start"],
            false,
        )
        .await?;
        index(
            manager,
            "ix_respite_visits_completed",
            V::Table,
            &["status", "actual_start"],
            false,
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(RespiteVisits::Table).to_owned())
            .await
    }
}
