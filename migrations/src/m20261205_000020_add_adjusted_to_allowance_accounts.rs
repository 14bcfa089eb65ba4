//! Table `allowance_accounts` keeps staff corrections apart from the grant: `adjusted` is the
//! sum of a period's adjustment entries, and `granted` goes back to what the program granted
//! (the grant and any carry-in). A family reads "granted 20,000, corrected −11,000", not
//! "granted 9,000". Existing accounts are split from their ledger entries.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum AllowanceAccounts {
    Table,
    Adjusted,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(AllowanceAccounts::Table)
                    .add_column(
                        ColumnDef::new(AllowanceAccounts::Adjusted)
                            .big_integer()
                            .not_null()
                            .default(0),
                    )
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        db.execute_unprepared(
            "UPDATE allowance_accounts SET adjusted = COALESCE((SELECT SUM(l.amount) \
             FROM ledger_entries l WHERE l.account_id = allowance_accounts.id \
             AND l.kind = 'adjustment'), 0)",
        )
        .await?;
        db.execute_unprepared("UPDATE allowance_accounts SET granted = granted - adjusted")
            .await?;
        Ok(())
    }
}
