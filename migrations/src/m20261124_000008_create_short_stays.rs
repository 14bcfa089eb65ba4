//! Tables: short_stays (medical short stays: a guardian's request, staff's decision assigning a
//! contracted medical institution, and the institution's admission and discharge).

use sea_orm_migration::prelude::*;

use crate::index;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ShortStays {
    Table,
    Id,
    ChildId,
    HouseholdId,
    DesiredFrom,
    DesiredUntil,
    Reason,
    ReasonDetail,
    CareNeeds,
    Contact,
    Status,
    InstitutionId,
    ConfirmedFrom,
    ConfirmedUntil,
    DecisionReason,
    DecidedBy,
    DecidedAt,
    AdmittedAt,
    DischargedAt,
    WithdrawnAt,
    RequestedBy,
    CreatedAt,
    UpdatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use ShortStays as S;
        manager
            .create_table(
                Table::create()
                    .table(S::Table)
                    .col(ColumnDef::new(S::Id).uuid().not_null().primary_key())
                    .col(ColumnDef::new(S::ChildId).uuid().not_null())
                    .col(ColumnDef::new(S::HouseholdId).uuid().not_null())
                    .col(ColumnDef::new(S::DesiredFrom).date().not_null())
                    .col(ColumnDef::new(S::DesiredUntil).date().not_null())
                    .col(ColumnDef::new(S::Reason).string().not_null())
                    .col(ColumnDef::new(S::ReasonDetail).text().not_null())
                    .col(ColumnDef::new(S::CareNeeds).text().not_null())
                    .col(ColumnDef::new(S::Contact).string().not_null())
                    .col(ColumnDef::new(S::Status).string().not_null())
                    .col(ColumnDef::new(S::InstitutionId).uuid().null())
                    .col(ColumnDef::new(S::ConfirmedFrom).date().null())
                    .col(ColumnDef::new(S::ConfirmedUntil).date().null())
                    .col(ColumnDef::new(S::DecisionReason).text().null())
                    .col(ColumnDef::new(S::DecidedBy).uuid().null())
                    .col(ColumnDef::new(S::DecidedAt).big_integer().null())
                    .col(ColumnDef::new(S::AdmittedAt).big_integer().null())
                    .col(ColumnDef::new(S::DischargedAt).big_integer().null())
                    .col(ColumnDef::new(S::WithdrawnAt).big_integer().null())
                    .col(ColumnDef::new(S::RequestedBy).uuid().not_null())
                    .col(ColumnDef::new(S::CreatedAt).big_integer().not_null())
                    .col(ColumnDef::new(S::UpdatedAt).big_integer().not_null())
                    .to_owned(),
            )
            .await?;
        // Staff's queue, a child's requests, and an institution's admissions.
        index(
            manager,
            "ix_short_stays_status",
            S::Table,
            &["status", "created_at"],
            false,
        )
        .await?;
        index(
            manager,
            "ix_short_stays_child",
            S::Table,
            &["child_id", "created_at"],
            false,
        )
        .await?;
        index(
            manager,
            "ix_short_stays_institution",
            S::Table,
            &["institution_id", "status"],
            false,
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ShortStays::Table).to_owned())
            .await
    }
}
