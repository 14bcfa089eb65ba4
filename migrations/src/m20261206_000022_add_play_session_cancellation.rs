//! Table `play_sessions` gains its cancellation: when staff called the session off and why
//! (the families booked are told the reason). A cancelled session takes no bookings.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum PlaySessions {
    Table,
    CancelledAt,
    CancelReason,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters one column at a time.
        manager
            .alter_table(
                Table::alter()
                    .table(PlaySessions::Table)
                    .add_column(
                        ColumnDef::new(PlaySessions::CancelledAt)
                            .big_integer()
                            .null(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(PlaySessions::Table)
                    .add_column(ColumnDef::new(PlaySessions::CancelReason).string().null())
                    .to_owned(),
            )
            .await
    }
}
