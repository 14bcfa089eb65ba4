//! Tables: settlement_closings (a month closed for payment, 締め, and who closed it),
//! settlement_statements (each partner's statement of a closed month, with the digest of its
//! CSV as it was paid); redemptions gain settled_month (the stamp a closing puts on the month's
//! redemptions) and reversal_month (the statement month in which a reversal counts).

use sea_orm_migration::prelude::*;

use crate::index;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum SettlementClosings {
    Table,
    Month,
    ClosedAt,
    ClosedBy,
}

#[derive(DeriveIden)]
enum SettlementStatements {
    Table,
    Month,
    PartnerId,
    Digest,
    Lines,
    CoveredYen,
    ReversedYen,
}

#[derive(DeriveIden)]
enum Redemptions {
    Table,
    SettledMonth,
    ReversalMonth,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(SettlementClosings::Table)
                    .col(
                        ColumnDef::new(SettlementClosings::Month)
                            .string()
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(SettlementClosings::ClosedAt)
                            .big_integer()
                            .not_null(),
                    )
                    .col(ColumnDef::new(SettlementClosings::ClosedBy).uuid().null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(SettlementStatements::Table)
                    .col(
                        ColumnDef::new(SettlementStatements::Month)
                            .string()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(SettlementStatements::PartnerId)
                            .uuid()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(SettlementStatements::Digest)
                            .string()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(SettlementStatements::Lines)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(SettlementStatements::CoveredYen)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(SettlementStatements::ReversedYen)
                            .big_integer()
                            .not_null(),
                    )
                    .primary_key(
                        Index::create()
                            .col(SettlementStatements::Month)
                            .col(SettlementStatements::PartnerId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(SettlementStatements::Table, SettlementStatements::Month)
                            .to(SettlementClosings::Table, SettlementClosings::Month),
                    )
                    .to_owned(),
            )
            .await?;
        for column in [
            ColumnDef::new(Redemptions::SettledMonth)
                .string()
                .null()
                .to_owned(),
            ColumnDef::new(Redemptions::ReversalMonth)
                .string()
                .null()
                .to_owned(),
        ] {
            let mut column = column;
            manager
                .alter_table(
                    Table::alter()
                        .table(Redemptions::Table)
                        .add_column(&mut column)
                        .to_owned(),
                )
                .await?;
        }
        // Reversals made before months could be closed count in their own month.
        manager
            .get_connection()
            .execute_unprepared(
                "UPDATE redemptions SET reversal_month = month WHERE reversed_at IS NOT NULL",
            )
            .await?;
        index(
            manager,
            "ix_redemptions_partner_reversal_month",
            Redemptions::Table,
            &["partner_id", "reversal_month"],
            false,
        )
        .await
    }
}
