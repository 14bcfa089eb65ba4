//! Tables: respite_visits gains what a record of a visit needs beyond its times: the account
//! its minutes were used from, a staff exception's reason, and the family's dispute (their
//! claimed times, the minutes held, until when they may dispute, and staff's decision).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum RespiteVisits {
    Table,
    UsedAccountId,
    ExceptionReason,
    DisputeUntil,
    DisputedAt,
    DisputeReason,
    ClaimedStart,
    ClaimedEnd,
    DisputedMinutes,
    DisputeDecision,
    DisputeDecidedBy,
    DisputeDecidedAt,
    DisputeDecisionReason,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite adds one column per ALTER TABLE.
        let columns = [
            ColumnDef::new(RespiteVisits::UsedAccountId)
                .uuid()
                .null()
                .to_owned(),
            ColumnDef::new(RespiteVisits::ExceptionReason)
                .text()
                .null()
                .to_owned(),
            ColumnDef::new(RespiteVisits::DisputeUntil)
                .big_integer()
                .null()
                .to_owned(),
            ColumnDef::new(RespiteVisits::DisputedAt)
                .big_integer()
                .null()
                .to_owned(),
            ColumnDef::new(RespiteVisits::DisputeReason)
                .text()
                .null()
                .to_owned(),
            ColumnDef::new(RespiteVisits::ClaimedStart)
                .big_integer()
                .null()
                .to_owned(),
            ColumnDef::new(RespiteVisits::ClaimedEnd)
                .big_integer()
                .null()
                .to_owned(),
            ColumnDef::new(RespiteVisits::DisputedMinutes)
                .big_integer()
                .null()
                .check(Expr::col(RespiteVisits::DisputedMinutes).gt(0))
                .to_owned(),
            ColumnDef::new(RespiteVisits::DisputeDecision)
                .string()
                .null()
                .to_owned(),
            ColumnDef::new(RespiteVisits::DisputeDecidedBy)
                .uuid()
                .null()
                .to_owned(),
            ColumnDef::new(RespiteVisits::DisputeDecidedAt)
                .big_integer()
                .null()
                .to_owned(),
            ColumnDef::new(RespiteVisits::DisputeDecisionReason)
                .text()
                .null()
                .to_owned(),
        ];
        for mut column in columns {
            manager
                .alter_table(
                    Table::alter()
                        .table(RespiteVisits::Table)
                        .add_column(&mut column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
