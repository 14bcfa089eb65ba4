//! Table `adjustment_proposals` gains the unit of the account it corrects (yen, ticket or
//! minute). Programs are configuration: a proposal keeps its unit even if its program's
//! settings later change or the program ends. Existing proposals take their account's unit.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum AdjustmentProposals {
    Table,
    Unit,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(AdjustmentProposals::Table)
                    .add_column(
                        ColumnDef::new(AdjustmentProposals::Unit)
                            .string()
                            .not_null()
                            .default(""),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .get_connection()
            .execute_unprepared(
                "UPDATE adjustment_proposals SET unit = COALESCE((SELECT a.unit \
                 FROM allowance_accounts a WHERE a.child_id = adjustment_proposals.child_id \
                 AND a.program = adjustment_proposals.program \
                 AND a.period = adjustment_proposals.period), '')",
            )
            .await?;
        Ok(())
    }
}
