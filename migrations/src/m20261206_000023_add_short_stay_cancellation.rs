//! Table `short_stays` gains its cancellation by the ward: an approved stay that will not take
//! place (the family no longer needs it, the institution cannot take the child) is cancelled
//! with a reason the family and the institution read, by a member of staff.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum ShortStays {
    Table,
    CancelledAt,
    CancelledBy,
    CancelReason,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters one column at a time.
        for column in [
            ColumnDef::new(ShortStays::CancelledAt)
                .big_integer()
                .null()
                .to_owned(),
            ColumnDef::new(ShortStays::CancelledBy)
                .uuid()
                .null()
                .to_owned(),
            ColumnDef::new(ShortStays::CancelReason)
                .string()
                .null()
                .to_owned(),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(ShortStays::Table)
                        .add_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
