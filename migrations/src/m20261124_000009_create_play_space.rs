//! Tables: play_sessions (sessions of the inclusive play space with their capacities and
//! running counts), play_bookings (a household's booking, confirmed or waiting), and
//! play_booking_children (which children a live booking holds: one booking per child and
//! session).

use sea_orm_migration::prelude::*;

use crate::index;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum PlaySessions {
    Table,
    Id,
    Title,
    StartsAt,
    EndsAt,
    CapacityChildren,
    CapacityAdults,
    VentilatorPlaces,
    BookingOpensAt,
    BookingClosesAt,
    BookedChildren,
    BookedAdults,
    BookedVentilator,
    CreatedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum PlayBookings {
    Table,
    Id,
    SessionId,
    HouseholdId,
    Status,
    Children,
    Adults,
    VentilatorChildren,
    CreatedAt,
    PromotedAt,
    CancelledAt,
    CheckedInAt,
    BookedBy,
}

#[derive(DeriveIden)]
enum PlayBookingChildren {
    Table,
    BookingId,
    SessionId,
    ChildId,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use PlaySessions as S;
        manager
            .create_table(
                Table::create()
                    .table(S::Table)
                    .col(ColumnDef::new(S::Id).uuid().not_null().primary_key())
                    .col(ColumnDef::new(S::Title).string().not_null())
                    .col(ColumnDef::new(S::StartsAt).big_integer().not_null())
                    .col(ColumnDef::new(S::EndsAt).big_integer().not_null())
                    .col(ColumnDef::new(S::CapacityChildren).big_integer().not_null())
                    .col(ColumnDef::new(S::CapacityAdults).big_integer().not_null())
                    .col(ColumnDef::new(S::VentilatorPlaces).big_integer().null())
                    .col(ColumnDef::new(S::BookingOpensAt).big_integer().not_null())
                    .col(ColumnDef::new(S::BookingClosesAt).big_integer().not_null())
                    .col(ColumnDef::new(S::BookedChildren).big_integer().not_null())
                    .col(ColumnDef::new(S::BookedAdults).big_integer().not_null())
                    .col(ColumnDef::new(S::BookedVentilator).big_integer().not_null())
                    .col(ColumnDef::new(S::CreatedBy).uuid().null())
                    .col(ColumnDef::new(S::CreatedAt).big_integer().not_null())
                    // Capacities are never exceeded, whatever the code above does.
                    .check(Expr::col(S::BookedChildren).lte(Expr::col(S::CapacityChildren)))
                    .check(Expr::col(S::BookedAdults).lte(Expr::col(S::CapacityAdults)))
                    .check(Expr::col(S::BookedChildren).gte(0))
                    .check(Expr::col(S::BookedAdults).gte(0))
                    .check(Expr::col(S::BookedVentilator).gte(0))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "ix_play_sessions_start",
            S::Table,
            &["starts_at"],
            false,
        )
        .await?;
        use PlayBookings as B;
        manager
            .create_table(
                Table::create()
                    .table(B::Table)
                    .col(ColumnDef::new(B::Id).uuid().not_null().primary_key())
                    .col(ColumnDef::new(B::SessionId).uuid().not_null())
                    .col(ColumnDef::new(B::HouseholdId).uuid().not_null())
                    .col(ColumnDef::new(B::Status).string().not_null())
                    .col(ColumnDef::new(B::Children).big_integer().not_null())
                    .col(ColumnDef::new(B::Adults).big_integer().not_null())
                    .col(
                        ColumnDef::new(B::VentilatorChildren)
                            .big_integer()
                            .not_null(),
                    )
                    .col(ColumnDef::new(B::CreatedAt).big_integer().not_null())
                    .col(ColumnDef::new(B::PromotedAt).big_integer().null())
                    .col(ColumnDef::new(B::CancelledAt).big_integer().null())
                    .col(ColumnDef::new(B::CheckedInAt).big_integer().null())
                    .col(ColumnDef::new(B::BookedBy).uuid().not_null())
                    .to_owned(),
            )
            .await?;
        // The waiting list in order, and a household's bookings.
        index(
            manager,
            "ix_play_bookings_session",
            B::Table,
            &["session_id", "status", "created_at"],
            false,
        )
        .await?;
        index(
            manager,
            "ix_play_bookings_household",
            B::Table,
            &["household_id"],
            false,
        )
        .await?;
        use PlayBookingChildren as C;
        manager
            .create_table(
                Table::create()
                    .table(C::Table)
                    .col(ColumnDef::new(C::BookingId).uuid().not_null())
                    .col(ColumnDef::new(C::SessionId).uuid().not_null())
                    .col(ColumnDef::new(C::ChildId).uuid().not_null())
                    .primary_key(Index::create().col(C::SessionId).col(C::ChildId))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "ix_play_booking_children_booking",
            C::Table,
            &["booking_id"],
            false,
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            PlayBookingChildren::Table.into_iden(),
            PlayBookings::Table.into_iden(),
            PlaySessions::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(t).to_owned())
                .await?;
        }
        Ok(())
    }
}
