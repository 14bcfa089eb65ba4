//! Index: enrollments by child, program and status. Every voucher verify and redeem asks
//! whether a child is enrolled (and with which certificate); without this index SQLite chose
//! the status index and walked every approved enrollment of the ward.

use sea_orm_migration::prelude::*;

use crate::index;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Enrollments {
    Table,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        index(
            manager,
            "ix_enrollments_child_program_status",
            Enrollments::Table,
            &["child_id", "program", "status"],
            false,
        )
        .await
    }
}
