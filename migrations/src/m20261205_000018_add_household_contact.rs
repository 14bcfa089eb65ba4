//! Table `households` gains the family's contact details, which a nurse station or an
//! institution needs to reach the child it serves: the town (町名, shown before a visit is
//! accepted), the rest of the address and the guardian's phone (shown only for an accepted
//! visit or an assigned stay). Existing households have none until staff record them.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Households {
    Table,
    Town,
    Address,
    Phone,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters one column at a time.
        for column in [Households::Town, Households::Address, Households::Phone] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Households::Table)
                        .add_column(ColumnDef::new(column).string().null())
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
