//! Index: redemptions by partner and the month their reversal counts in, holding only the
//! reversed ones. A month's statement reads its reversals through it; every redemption used to
//! add an entry to it (a `NULL` month), so the index grew with every code redeemed and each
//! redemption paid for one more index insert. Few redemptions are ever reversed.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // The same words on both engines.
        let conn = manager.get_connection();
        conn.execute_unprepared("DROP INDEX ix_redemptions_partner_reversal_month")
            .await?;
        conn.execute_unprepared(
            "CREATE INDEX ix_redemptions_partner_reversal_month \
             ON redemptions (partner_id, reversal_month) WHERE reversal_month IS NOT NULL",
        )
        .await
        .map(drop)
    }
}
