//! Tables: allowance_accounts (one per child, program and period), ledger_entries (append-only
//! movements of yen, tickets or minutes), signing_keys, vouchers, redemptions.

use sea_orm_migration::prelude::*;

use crate::index;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Children {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum AllowanceAccounts {
    Table,
    Id,
    ChildId,
    Program,
    Unit,
    Period,
    PeriodStart,
    PeriodEnd,
    Granted,
    Balance,
    Held,
    Used,
    LastMovement,
    LapsedAt,
    CreatedAt,
}

#[derive(DeriveIden)]
enum LedgerEntries {
    Table,
    Id,
    AccountId,
    Kind,
    Amount,
    VoucherId,
    RedemptionId,
    Reason,
    ActorType,
    ActorId,
    OccurredAt,
}

#[derive(DeriveIden)]
enum SigningKeys {
    Table,
    Kid,
    PublicKey,
    PrivateKey,
    Status,
    CreatedAt,
    RetiredAt,
}

#[derive(DeriveIden)]
enum Vouchers {
    Table,
    Id,
    ChildId,
    HouseholdId,
    Program,
    Kid,
    Status,
    IssuedBy,
    IssuedAt,
    ExpiresAt,
    RedeemedAt,
    CancelledAt,
}

#[derive(DeriveIden)]
enum Redemptions {
    Table,
    Id,
    VoucherId,
    AccountId,
    ChildId,
    Program,
    Purpose,
    PartnerId,
    DeviceId,
    IdempotencyKey,
    RequestHash,
    RequestedYen,
    ReservationFeeYen,
    PickupFeeYen,
    AssistanceFeeYen,
    CoveredYen,
    FamilyPaysYen,
    TicketsUsed,
    RedeemedAt,
    LocalDate,
    Month,
    ResponseJson,
    ReversedAt,
    ReversedByType,
    ReversedBy,
    ReversalReason,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(AllowanceAccounts::Table)
                    .col(
                        ColumnDef::new(AllowanceAccounts::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(AllowanceAccounts::ChildId).uuid().not_null())
                    .col(
                        ColumnDef::new(AllowanceAccounts::Program)
                            .string()
                            .not_null(),
                    )
                    .col(ColumnDef::new(AllowanceAccounts::Unit).string().not_null())
                    .col(
                        ColumnDef::new(AllowanceAccounts::Period)
                            .string()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(AllowanceAccounts::PeriodStart)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(AllowanceAccounts::PeriodEnd)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(AllowanceAccounts::Granted)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(AllowanceAccounts::Balance)
                            .big_integer()
                            .not_null()
                            .check(Expr::col(AllowanceAccounts::Balance).gte(0)),
                    )
                    .col(
                        ColumnDef::new(AllowanceAccounts::Held)
                            .big_integer()
                            .not_null()
                            .check(Expr::col(AllowanceAccounts::Held).gte(0)),
                    )
                    .col(
                        ColumnDef::new(AllowanceAccounts::Used)
                            .big_integer()
                            .not_null(),
                    )
                    // The size of the latest capture, so that one UPDATE … RETURNING can take
                    // "what is left, up to the fare" and tell how much it took.
                    .col(
                        ColumnDef::new(AllowanceAccounts::LastMovement)
                            .big_integer()
                            .not_null()
                            .default(0),
                    )
                    .col(
                        ColumnDef::new(AllowanceAccounts::LapsedAt)
                            .big_integer()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(AllowanceAccounts::CreatedAt)
                            .big_integer()
                            .not_null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(AllowanceAccounts::Table, AllowanceAccounts::ChildId)
                            .to(Children::Table, Children::Id),
                    )
                    .to_owned(),
            )
            .await?;
        // Exactly one account per child, program and period: the grant happens once.
        index(
            manager,
            "ux_allowance_accounts_period",
            AllowanceAccounts::Table,
            &["child_id", "program", "period"],
            true,
        )
        .await?;
        index(
            manager,
            "ix_allowance_accounts_end",
            AllowanceAccounts::Table,
            &["period_end"],
            false,
        )
        .await?;
        manager
            .create_table(
                Table::create()
                    .table(LedgerEntries::Table)
                    // UUIDv7: ordering by id is ordering by time of writing.
                    .col(
                        ColumnDef::new(LedgerEntries::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(LedgerEntries::AccountId).uuid().not_null())
                    .col(ColumnDef::new(LedgerEntries::Kind).string().not_null())
                    .col(
                        ColumnDef::new(LedgerEntries::Amount)
                            .big_integer()
                            .not_null(),
                    )
                    .col(ColumnDef::new(LedgerEntries::VoucherId).uuid().null())
                    .col(ColumnDef::new(LedgerEntries::RedemptionId).uuid().null())
                    .col(ColumnDef::new(LedgerEntries::Reason).string().null())
                    .col(ColumnDef::new(LedgerEntries::ActorType).string().not_null())
                    .col(ColumnDef::new(LedgerEntries::ActorId).uuid().null())
                    .col(
                        ColumnDef::new(LedgerEntries::OccurredAt)
                            .big_integer()
                            .not_null(),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(LedgerEntries::Table, LedgerEntries::AccountId)
                            .to(AllowanceAccounts::Table, AllowanceAccounts::Id),
                    )
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "ix_ledger_entries_account",
            LedgerEntries::Table,
            &["account_id", "id"],
            false,
        )
        .await?;
        manager
            .create_table(
                Table::create()
                    .table(SigningKeys::Table)
                    .col(
                        ColumnDef::new(SigningKeys::Kid)
                            .string()
                            .not_null()
                            .primary_key(),
                    )
                    .col(ColumnDef::new(SigningKeys::PublicKey).string().not_null())
                    .col(ColumnDef::new(SigningKeys::PrivateKey).string().not_null())
                    .col(ColumnDef::new(SigningKeys::Status).string().not_null())
                    .col(
                        ColumnDef::new(SigningKeys::CreatedAt)
                            .big_integer()
                            .not_null(),
                    )
                    .col(ColumnDef::new(SigningKeys::RetiredAt).big_integer().null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Vouchers::Table)
                    .col(ColumnDef::new(Vouchers::Id).uuid().not_null().primary_key())
                    .col(ColumnDef::new(Vouchers::ChildId).uuid().not_null())
                    .col(ColumnDef::new(Vouchers::HouseholdId).uuid().not_null())
                    .col(ColumnDef::new(Vouchers::Program).string().not_null())
                    .col(ColumnDef::new(Vouchers::Kid).string().not_null())
                    .col(ColumnDef::new(Vouchers::Status).string().not_null())
                    .col(ColumnDef::new(Vouchers::IssuedBy).uuid().not_null())
                    .col(ColumnDef::new(Vouchers::IssuedAt).big_integer().not_null())
                    .col(ColumnDef::new(Vouchers::ExpiresAt).big_integer().not_null())
                    .col(ColumnDef::new(Vouchers::RedeemedAt).big_integer().null())
                    .col(ColumnDef::new(Vouchers::CancelledAt).big_integer().null())
                    .foreign_key(
                        ForeignKey::create()
                            .from(Vouchers::Table, Vouchers::ChildId)
                            .to(Children::Table, Children::Id),
                    )
                    .to_owned(),
            )
            .await?;
        // Only live codes are indexed (a handful per child), so redeeming a code shrinks a
        // small index instead of rewriting entries of a large one.
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE INDEX ix_vouchers_live ON vouchers (child_id, program) WHERE status = 'issued'",
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Redemptions::Table)
                    .col(
                        ColumnDef::new(Redemptions::Id)
                            .uuid()
                            .not_null()
                            .primary_key(),
                    )
                    .col(
                        ColumnDef::new(Redemptions::VoucherId)
                            .uuid()
                            .not_null()
                            .unique_key(),
                    )
                    .col(ColumnDef::new(Redemptions::AccountId).uuid().not_null())
                    .col(ColumnDef::new(Redemptions::ChildId).uuid().not_null())
                    .col(ColumnDef::new(Redemptions::Program).string().not_null())
                    .col(ColumnDef::new(Redemptions::Purpose).string().not_null())
                    .col(ColumnDef::new(Redemptions::PartnerId).uuid().not_null())
                    .col(ColumnDef::new(Redemptions::DeviceId).uuid().not_null())
                    .col(
                        ColumnDef::new(Redemptions::IdempotencyKey)
                            .string()
                            .not_null(),
                    )
                    .col(ColumnDef::new(Redemptions::RequestHash).string().not_null())
                    .col(
                        ColumnDef::new(Redemptions::RequestedYen)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Redemptions::ReservationFeeYen)
                            .big_integer()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(Redemptions::PickupFeeYen)
                            .big_integer()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(Redemptions::AssistanceFeeYen)
                            .big_integer()
                            .null(),
                    )
                    .col(
                        ColumnDef::new(Redemptions::CoveredYen)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Redemptions::FamilyPaysYen)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Redemptions::TicketsUsed)
                            .big_integer()
                            .not_null(),
                    )
                    .col(
                        ColumnDef::new(Redemptions::RedeemedAt)
                            .big_integer()
                            .not_null(),
                    )
                    .col(ColumnDef::new(Redemptions::LocalDate).date().not_null())
                    .col(ColumnDef::new(Redemptions::Month).string().not_null())
                    .col(ColumnDef::new(Redemptions::ResponseJson).text().not_null())
                    .col(ColumnDef::new(Redemptions::ReversedAt).big_integer().null())
                    .col(ColumnDef::new(Redemptions::ReversedByType).string().null())
                    .col(ColumnDef::new(Redemptions::ReversedBy).uuid().null())
                    .col(ColumnDef::new(Redemptions::ReversalReason).string().null())
                    .foreign_key(
                        ForeignKey::create()
                            .from(Redemptions::Table, Redemptions::VoucherId)
                            .to(Vouchers::Table, Vouchers::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Redemptions::Table, Redemptions::AccountId)
                            .to(AllowanceAccounts::Table, AllowanceAccounts::Id),
                    )
                    .to_owned(),
            )
            .await?;
        // A retried redeem finds its first answer by (device, Idempotency-Key).
        index(
            manager,
            "ux_redemptions_idempotency",
            Redemptions::Table,
            &["device_id", "idempotency_key"],
            true,
        )
        .await?;
        index(
            manager,
            "ix_redemptions_partner_month",
            Redemptions::Table,
            &["partner_id", "month"],
            false,
        )
        .await?;
        index(
            manager,
            "ix_redemptions_child_month",
            Redemptions::Table,
            &["child_id", "month"],
            false,
        )
        .await
    }
}
