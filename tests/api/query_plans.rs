//! How the database plans the service's statements: planned once and kept (SQLite's query
//! planner stability guarantee), and the partial index found where a statement needs it.

use sea_orm::{ConnectionTrait, DbBackend, Statement};

use crate::helpers::{TestApp, spawn_app, taxi_fuel};

/// The text values of one column of a query's rows.
async fn texts(app: &TestApp, stmt: Statement, column: &str) -> Vec<String> {
    app.db
        .query_all_raw(stmt)
        .await
        .unwrap()
        .iter()
        .map(|r| r.try_get::<String>("", column).unwrap())
        .collect()
}

#[tokio::test]
async fn the_built_in_sqlite_plans_a_statement_once_whatever_values_are_bound_to_it() {
    let app = spawn_app().await;
    if app.db.get_database_backend() != DbBackend::Sqlite {
        // PostgreSQL keeps its own plans; the option below is SQLite's.
        return;
    }
    // Without it SQLite plans a statement again each time its LIMIT (`LIMIT ?` in every
    // `.one()`) or a value compared with a partial index's condition is bound anew.
    let options = texts(
        &app,
        Statement::from_string(DbBackend::Sqlite, "PRAGMA compile_options"),
        "compile_options",
    )
    .await;
    assert!(
        options.iter().any(|o| o == "ENABLE_QPSG"),
        "SQLite was built without the planner's stability guarantee: {options:?}"
    );
}

#[tokio::test]
async fn issuing_a_code_cancels_the_live_one_through_the_index_of_live_codes() {
    let app = spawn_app().await;
    let backend = app.db.get_database_backend();
    let now = chrono::Utc::now();
    let update = carepass::vouchers::cancelling_live_codes(uuid::Uuid::nil(), taxi_fuel(), now);
    let stmt = sea_orm::QueryTrait::build(&update, backend);
    // The partial index's condition is written out, so that a plan made once (SQLite's, or a
    // generic plan of PostgreSQL's) can use the index whatever the other values are.
    assert!(stmt.sql.contains("= 'issued'"), "{}", stmt.sql);
    if backend == DbBackend::Sqlite {
        let plan = texts(
            &app,
            Statement::from_sql_and_values(
                backend,
                format!("EXPLAIN QUERY PLAN {}", stmt.sql),
                stmt.values.map(|v| v.0).unwrap_or_default(),
            ),
            "detail",
        )
        .await;
        assert!(
            plan.iter().any(|d| d.contains("ix_vouchers_live")),
            "{plan:?}"
        );
    }
}

#[tokio::test]
async fn only_reversed_redemptions_are_in_the_index_of_reversals_and_a_month_finds_them_there() {
    let app = spawn_app().await;
    let backend = app.db.get_database_backend();
    // Every redemption added an entry for its empty reversal month; only reversals belong.
    let definition = match backend {
        DbBackend::Sqlite => {
            "SELECT sql AS def FROM sqlite_master \
             WHERE type = 'index' AND name = 'ix_redemptions_partner_reversal_month'"
        }
        _ => {
            "SELECT indexdef AS def FROM pg_indexes \
             WHERE indexname = 'ix_redemptions_partner_reversal_month'"
        }
    };
    let defs = texts(&app, Statement::from_string(backend, definition), "def").await;
    assert_eq!(defs.len(), 1, "{defs:?}");
    let def = defs[0].to_lowercase();
    assert!(
        def.contains("where") && def.contains("reversal_month is not null"),
        "{def}"
    );
    if backend == DbBackend::Sqlite {
        // A month's reversals, asked with the month bound as a value, are found through it.
        let plan = texts(
            &app,
            Statement::from_sql_and_values(
                backend,
                "EXPLAIN QUERY PLAN SELECT id FROM redemptions \
                 WHERE partner_id = ? AND reversal_month = ?",
                [uuid::Uuid::nil().into(), "2026-11".into()],
            ),
            "detail",
        )
        .await;
        assert!(
            plan.iter()
                .any(|d| d.contains("ix_redemptions_partner_reversal_month")),
            "{plan:?}"
        );
    }
}
