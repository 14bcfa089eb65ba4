//! Tables: households, accounts, invitations, token_families, refresh_tokens, access_tokens.

use sea_orm_migration::prelude::*;

use crate::index;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Households {
    Table,
    Id,
    Name,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Accounts {
    Table,
    Id,
    Role,
    Email,
    DisplayName,
    PasswordHash,
    HouseholdId,
    Status,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Invitations {
    Table,
    Id,
    CodeHash,
    Role,
    Email,
    DisplayName,
    HouseholdId,
    CreatedBy,
    ExpiresAt,
    AcceptedAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum TokenFamilies {
    Table,
    Id,
    AccountId,
    CreatedAt,
    RevokedAt,
    RevokedReason,
}

#[derive(DeriveIden)]
enum RefreshTokens {
    Table,
    Id,
    FamilyId,
    TokenHash,
    ExpiresAt,
    UsedAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum AccessTokens {
    Table,
    TokenHash,
    FamilyId,
    AccountId,
    ExpiresAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Households::Table)
                    .col(
                        ColumnDef::new(Households::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(Households::Name).string().not_null())
                    .col(
                        ColumnDef::new(Households::CreatedAt)
                            .big_integer()
                            .not_null(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Accounts::Table)
                    .col(ColumnDef::new(Accounts::Id).uuid().not_null().primary_key())
                    .col(ColumnDef::new(Accounts::Role).string().not_null())
                    .col(
                        ColumnDef::new(Accounts::Email)
                            .string()
                            .not_null()
                            .unique_key(),
                    )
                    .col(ColumnDef::new(Accounts::DisplayName).string().not_null())
                    .col(ColumnDef::new(Accounts::PasswordHash).string().not_null())
                    .col(ColumnDef::new(Accounts::HouseholdId).uuid().null())
                    .col(ColumnDef::new(Accounts::Status).string().not_null())
                    .col(ColumnDef::new(Accounts::CreatedAt).big_integer().not_null())
                    .foreign_key(
                        ForeignKey::create()
                            .from(Accounts::Table, Accounts::HouseholdId)
                            .to(Households::Table, Households::Id),
                    )
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "ix_accounts_household",
            Accounts::Table,
            &["household_id"],
            false,
        )
        .await?;
        manager
            .create_table(
                Table::create()
                    .table(Invitations::Table)
                    .col(
                        ColumnDef::new(Invitations::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(Invitations::CodeHash)
                            .string()
                            .not_null()
                            .unique_key(),
                    )
                    .col(ColumnDef::new(Invitations::Role).string().not_null())
                    .col(ColumnDef::new(Invitations::Email).string().not_null())
                    .col(ColumnDef::new(Invitations::DisplayName).string().not_null())
                    .col(ColumnDef::new(Invitations::HouseholdId).uuid().null())
                    .col(ColumnDef::new(Invitations::CreatedBy).uuid().not_null())
                    .col(
                        ColumnDef::new(Invitations::ExpiresAt)
                            .big_integer()
                            .not_null(),
                    )
                    .col(ColumnDef::new(Invitations::AcceptedAt).big_integer().null())
                    .col(
                        ColumnDef::new(Invitations::CreatedAt)
                            .big_integer()
                            .not_null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Invitations::Table, Invitations::HouseholdId)
                            .to(Households::Table, Households::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(TokenFamilies::Table)
                    .col(
                        ColumnDef::new(TokenFamilies::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(TokenFamilies::AccountId).uuid().not_null())
                    .col(
                        ColumnDef::new(TokenFamilies::CreatedAt)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(TokenFamilies::RevokedAt)
                            .big_integer()
                            .null(),
                    )
                    .col(ColumnDef::new(TokenFamilies::RevokedReason).string().null())
                    .foreign_key(
                        ForeignKey::create()
                            .from(TokenFamilies::Table, TokenFamilies::AccountId)
                            .to(Accounts::Table, Accounts::Id),
                    )
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "ix_token_families_account",
            TokenFamilies::Table,
            &["account_id"],
            false,
        )
        .await?;
        manager
            .create_table(
                Table::create()
                    .table(RefreshTokens::Table)
                    .col(
                        ColumnDef::new(RefreshTokens::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(RefreshTokens::FamilyId).uuid().not_null())
                    .col(
                        ColumnDef::new(RefreshTokens::TokenHash)
                            .string()
                            .not_null()
                            .unique_key(),
                    )
                    .col(
                        ColumnDef::new(RefreshTokens::ExpiresAt)
                            .big_integer()
                            .not_null(),
                    )
                    .col(ColumnDef::new(RefreshTokens::UsedAt).big_integer().null())
                    .col(
                        ColumnDef::new(RefreshTokens::CreatedAt)
                            .big_integer()
                            .not_null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(RefreshTokens::Table, RefreshTokens::FamilyId)
                            .to(TokenFamilies::Table, TokenFamilies::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(AccessTokens::Table)
                    .col(
                        ColumnDef::new(AccessTokens::TokenHash)
                            .string()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(AccessTokens::FamilyId).uuid().not_null())
                    .col(ColumnDef::new(AccessTokens::AccountId).uuid().not_null())
                    .col(
                        ColumnDef::new(AccessTokens::ExpiresAt)
                            .big_integer()
                            .not_null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(AccessTokens::Table, AccessTokens::FamilyId)
                            .to(TokenFamilies::Table, TokenFamilies::Id),
                    )
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "ix_access_tokens_family",
            AccessTokens::Table,
            &["family_id"],
            false,
        )
        .await
    }
}
