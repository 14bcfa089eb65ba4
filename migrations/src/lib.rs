//! Schema migrations for Carepass, shared by SQLite and PostgreSQL.
//!
//! Instants are stored as BIGINT microseconds since the Unix epoch (UTC) so that they
//! compare and sort the same way on both engines; calendar dates are DATE.

pub use sea_orm_migration::prelude::*;

mod m20261124_000001_create_households_and_accounts;
mod m20261124_000002_create_children_and_enrollments;
mod m20261124_000003_create_partners_and_devices;
mod m20261124_000004_create_audit_log;
mod m20261124_000005_create_allowances_and_vouchers;
mod m20261124_000006_create_respite_visits;
mod m20261124_000007_create_notifications;
mod m20261124_000008_create_short_stays;
mod m20261124_000009_create_play_space;
mod m20261129_000010_create_adjustment_proposals;
mod m20261129_000011_add_respite_records;
mod m20261129_000012_create_settlement_closings;
mod m20261129_000013_create_login_throttle;
mod m20261129_000014_create_second_factors;
mod m20261204_000015_add_enrollment_renewals_and_certificates;
mod m20261204_000016_index_enrollments_by_child_and_program;
mod m20261204_000017_add_unit_to_adjustment_proposals;
mod m20261205_000018_add_household_contact;
mod m20261205_000019_add_notification_text;
mod m20261205_000020_add_adjusted_to_allowance_accounts;
mod m20261206_000021_create_audit_children;
mod m20261206_000022_add_play_session_cancellation;
mod m20261206_000023_add_short_stay_cancellation;
mod m20261208_000024_index_only_reversed_redemptions;

pub struct Migrator;

impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261124_000001_create_households_and_accounts::Migration),
            Box::new(m20261124_000002_create_children_and_enrollments::Migration),
            Box::new(m20261124_000003_create_partners_and_devices::Migration),
            Box::new(m20261124_000004_create_audit_log::Migration),
            Box::new(m20261124_000005_create_allowances_and_vouchers::Migration),
            Box::new(m20261124_000006_create_respite_visits::Migration),
            Box::new(m20261124_000007_create_notifications::Migration),
            Box::new(m20261124_000008_create_short_stays::Migration),
            Box::new(m20261124_000009_create_play_space::Migration),
            Box::new(m20261129_000010_create_adjustment_proposals::Migration),
            Box::new(m20261129_000011_add_respite_records::Migration),
            Box::new(m20261129_000012_create_settlement_closings::Migration),
            Box::new(m20261129_000013_create_login_throttle::Migration),
            Box::new(m20261129_000014_create_second_factors::Migration),
            Box::new(m20261204_000015_add_enrollment_renewals_and_certificates::Migration),
            Box::new(m20261204_000016_index_enrollments_by_child_and_program::Migration),
            Box::new(m20261204_000017_add_unit_to_adjustment_proposals::Migration),
            Box::new(m20261205_000018_add_household_contact::Migration),
            Box::new(m20261205_000019_add_notification_text::Migration),
            Box::new(m20261205_000020_add_adjusted_to_allowance_accounts::Migration),
            Box::new(m20261206_000021_create_audit_children::Migration),
            Box::new(m20261206_000022_add_play_session_cancellation::Migration),
            Box::new(m20261206_000023_add_short_stay_cancellation::Migration),
            Box::new(m20261208_000024_index_only_reversed_redemptions::Migration),
        ]
    }
}

/// Creates an index; a small helper so each migration reads as a list of tables.
pub(crate) async fn index(
    manager: &SchemaManager<'_>,
    name: &str,
    table: impl IntoIden + 'static,
    columns: &[&'static str],
    unique: bool,
) -> Result<(), DbErr> {
    let mut stmt = Index::create();
    stmt.name(name).table(table);
    for c in columns {
        stmt.col(Alias::new(*c));
    }
    if unique {
        stmt.unique();
    }
    manager.create_index(stmt).await
}
