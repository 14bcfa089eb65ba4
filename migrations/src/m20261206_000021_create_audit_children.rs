//! Table `audit_children`: which children each audit entry concerns, so a child's page can show
//! the trail of everything done for that child (a play booking can name several children, hence
//! a table rather than a column). Entries written before this migration are linked from the
//! objects they name: enrollments, vouchers, redemptions, allowance accounts, correction
//! proposals, respite visits, short stays, play bookings and the child itself. The log also
//! gains an index by time: it is read newest first by when things happened.

use sea_orm_migration::prelude::*;

use crate::index;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum AuditChildren {
    Table,
    AuditId,
    ChildId,
}

/// (object_type in the audit log, the table whose `id` it names, that table's child column).
const LINKS: &[(&str, &str, &str)] = &[
    ("child", "children", "id"),
    ("enrollment", "enrollments", "child_id"),
    ("voucher", "vouchers", "child_id"),
    ("redemption", "redemptions", "child_id"),
    ("allowance_account", "allowance_accounts", "child_id"),
    ("adjustment_proposal", "adjustment_proposals", "child_id"),
    ("respite_visit", "respite_visits", "child_id"),
    ("short_stay", "short_stays", "child_id"),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(AuditChildren::Table)
                    .col(ColumnDef::new(AuditChildren::AuditId).uuid().not_null())
                    .col(ColumnDef::new(AuditChildren::ChildId).uuid().not_null())
                    .primary_key(
                        Index::create()
                            .col(AuditChildren::AuditId)
                            .col(AuditChildren::ChildId),
                    )
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "idx_audit_children_child",
            AuditChildren::Table,
            &["child_id", "audit_id"],
            false,
        )
        .await?;
        // The log reads newest first by when things happened.
        manager
            .create_index(
                Index::create()
                    .name("ix_audit_log_occurred")
                    .table(Alias::new("audit_log"))
                    .col(Alias::new("occurred_at"))
                    .col(Alias::new("id"))
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        for (object_type, table, column) in LINKS {
            db.execute_unprepared(&format!(
                "INSERT INTO audit_children (audit_id, child_id) \
                 SELECT a.id, o.{column} FROM audit_log a JOIN {table} o ON o.id = a.object_id \
                 WHERE a.object_type = '{object_type}'"
            ))
            .await?;
        }
        db.execute_unprepared(
            "INSERT INTO audit_children (audit_id, child_id) \
             SELECT a.id, c.child_id FROM audit_log a \
             JOIN play_booking_children c ON c.booking_id = a.object_id \
             WHERE a.object_type = 'play_booking'",
        )
        .await?;
        Ok(())
    }
}
