//! Tables: children, enrollments (one pending application per child and program).

use sea_orm_migration::prelude::*;

use crate::index;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Households {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Children {
    Table,
    Id,
    HouseholdId,
    FamilyName,
    GivenName,
    FamilyNameKana,
    GivenNameKana,
    BirthDate,
    CareNeeds,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Enrollments {
    Table,
    Id,
    ChildId,
    Program,
    Status,
    ValidFrom,
    ValidUntil,
    DecisionReason,
    AppliedBy,
    DecidedBy,
    DecidedAt,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Children::Table)
                    .col(ColumnDef::new(Children::Id).uuid().not_null().primary_key())
                    .col(ColumnDef::new(Children::HouseholdId).uuid().not_null())
                    .col(ColumnDef::new(Children::FamilyName).string().not_null())
                    .col(ColumnDef::new(Children::GivenName).string().not_null())
                    .col(ColumnDef::new(Children::FamilyNameKana).string().not_null())
                    .col(ColumnDef::new(Children::GivenNameKana).string().not_null())
                    .col(ColumnDef::new(Children::BirthDate).date().not_null())
                    .col(ColumnDef::new(Children::CareNeeds).string().not_null())
                    .col(ColumnDef::new(Children::CreatedAt).big_integer().not_null())
                    .col(ColumnDef::new(Children::UpdatedAt).big_integer().not_null())
                    .foreign_key(
                        ForeignKey::create()
                            .from(Children::Table, Children::HouseholdId)
                            .to(Households::Table, Households::Id),
                    )
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "ix_children_household",
            Children::Table,
            &["household_id"],
            false,
        )
        .await?;
        manager
            .create_table(
                Table::create()
                    .table(Enrollments::Table)
                    .col(
                        ColumnDef::new(Enrollments::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(Enrollments::ChildId).uuid().not_null())
                    .col(ColumnDef::new(Enrollments::Program).string().not_null())
                    .col(ColumnDef::new(Enrollments::Status).string().not_null())
                    .col(ColumnDef::new(Enrollments::ValidFrom).date().null())
                    .col(ColumnDef::new(Enrollments::ValidUntil).date().null())
                    .col(ColumnDef::new(Enrollments::DecisionReason).string().null())
                    .col(ColumnDef::new(Enrollments::AppliedBy).uuid().not_null())
                    .col(ColumnDef::new(Enrollments::DecidedBy).uuid().null())
                    .col(ColumnDef::new(Enrollments::DecidedAt).big_integer().null())
                    .col(
                        ColumnDef::new(Enrollments::CreatedAt)
                            .big_integer()
                            .not_null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Enrollments::Table, Enrollments::ChildId)
                            .to(Children::Table, Children::Id),
                    )
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "ix_enrollments_child",
            Enrollments::Table,
            &["child_id"],
            false,
        )
        .await?;
        index(
            manager,
            "ix_enrollments_status",
            Enrollments::Table,
            &["status", "created_at"],
            false,
        )
        .await?;
        // At most one open application per child and program, even when two arrive at once.
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX ux_enrollments_one_pending ON enrollments (child_id, program) \
                 WHERE status = 'pending'",
            )
            .await?;
        Ok(())
    }
}
