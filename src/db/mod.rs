//! Connecting, migrating, and running write transactions the same way on SQLite and PostgreSQL.
//!
//! SQLite: one connection, WAL, a busy timeout, foreign keys on, and every write transaction
//! `BEGIN IMMEDIATE` so that writers queue instead of failing half-way; the writes of many
//! requests share one commit ([`group`]). PostgreSQL: a small pool; serialization failures and
//! deadlocks are retried.

pub mod deferred;
pub mod group;
mod tx;

pub use tx::Tx;

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use migration::{Migrator, MigratorTrait};
use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous as SqlxSynchronous};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction, DbBackend,
    DbErr, ExecResult, QueryResult, SqliteTransactionMode, Statement, TransactionOptions,
    TransactionTrait,
};

use crate::config::{Config, SqliteSynchronous};

/// A database as the service uses it: the connection (pool) and, for the SQLite writer, the
/// group commit every write goes through. Reads use it as any sea-orm connection.
#[derive(Clone)]
pub struct Db {
    conn: DatabaseConnection,
    group: Option<Arc<group::GroupCommit>>,
    statements: Arc<AtomicU64>,
}

impl Db {
    /// Wraps a connection whose writes each commit on their own (PostgreSQL, read pools).
    pub fn single(conn: DatabaseConnection) -> Db {
        let (conn, statements) = counting(conn);
        Db {
            conn,
            group: None,
            statements,
        }
    }

    /// Wraps the SQLite writer connection: writes share commits, in batches of up to
    /// `max_batch`, with up to `max_waiting` requests queued.
    pub fn grouped(conn: DatabaseConnection, max_batch: usize, max_waiting: usize) -> Db {
        let (conn, statements) = counting(conn);
        let group = group::GroupCommit::start(conn.clone(), max_batch, max_waiting);
        Db {
            conn,
            group: Some(group),
            statements,
        }
    }

    /// How many calls this connection has made to the database (each a round trip to
    /// PostgreSQL or a crossing to SQLite's thread): statements, and a write's savepoint
    /// commands when they go alone; `BEGIN` and `COMMIT` are not counted.
    pub fn statements(&self) -> u64 {
        self.statements.load(Ordering::Relaxed)
    }

    /// Whether writes share one writer and its commits (the SQLite writer): what a write reads
    /// inside its transaction then holds every other write back.
    pub fn shares_writer(&self) -> bool {
        self.group.is_some()
    }

    /// What group commit has done, where writes go through it (the SQLite writer).
    pub fn group_stats(&self) -> Option<group::Stats> {
        self.group.as_ref().map(|g| g.stats())
    }

    /// The sea-orm connection underneath (for migrations and pool figures).
    pub fn conn(&self) -> &DatabaseConnection {
        &self.conn
    }

    pub async fn close(self) -> Result<(), DbErr> {
        self.conn.close().await
    }
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Db")
            .field("backend", &self.conn.get_database_backend())
            .field("group_commit", &self.group.is_some())
            .finish()
    }
}

#[async_trait::async_trait]
impl ConnectionTrait for Db {
    fn get_database_backend(&self) -> DbBackend {
        self.conn.get_database_backend()
    }

    async fn execute_raw(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        self.conn.execute_raw(stmt).await
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        self.conn.execute_unprepared(sql).await
    }

    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        self.conn.query_one_raw(stmt).await
    }

    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        self.conn.query_all_raw(stmt).await
    }

    fn support_returning(&self) -> bool {
        self.conn.support_returning()
    }
}

/// The connection with a callback that counts each statement it sends, here and in
/// `carepass_db_statements_total`.
fn counting(mut conn: DatabaseConnection) -> (DatabaseConnection, Arc<AtomicU64>) {
    let statements = Arc::new(AtomicU64::new(0));
    let count = statements.clone();
    conn.set_metric_callback(move |_| {
        count.fetch_add(1, Ordering::Relaxed);
        metrics::counter!("carepass_db_statements_total").increment(1);
    });
    (conn, statements)
}

/// Opens the configured database (creating a SQLite file and its folder if needed); the
/// SQLite writer commits in groups.
pub async fn connect(config: &Config) -> Result<Db, DbErr> {
    connect_url(&config.database_url(), config).await
}

pub async fn connect_url(url: &str, config: &Config) -> Result<Db, DbErr> {
    let conn = open(url, config).await?;
    Ok(match conn.get_database_backend() {
        DbBackend::Sqlite => Db::grouped(
            conn,
            config.database.write_batch_max,
            config.database.write_queue_max,
        ),
        _ => Db::single(conn),
    })
}

async fn open(url: &str, config: &Config) -> Result<DatabaseConnection, DbErr> {
    let mut options = ConnectOptions::new(url.to_owned());
    options
        .sqlx_logging(false)
        .connect_timeout(Duration::from_secs(10));
    if url.starts_with("sqlite:") {
        if let Some(path) = sqlite_file(url)
            && let Some(dir) = std::path::Path::new(&path).parent()
            && !dir.as_os_str().is_empty()
        {
            std::fs::create_dir_all(dir)
                .map_err(|e| DbErr::Custom(format!("cannot create {}: {e}", dir.display())))?;
        }
        let sync = match config.database.sqlite_synchronous {
            SqliteSynchronous::Full => SqlxSynchronous::Full,
            SqliteSynchronous::Normal => SqlxSynchronous::Normal,
        };
        let busy = Duration::from_millis(config.database.sqlite_busy_timeout_ms);
        // One connection: SQLite has one writer, and more connections only add lock waits.
        options.max_connections(1).min_connections(1);
        options.map_sqlx_sqlite_opts(move |o| {
            o.create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(sync)
                .busy_timeout(busy)
                .foreign_keys(true)
                // 16 MiB of page cache for the one writer; pages are read, not mapped: a mapped
                // page counts in the resident size once per connection that touched it.
                .pragma("cache_size", "-16384")
                .pragma("mmap_size", "0")
        });
    } else {
        options
            .max_connections(config.database.postgres_pool_size.max(1))
            .min_connections(1)
            .acquire_timeout(Duration::from_secs(10));
    }
    Database::connect(options).await
}

/// A pool for reads. On SQLite: up to four read-only connections beside the one writer (WAL
/// lets them read while it writes); on PostgreSQL: the writer's own pool.
pub async fn connect_reader(writer: &Db, config: &Config) -> Result<Db, DbErr> {
    let url = config.database_url();
    if !url.starts_with("sqlite:") || sqlite_file(&url).is_none() {
        return Ok(Db::single(writer.conn.clone()));
    }
    let busy = Duration::from_millis(config.database.sqlite_busy_timeout_ms);
    let mut options = ConnectOptions::new(url);
    options
        .sqlx_logging(false)
        .test_before_acquire(false)
        .max_connections(4)
        .min_connections(1)
        .connect_timeout(Duration::from_secs(10));
    options.map_sqlx_sqlite_opts(move |o| {
        o.read_only(true)
            .busy_timeout(busy)
            .foreign_keys(true)
            // 4 MiB of page cache each, pages read, not mapped (see `open`).
            .pragma("cache_size", "-4096")
            .pragma("mmap_size", "0")
    });
    Database::connect(options).await.map(Db::single)
}

fn sqlite_file(url: &str) -> Option<String> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next()?;
    if path.is_empty() || path == ":memory:" {
        None
    } else {
        Some(path.to_owned())
    }
}

/// Writes a consistent, compacted copy of a SQLite database to `to` (which must not exist),
/// while other connections go on reading and writing: `VACUUM INTO` reads one snapshot.
/// PostgreSQL deployments back up with `pg_dump` instead.
pub async fn backup_sqlite(db: &Db, to: &std::path::Path) -> Result<(), DbErr> {
    use sea_orm::DatabaseBackend;
    if db.get_database_backend() != DatabaseBackend::Sqlite {
        return Err(DbErr::Custom(
            "backup writes SQLite files; back up PostgreSQL with pg_dump".into(),
        ));
    }
    if to.exists() {
        return Err(DbErr::Custom(format!("{} already exists", to.display())));
    }
    let target = to
        .to_str()
        .ok_or_else(|| DbErr::Custom("the backup path must be valid UTF-8".into()))?;
    db.execute_raw(Statement::from_sql_and_values(
        DatabaseBackend::Sqlite,
        "VACUUM INTO ?",
        [target.into()],
    ))
    .await?;
    Ok(())
}

/// Applies every pending migration.
pub async fn migrate(db: &Db) -> Result<(), DbErr> {
    Migrator::up(&db.conn, None).await
}

/// Starts a write transaction: `BEGIN IMMEDIATE` on SQLite, a plain `BEGIN` on PostgreSQL.
pub async fn begin_write(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    db.begin_with_options(TransactionOptions {
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        ..Default::default()
    })
    .await
}

/// The boxed future a transaction body returns.
pub type TxFuture<'c, T, E> = Pin<Box<dyn Future<Output = Result<T, E>> + Send + 'c>>;

/// Errors a write body can return: either a database error (maybe worth retrying) or a rule.
pub trait FromDb: From<DbErr> {
    fn as_db(&self) -> Option<&DbErr>;
}

/// Runs `body` in a write transaction, commits on `Ok`, rolls back on `Err`, and retries the
/// whole body (a few times, with a short pause) when the database reports a transient conflict.
/// On the SQLite writer the body runs in a savepoint of a shared transaction ([`group`]); it
/// returns once that transaction has committed.
pub async fn write<T, E, F>(db: &Db, body: F) -> Result<T, E>
where
    E: FromDb,
    F: for<'c> Fn(&'c Tx<'c>) -> TxFuture<'c, T, E>,
{
    if let Some(group) = &db.group {
        return crate::telemetry::counting_after_commit(group.write(&body)).await;
    }
    let db = &db.conn;
    let mut attempt = 0u32;
    loop {
        attempt += 1;
        let result = crate::telemetry::counting_after_commit(async {
            let waited = std::time::Instant::now();
            let tx = begin_write(db).await?;
            metrics::histogram!("carepass_db_write_begin_seconds")
                .record(waited.elapsed().as_secs_f64());
            let outcome = Tx::whole(&tx).run(&body).await;
            match outcome {
                Ok(value) => {
                    tx.commit().await?;
                    Ok(value)
                }
                Err(e) => {
                    let _ = tx.rollback().await;
                    Err(e)
                }
            }
        })
        .await;
        match result {
            Err(e) if attempt < 5 && e.as_db().is_some_and(is_retryable) => {
                tokio::time::sleep(Duration::from_millis(5 * u64::from(attempt))).await;
            }
            other => return other,
        }
    }
}

fn database_code(err: &DbErr) -> Option<String> {
    use sea_orm::RuntimeErr;
    let inner = match err {
        DbErr::Exec(RuntimeErr::SqlxError(e))
        | DbErr::Query(RuntimeErr::SqlxError(e))
        | DbErr::Conn(RuntimeErr::SqlxError(e)) => e,
        _ => return None,
    };
    match inner.as_ref() {
        sea_orm::sqlx::Error::Database(d) => d.code().map(|c| c.into_owned()),
        _ => None,
    }
}

/// PostgreSQL serialization failure (40001) or deadlock (40P01): safe to run again.
pub fn is_retryable(err: &DbErr) -> bool {
    matches!(database_code(err).as_deref(), Some("40001") | Some("40P01"))
}

/// The database is momentarily unable to take the work (SQLite busy/locked, pool exhausted,
/// PostgreSQL conflicts that survived the retries): answered 503 with Retry-After.
pub fn is_busy(err: &DbErr) -> bool {
    use sea_orm::RuntimeErr;
    if is_retryable(err) {
        return true;
    }
    if let DbErr::ConnectionAcquire(_) = err {
        return true;
    }
    if let DbErr::Conn(RuntimeErr::SqlxError(e))
    | DbErr::Exec(RuntimeErr::SqlxError(e))
    | DbErr::Query(RuntimeErr::SqlxError(e)) = err
        && matches!(e.as_ref(), sea_orm::sqlx::Error::PoolTimedOut)
    {
        return true;
    }
    // SQLite: 5 SQLITE_BUSY, 6 SQLITE_LOCKED and their extended codes (x + 256 * n).
    matches!(database_code(err).and_then(|c| c.parse::<i64>().ok()), Some(c) if c & 0xff == 5 || c & 0xff == 6)
}

/// A unique constraint refused the write (for example two requests racing for the same slot).
pub fn is_unique_violation(err: &DbErr) -> bool {
    matches!(
        err.sql_err(),
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
    )
}

impl FromDb for DbErr {
    fn as_db(&self) -> Option<&DbErr> {
        Some(self)
    }
}

/// Connections of a pool: (open, idle).
pub fn pool_usage(db: &Db) -> (u32, usize) {
    match db.get_database_backend() {
        sea_orm::DbBackend::Postgres => {
            let pool = db.conn.get_postgres_connection_pool();
            (pool.size(), pool.num_idle())
        }
        _ => {
            let pool = db.conn.get_sqlite_connection_pool();
            (pool.size(), pool.num_idle())
        }
    }
}
