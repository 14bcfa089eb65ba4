//! Table `notifications` gains the words each notification says (title and body in Japanese
//! and English, as JSON), rendered from the message catalogue when the event happens, so the
//! push gateway and the app show exactly what was said. Earlier notifications have none.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Notifications {
    Table,
    TextJson,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Notifications::Table)
                    .add_column(ColumnDef::new(Notifications::TextJson).text().null())
                    .to_owned(),
            )
            .await
    }
}
