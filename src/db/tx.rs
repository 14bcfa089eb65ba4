//! What a write body is given by [`super::write`]: its transaction, reached through fewer calls.
//!
//! On the SQLite writer a body runs in a savepoint of the batch's shared transaction
//! ([`super::group`]). Opening and releasing that savepoint on their own were two crossings to
//! sqlx's database thread per write (the writer does nothing else meanwhile); here the
//! `SAVEPOINT` goes out in front of the body's first read (or first kept inserts), and the
//! `RELEASE` behind its last call. A body that sends nothing opens no savepoint.
//!
//! From [`Tx::defer_inserts`] on, the body's plain inserts wait (see [`super::deferred`]) and
//! go before its next other statement (on SQLite in the same call when that is a query), or at
//! its end together with the release. [`Tx::keep`] makes any statement wait so, for one whose
//! count the next statement checks in SQL; [`Tx::undo`] takes back what a body wrote so far.
//! A body that fails sends none of what waits; its savepoint, if opened, is rolled back by the
//! group writer. A body sends its statements one after another (as on any transaction): the
//! first one sent carries the savepoint's opening.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

use sea_orm::{
    ConnectionTrait, DatabaseTransaction, DbBackend, DbErr, ExecResult, QueryResult, Statement,
};

use super::{FromDb, TxFuture, deferred};

/// Opens a write's savepoint in the batch (sent in front of its first statement).
const SAVEPOINT: &str = "SAVEPOINT carepass_write";
/// Ends a write's savepoint, keeping what it wrote in the batch.
const RELEASE: &str = "RELEASE carepass_write";
/// Undoes what a write wrote in the batch, keeping its savepoint open.
const UNDO: &str = "ROLLBACK TO carepass_write";
/// Undoes what a write wrote in the batch and ends its savepoint.
pub(super) const ROLLBACK: &str = "ROLLBACK TO carepass_write; RELEASE carepass_write";

/// A write body's connection (see the module's text).
pub struct Tx<'c> {
    conn: &'c DatabaseTransaction,
    /// In a batch: whether this write's savepoint is open (set as its opening is sent, so that
    /// a write dropped half-way is seen to have left it open).
    savepoint: Option<&'c AtomicBool>,
    waiting: Mutex<Waiting>,
}

#[derive(Default)]
struct Waiting {
    defer: bool,
    kept: Vec<Statement>,
}

impl<'c> Tx<'c> {
    /// A write that has the transaction to itself (PostgreSQL, a write committed alone).
    pub(super) fn whole(conn: &'c DatabaseTransaction) -> Self {
        Tx {
            conn,
            savepoint: None,
            waiting: Mutex::default(),
        }
    }

    /// A write in a savepoint of the batch's transaction; `open` is the group writer's flag.
    pub(super) fn in_savepoint(conn: &'c DatabaseTransaction, open: &'c AtomicBool) -> Self {
        Tx {
            conn,
            savepoint: Some(open),
            waiting: Mutex::default(),
        }
    }

    /// From here on, plain inserts (no `RETURNING`, no `ON CONFLICT`) wait and answer "0 rows";
    /// pass the transaction on only to code that does not read an insert's count.
    pub fn defer_inserts(&self) {
        self.waiting().defer = true;
    }

    /// Sends `statement` in front of the body's next call to the database (on SQLite in the same
    /// call, even before a read), not on its own: for a statement whose count nobody reads
    /// because the next one checks what it did (see `vouchers::redeem`).
    pub fn keep(&self, statement: Statement) {
        self.waiting().kept.push(statement);
    }

    /// Whether [`Tx::undo`] can take back what the body wrote so far (a write in a savepoint).
    pub fn can_undo(&self) -> bool {
        self.savepoint.is_some()
    }

    /// Takes back everything the body wrote so far, and what waits, and lets it start again
    /// (its savepoint stays open). Only where [`Tx::can_undo`]; elsewhere it refuses.
    pub async fn undo(&self) -> Result<(), DbErr> {
        let Some(open) = self.savepoint else {
            return Err(DbErr::Custom(
                "a whole transaction cannot be partly undone".into(),
            ));
        };
        self.waiting().kept.clear();
        if open.load(Ordering::Acquire) {
            let undo = Statement::from_string(DbBackend::Sqlite, UNDO);
            self.conn.execute_raw(undo).await?;
        }
        Ok(())
    }

    /// Runs a write's body here, then sends what it left waiting (and, in a batch, releases
    /// its savepoint).
    pub(super) async fn run<T, E, F>(&self, body: &F) -> Result<T, E>
    where
        E: FromDb,
        F: for<'a> Fn(&'a Tx<'a>) -> TxFuture<'a, T, E>,
    {
        let value = body(self).await?;
        self.finish().await?;
        Ok(value)
    }

    /// Sends what waits and, in a batch, releases the savepoint: one call.
    async fn finish(&self) -> Result<(), DbErr> {
        let mut kept = std::mem::take(&mut self.waiting().kept);
        let open = self.savepoint.is_some_and(|o| o.load(Ordering::Acquire));
        if self.savepoint.is_some() && (open || !kept.is_empty()) {
            kept.push(Statement::from_string(DbBackend::Sqlite, RELEASE));
        }
        let Some(last) = deferred::combined(self.get_database_backend(), kept) else {
            return Ok(());
        };
        self.conn.execute_raw(self.opened(last)).await?;
        if let Some(open) = self.savepoint {
            open.store(false, Ordering::Release);
        }
        Ok(())
    }

    fn waiting(&self) -> std::sync::MutexGuard<'_, Waiting> {
        self.waiting.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The statement, with the savepoint's opening in front when this is the first one sent.
    fn opened(&self, mut statement: Statement) -> Statement {
        if let Some(open) = self.savepoint
            && !open.swap(true, Ordering::AcqRel)
        {
            statement.sql = format!("{SAVEPOINT};\n{}", statement.sql);
        }
        statement
    }

    /// Opens the savepoint in a call of its own, when it is due, before a statement whose count
    /// of changed rows is read: SQLite counts a `SAVEPOINT` as the last statement's changes
    /// again, so it cannot go in front of one.
    async fn open_alone(&self) -> Result<(), DbErr> {
        if let Some(open) = self.savepoint
            && !open.swap(true, Ordering::AcqRel)
        {
            let opening = Statement::from_string(DbBackend::Sqlite, SAVEPOINT);
            self.conn.execute_raw(opening).await?;
        }
        Ok(())
    }

    /// A query with what waits in front of it: on SQLite in the same call (its statements run
    /// one after another, and the kept ones return no rows); on PostgreSQL, where a statement
    /// does not see what its own `WITH` parts write, what waits is sent first.
    async fn after_kept(&self, stmt: Statement) -> Result<Statement, DbErr> {
        if self.get_database_backend() != DbBackend::Sqlite {
            self.send_kept().await?;
            return Ok(stmt);
        }
        let mut kept = std::mem::take(&mut self.waiting().kept);
        if kept.is_empty() {
            return Ok(stmt);
        }
        kept.push(stmt);
        deferred::combined(DbBackend::Sqlite, kept)
            .ok_or_else(|| DbErr::Custom("a query with nothing to send".into()))
    }

    /// Sends the inserts that wait, before a statement that may read what they write.
    async fn send_kept(&self) -> Result<(), DbErr> {
        let kept = std::mem::take(&mut self.waiting().kept);
        match deferred::combined(self.get_database_backend(), kept) {
            Some(statement) => self
                .conn
                .execute_raw(self.opened(statement))
                .await
                .map(drop),
            None => Ok(()),
        }
    }
}

#[async_trait::async_trait]
impl ConnectionTrait for Tx<'_> {
    fn get_database_backend(&self) -> DbBackend {
        self.conn.get_database_backend()
    }

    async fn execute_raw(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        {
            let mut waiting = self.waiting();
            if waiting.defer && deferred::may_wait(&stmt) {
                waiting.kept.push(stmt);
                return Ok(deferred::nothing_counted(self.get_database_backend()));
            }
        }
        self.send_kept().await?;
        self.open_alone().await?;
        self.conn.execute_raw(stmt).await
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        self.send_kept().await?;
        self.open_alone().await?;
        self.conn.execute_unprepared(sql).await
    }

    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        let stmt = self.after_kept(stmt).await?;
        self.conn.query_one_raw(self.opened(stmt)).await
    }

    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        let stmt = self.after_kept(stmt).await?;
        self.conn.query_all_raw(self.opened(stmt)).await
    }

    fn support_returning(&self) -> bool {
        self.conn.support_returning()
    }
}
