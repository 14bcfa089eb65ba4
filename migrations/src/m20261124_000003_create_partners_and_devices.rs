//! Tables: partners (ward-contracted organisations), devices (their registered scanners).

use sea_orm_migration::prelude::*;

use crate::index;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Partners {
    Table,
    Id,
    Kind,
    Name,
    Status,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Devices {
    Table,
    Id,
    PartnerId,
    Label,
    CredentialHash,
    Status,
    CreatedAt,
    RevokedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Partners::Table)
                    .col(ColumnDef::new(Partners::Id).uuid().not_null().primary_key())
                    .col(ColumnDef::new(Partners::Kind).string().not_null())
                    .col(
                        ColumnDef::new(Partners::Name)
                            .string()
                            .not_null()
                            .unique_key(),
                    )
                    .col(ColumnDef::new(Partners::Status).string().not_null())
                    .col(ColumnDef::new(Partners::CreatedAt).big_integer().not_null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Devices::Table)
                    .col(ColumnDef::new(Devices::Id).uuid().not_null().primary_key())
                    .col(ColumnDef::new(Devices::PartnerId).uuid().not_null())
                    .col(ColumnDef::new(Devices::Label).string().not_null())
                    .col(
                        ColumnDef::new(Devices::CredentialHash)
                            .string()
                            .not_null()
                            .unique_key(),
                    )
                    .col(ColumnDef::new(Devices::Status).string().not_null())
                    .col(ColumnDef::new(Devices::CreatedAt).big_integer().not_null())
                    .col(ColumnDef::new(Devices::RevokedAt).big_integer().null())
                    .foreign_key(
                        ForeignKey::create()
                            .from(Devices::Table, Devices::PartnerId)
                            .to(Partners::Table, Partners::Id),
                    )
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "ix_devices_partner",
            Devices::Table,
            &["partner_id"],
            false,
        )
        .await
    }
}
