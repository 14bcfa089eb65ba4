//! Group commit on SQLite: many write requests share one durable commit.
//!
//! SQLite has one writer and each `COMMIT` waits for the disk (`synchronous=FULL`), so one
//! transaction per request caps the service at the disk's commits per second. Here the write
//! requests that are ready take turns (a fair queue: first come, first served) inside one
//! `BEGIN IMMEDIATE … COMMIT`, each in its own `SAVEPOINT` (opened with its first statement and
//! released with its last call, see [`super::Tx`]): a request whose rules refuse it rolls back
//! to its savepoint alone, and the others stay in the batch. The batch commits when
//! nobody else is waiting, or when it is full, or when the flusher comes round (it queues
//! behind the requests that were waiting when it was called, so they join the batch); every
//! member waits for that commit before it answers. A request refused by its rules answers at
//! once: it wrote nothing. When the commit fails, every member of the batch gets the error
//! (nothing of theirs was stored), so no answer claims what the disk did not keep.
//!
//! A bounded queue: when `max_waiting` requests already wait, the next is refused at once with
//! a busy error (answered 503 with Retry-After) instead of waiting behind a line that cannot
//! move fast enough.

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Weak};

use sea_orm::{
    ConnAcquireErr, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr,
    Statement,
};
use tokio::sync::{Mutex, Notify, oneshot};

use super::tx::{ROLLBACK, Tx};
use super::{FromDb, TxFuture, begin_write};

/// The writer's shared state: the open batch, how many wait for it, and the limits.
pub struct GroupCommit {
    conn: DatabaseConnection,
    batch: Mutex<Batch>,
    waiting: AtomicUsize,
    /// Whether the write in the batch has its savepoint open (one write at a time holds the
    /// batch; one left open is one whose write was dropped half-way).
    savepoint_open: AtomicBool,
    max_batch: usize,
    max_waiting: usize,
    flush: Arc<Notify>,
    counters: Arc<Counters>,
}

/// Commits made and the writes they carried, since the start.
#[derive(Default)]
struct Counters {
    commits: AtomicU64,
    writes: AtomicU64,
}

/// What the group writer has done since it started.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stats {
    /// Commits that returned successfully.
    pub commits: u64,
    /// Writes those commits carried.
    pub writes: u64,
}

/// The open transaction and the members whose savepoints it holds, waiting for its commit.
#[derive(Default)]
struct Batch {
    tx: Option<DatabaseTransaction>,
    members: Vec<oneshot::Sender<Result<(), DbErr>>>,
}

/// Counts a request as waiting until it holds the batch (or gives up, or is dropped).
struct Waiting<'a>(&'a AtomicUsize);

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

/// Held while a request works in the batch: if the request is dropped half-way (its client
/// went away, a timeout fired), this calls the flusher, which rolls its savepoint back and
/// commits the batch it leaves open for the others.
struct InBatch<'a> {
    flush: &'a Notify,
    done: bool,
}

impl Drop for InBatch<'_> {
    fn drop(&mut self) {
        if !self.done {
            self.flush.notify_one();
        }
    }
}

impl GroupCommit {
    /// Starts the group writer on `conn` (the single write connection) and its flusher task.
    pub fn start(conn: DatabaseConnection, max_batch: usize, max_waiting: usize) -> Arc<Self> {
        let flush = Arc::new(Notify::new());
        let group = Arc::new(GroupCommit {
            conn,
            batch: Mutex::new(Batch::default()),
            waiting: AtomicUsize::new(0),
            savepoint_open: AtomicBool::new(false),
            max_batch: max_batch.max(1),
            max_waiting: max_waiting.max(1),
            flush: flush.clone(),
            counters: Arc::default(),
        });
        tokio::spawn(flusher(Arc::downgrade(&group), flush));
        group
    }

    pub fn stats(&self) -> Stats {
        Stats {
            commits: self.counters.commits.load(Ordering::Acquire),
            writes: self.counters.writes.load(Ordering::Acquire),
        }
    }

    /// Runs `body` in its own savepoint of the shared transaction and returns once the batch
    /// holding it has committed (or at once, when the body refused and wrote nothing).
    pub async fn write<T, E, F>(&self, body: &F) -> Result<T, E>
    where
        E: FromDb,
        F: for<'c> Fn(&'c Tx<'c>) -> TxFuture<'c, T, E>,
    {
        let before = self.waiting.fetch_add(1, Ordering::AcqRel);
        let waiting = Waiting(&self.waiting);
        if before >= self.max_waiting {
            metrics::counter!("carepass_db_write_queue_full_total").increment(1);
            return Err(DbErr::ConnectionAcquire(ConnAcquireErr::Timeout).into());
        }
        let queued = std::time::Instant::now();
        let mut batch = self.batch.lock().await;
        drop(waiting);
        let mut in_batch = InBatch {
            flush: &self.flush,
            done: false,
        };
        metrics::histogram!("carepass_db_write_begin_seconds")
            .record(queued.elapsed().as_secs_f64());
        // A write dropped half-way may have left its savepoint open.
        self.roll_back_write(&mut batch).await;
        if batch.tx.is_none() {
            batch.tx = Some(begin_write(&self.conn).await.inspect_err(|_| {
                in_batch.done = true;
            })?);
        }
        let Some(outer) = batch.tx.as_ref() else {
            unreachable!("the batch's transaction was opened above")
        };
        let outcome = Tx::in_savepoint(outer, &self.savepoint_open)
            .run(body)
            .await;
        let value = match outcome {
            Ok(value) => value,
            Err(e) => {
                if self.roll_back_write(&mut batch).await {
                    self.pass_on(&mut batch).await;
                }
                in_batch.done = true;
                return Err(e);
            }
        };
        let (told, committed) = oneshot::channel();
        batch.members.push(told);
        self.pass_on(&mut batch).await;
        in_batch.done = true;
        drop(batch);
        match committed.await {
            Ok(Ok(())) => Ok(value),
            Ok(Err(e)) => Err(e.into()),
            Err(_) => {
                Err(DbErr::Custom("the write batch was dropped before its commit".into()).into())
            }
        }
    }

    /// Commits now when nobody else waits or the batch is full; otherwise leaves the batch
    /// open for those waiting and calls the flusher, which commits it after them (and also
    /// when they all gave up).
    async fn pass_on(&self, batch: &mut Batch) {
        if batch.members.len() >= self.max_batch || self.waiting.load(Ordering::Acquire) == 0 {
            self.commit(batch).await;
        } else {
            self.flush.notify_one();
        }
    }

    /// Undoes the write whose savepoint is open, if any; when that fails, the batch ends (its
    /// members are told). Whether the batch goes on.
    async fn roll_back_write(&self, batch: &mut Batch) -> bool {
        if !self.savepoint_open.swap(false, Ordering::AcqRel) {
            return true;
        }
        let Some(outer) = batch.tx.as_ref() else {
            return true;
        };
        let undo = Statement::from_string(DbBackend::Sqlite, ROLLBACK);
        match outer.execute_raw(undo).await {
            Ok(_) => true,
            Err(e) => {
                self.abandon(batch, &e).await;
                false
            }
        }
    }

    /// A statement of the shared transaction failed outside a body's own refusal (SQLite may
    /// have rolled the whole transaction back): the batch ends, its members are told.
    async fn abandon(&self, batch: &mut Batch, err: &DbErr) {
        if let Some(tx) = batch.tx.take() {
            let _ = tx.rollback().await;
        }
        for member in batch.members.drain(..) {
            let _ = member.send(Err(err.clone()));
        }
    }

    /// Commits the open batch and tells each member how it went. The commit runs in a task of
    /// its own: a request dropped while it waits for the commit cannot leave the batch's
    /// answers untold (or told "failed" of a commit that went through).
    async fn commit(&self, batch: &mut Batch) {
        if !self.roll_back_write(batch).await {
            return;
        }
        let Some(tx) = batch.tx.take() else { return };
        let members = std::mem::take(&mut batch.members);
        let counters = self.counters.clone();
        let committing = tokio::spawn(async move {
            let size = u64::try_from(members.len()).unwrap_or(u64::MAX);
            let result = tx.commit().await;
            if result.is_ok() {
                counters.commits.fetch_add(1, Ordering::AcqRel);
                counters.writes.fetch_add(size, Ordering::AcqRel);
            }
            metrics::histogram!("carepass_db_write_batch_size")
                .record(f64::from(u32::try_from(size).unwrap_or(u32::MAX)));
            for member in members {
                let _ = member.send(result.clone());
            }
        });
        // Holding the batch until the commit has returned keeps the next batch behind it.
        let _ = committing.await;
    }
}

/// Commits whatever batch is open each time a member asks; it queues for the batch behind the
/// requests already waiting, so they join the batch first.
async fn flusher(group: Weak<GroupCommit>, flush: Arc<Notify>) {
    loop {
        flush.notified().await;
        let Some(group) = group.upgrade() else { return };
        let mut batch = group.batch.lock().await;
        group.commit(&mut batch).await;
    }
}

impl Drop for GroupCommit {
    fn drop(&mut self) {
        // Wakes the flusher so that it sees the writer gone and ends.
        self.flush.notify_one();
    }
}
