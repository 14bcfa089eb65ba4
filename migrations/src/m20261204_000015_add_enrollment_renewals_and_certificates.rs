//! Tables: enrollments gain the first day of the fiscal year a renewal is for (an application
//! made before that year starts, while this year's approval is still valid), and the recipient certificate
//! (受給者証) staff record at approval where a program requires one: its number and last day.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Enrollments {
    Table,
    RenewalFrom,
    CertificateNumber,
    CertificateValidUntil,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite adds one column per ALTER TABLE.
        let columns = [
            ColumnDef::new(Enrollments::RenewalFrom)
                .date()
                .null()
                .to_owned(),
            ColumnDef::new(Enrollments::CertificateNumber)
                .string()
                .null()
                .to_owned(),
            ColumnDef::new(Enrollments::CertificateValidUntil)
                .date()
                .null()
                .to_owned(),
        ];
        for mut column in columns {
            manager
                .alter_table(
                    Table::alter()
                        .table(Enrollments::Table)
                        .add_column(&mut column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}
