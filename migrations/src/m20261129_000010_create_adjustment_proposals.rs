//! Tables: adjustment_proposals (staff corrections above the one-approver limit, waiting for a
//! second, different staff member); ledger_entries gains approved_by (that second person).

use sea_orm_migration::prelude::*;

use crate::index;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum AdjustmentProposals {
    Table,
    Id,
    ChildId,
    Program,
    Period,
    Amount,
    Reason,
    Status,
    ProposedBy,
    ProposedAt,
    DecidedBy,
    DecidedAt,
    DecisionReason,
}

#[derive(DeriveIden)]
enum LedgerEntries {
    Table,
    ApprovedBy,
}

#[derive(DeriveIden)]
enum Children {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(AdjustmentProposals::Table)
                    .col(
                        ColumnDef::new(AdjustmentProposals::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(AdjustmentProposals::ChildId)
                            .uuid()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(AdjustmentProposals::Program)
                            .string()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(AdjustmentProposals::Period)
                            .string()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(AdjustmentProposals::Amount)
                            .big_integer()
                            .not_null()
                            .check(Expr::col(AdjustmentProposals::Amount).ne(0)),
                    )
                    .col(
                        ColumnDef::new(AdjustmentProposals::Reason)
                            .string()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(AdjustmentProposals::Status)
                            .string()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(AdjustmentProposals::ProposedBy)
                            .uuid()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(AdjustmentProposals::ProposedAt)
                            .big_integer()
                            .not_null(),
                    )
                    .col(ColumnDef::new(AdjustmentProposals::DecidedBy).uuid().null())
                    .col(
                        ColumnDef::new(AdjustmentProposals::DecidedAt)
                            .big_integer()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(AdjustmentProposals::DecisionReason)
                            .string()
                            .null(),
                    )
                    // The approver is never the proposer, whatever the code above does.
                    .check(
                        Expr::col(AdjustmentProposals::DecidedBy)
                            .is_null()
                            .or(Expr::col(AdjustmentProposals::Status).ne("approved"))
                            .or(Expr::col(AdjustmentProposals::DecidedBy)
                                .ne(Expr::col(AdjustmentProposals::ProposedBy))),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(AdjustmentProposals::Table, AdjustmentProposals::ChildId)
                            .to(Children::Table, Children::Id),
                    )
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "ix_adjustment_proposals_status",
            AdjustmentProposals::Table,
            &["status", "proposed_at"],
            false,
        )
        .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(LedgerEntries::Table)
                    .add_column(ColumnDef::new(LedgerEntries::ApprovedBy).uuid().null())
                    .to_owned(),
            )
            .await
    }
}
