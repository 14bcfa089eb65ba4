//! Inserts whose answer nobody reads, sent together: the rows a write adds at its end (a ledger
//! entry, the redemption, its audit entry, the family's notification) reach the database in one
//! call instead of one call each.
//!
//! A write that calls [`super::Tx::defer_inserts`] keeps its plain `INSERT`s (no `RETURNING`,
//! no `ON CONFLICT`), which answer "0 rows": it passes its transaction only to code that does
//! not read how many rows an insert wrote (`exec_without_returning` whose count is dropped).
//! Anything else (a read, an update, an insert that returns or may conflict) first sends what
//! is kept (on SQLite, a query carries it in front, in the same call), so every statement sees
//! the rows before it as it would have one at a time; the rest goes when the write ends, before
//! its commit (or its savepoint's release).
//!
//! Kept inserts go as one call: on SQLite one string of statements (sqlx binds each `?` in
//! order across them), on PostgreSQL one statement whose inserts but the last are
//! data-modifying `WITH` parts (their `$n` renumbered). A failure (a unique key, a foreign key)
//! is the same database error the insert alone would have raised, and the transaction around
//! it rolls back as before.

use sea_orm::sea_query::Values;
use sea_orm::{DbBackend, ExecResult, Statement, sqlx::postgres, sqlx::sqlite};

/// Whether a statement may wait: an insert that neither returns rows nor may skip one.
pub(super) fn may_wait(statement: &Statement) -> bool {
    let sql = statement.sql.trim_start();
    sql.get(..7)
        .is_some_and(|head| head.eq_ignore_ascii_case("INSERT "))
        && !sql.contains(" RETURNING ")
        && !sql.contains(" ON CONFLICT ")
}

/// What a kept insert answers: no rows counted.
pub(super) fn nothing_counted(backend: DbBackend) -> ExecResult {
    match backend {
        DbBackend::Postgres => postgres::PgQueryResult::default().into(),
        _ => sqlite::SqliteQueryResult::default().into(),
    }
}

/// The kept inserts as one statement; `None` when there are none.
pub(super) fn combined(backend: DbBackend, mut kept: Vec<Statement>) -> Option<Statement> {
    if kept.len() <= 1 {
        return kept.pop();
    }
    let mut values = Vec::new();
    let mut parts = Vec::with_capacity(kept.len());
    for statement in kept {
        parts.push(match backend {
            DbBackend::Postgres => renumbered(&statement.sql, values.len()),
            _ => statement.sql,
        });
        values.extend(statement.values.into_iter().flat_map(|v| v.0));
    }
    let sql = match backend {
        DbBackend::Postgres => {
            let last = parts.pop().unwrap_or_default();
            let with: Vec<String> = parts
                .iter()
                .enumerate()
                .map(|(i, part)| format!("kept_{i} AS ({part})"))
                .collect();
            format!("WITH {} {last}", with.join(", "))
        }
        _ => parts.join(";\n"),
    };
    Some(Statement::from_sql_and_values(backend, sql, Values(values)))
}

/// PostgreSQL's `$n` placeholders moved up by `by`, outside quoted text and names.
fn renumbered(sql: &str, by: usize) -> String {
    let mut out = String::with_capacity(sql.len() + 8);
    let mut chars = sql.chars().peekable();
    let mut quote: Option<char> = None;
    while let Some(c) = chars.next() {
        match quote {
            Some(q) => {
                out.push(c);
                if c == q {
                    quote = None;
                }
            }
            None if c == '\'' || c == '"' => {
                quote = Some(c);
                out.push(c);
            }
            None if c == '$' && chars.peek().is_some_and(char::is_ascii_digit) => {
                let mut digits = String::new();
                while let Some(d) = chars.next_if(char::is_ascii_digit) {
                    digits.push(d);
                }
                let n: usize = digits.parse().unwrap_or(0);
                out.push('$');
                out.push_str(&(n + by).to_string());
            }
            None => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn statement(backend: DbBackend, sql: &str, values: Vec<sea_orm::Value>) -> Statement {
        Statement::from_sql_and_values(backend, sql, values)
    }

    #[test]
    fn only_plain_inserts_wait() {
        let s = |sql: &str| statement(DbBackend::Sqlite, sql, vec![]);
        assert!(may_wait(&s("INSERT INTO \"a\" (\"x\") VALUES (?)")));
        assert!(!may_wait(&s(
            "INSERT INTO \"a\" (\"x\") VALUES (?) RETURNING \"x\""
        )));
        assert!(!may_wait(&s(
            "INSERT INTO \"a\" (\"x\") VALUES (?) ON CONFLICT (\"x\") DO NOTHING"
        )));
        assert!(!may_wait(&s("UPDATE \"a\" SET \"x\" = ?")));
        assert!(!may_wait(&s("SELECT 1")));
    }

    #[test]
    fn postgres_inserts_become_one_statement_with_their_placeholders_in_order() {
        let pg =
            |sql: &str, values: Vec<sea_orm::Value>| statement(DbBackend::Postgres, sql, values);
        let one = combined(
            DbBackend::Postgres,
            vec![
                pg(
                    "INSERT INTO \"a\" (\"x\", \"y\") VALUES ($1, $2)",
                    vec![1.into(), 2.into()],
                ),
                pg("INSERT INTO \"b$1\" (\"z\") VALUES ($1)", vec![3.into()]),
                pg(
                    "INSERT INTO \"c\" (\"t\", \"u\") VALUES ('$1', $1)",
                    vec![4.into()],
                ),
            ],
        )
        .unwrap();
        assert_eq!(
            one.sql,
            "WITH kept_0 AS (INSERT INTO \"a\" (\"x\", \"y\") VALUES ($1, $2)), \
             kept_1 AS (INSERT INTO \"b$1\" (\"z\") VALUES ($3)) \
             INSERT INTO \"c\" (\"t\", \"u\") VALUES ('$1', $4)"
        );
        assert_eq!(
            one.values.unwrap().0,
            vec![1.into(), 2.into(), 3.into(), 4.into()] as Vec<sea_orm::Value>
        );
    }

    #[test]
    fn sqlite_inserts_become_one_string_of_statements() {
        let lite =
            |sql: &str, values: Vec<sea_orm::Value>| statement(DbBackend::Sqlite, sql, values);
        let one = combined(
            DbBackend::Sqlite,
            vec![
                lite("INSERT INTO \"a\" VALUES (?, ?)", vec![1.into(), 2.into()]),
                lite("INSERT INTO \"b\" VALUES (?)", vec![3.into()]),
            ],
        )
        .unwrap();
        assert_eq!(
            one.sql,
            "INSERT INTO \"a\" VALUES (?, ?);\nINSERT INTO \"b\" VALUES (?)"
        );
        assert_eq!(one.values.unwrap().0.len(), 3);
        assert!(combined(DbBackend::Sqlite, vec![]).is_none());
    }
}
