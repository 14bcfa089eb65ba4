//! Metrics about the work itself (what moved, what was refused, how the database and the
//! outbox are doing), with their help text. Every label value comes from a closed set: program
//! names, ledger kinds, units, problem codes and status numbers.
//!
//! A ledger movement is counted only once its transaction has committed: the ledger hands it to
//! [`after_commit`], `db::write` collects what its transaction handed over and counts it after
//! the commit returns, and drops it when the transaction rolls back or is retried.

use std::cell::RefCell;
use std::future::Future;

use metrics::{Unit, describe_counter, describe_gauge, describe_histogram};

/// Something to count once the surrounding transaction has committed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Movement {
    pub program: crate::config::Program,
    pub kind: &'static str,
    pub unit: &'static str,
    pub magnitude: u64,
}

tokio::task_local! {
    static PENDING: RefCell<Vec<Movement>>;
}

/// Counts `m` when the current `db::write` transaction commits (at once outside one).
pub fn after_commit(m: Movement) {
    if PENDING.try_with(|p| p.borrow_mut().push(m)).is_err() {
        count(m);
    }
}

/// Runs one transaction attempt, collecting what it hands to [`after_commit`]; counts it only
/// when the attempt succeeded.
pub async fn counting_after_commit<T, E>(
    attempt: impl Future<Output = Result<T, E>>,
) -> Result<T, E> {
    let (result, pending) = PENDING
        .scope(RefCell::new(Vec::new()), async {
            let result = attempt.await;
            let pending = PENDING.with(|p| std::mem::take(&mut *p.borrow_mut()));
            (result, pending)
        })
        .await;
    if result.is_ok() {
        pending.into_iter().for_each(count);
    }
    result
}

fn count(m: Movement) {
    let program = m.program.to_string();
    let labels = [("program", program.clone()), ("kind", m.kind.to_owned())];
    metrics::counter!("carepass_ledger_entries_total", &labels).increment(1);
    let labels = [
        ("program", program),
        ("kind", m.kind.to_owned()),
        ("unit", m.unit.to_owned()),
    ];
    metrics::counter!("carepass_ledger_moved_total", &labels).increment(m.magnitude);
}

/// A problem answered to a client (a status is a number from 100 to 999: a bounded set).
pub fn problem(code: &'static str, status: u16) {
    metrics::counter!(
        "carepass_problems_total",
        "code" => code,
        "status" => status.to_string()
    )
    .increment(1);
}

/// Help text for every metric the service writes.
pub fn describe() {
    describe_counter!(
        "http_requests_total",
        "HTTP requests answered, by method (known methods or OTHER), route template and status."
    );
    describe_histogram!(
        "http_request_duration_seconds",
        Unit::Seconds,
        "Time from the request's arrival to its answer, by method, route template and status."
    );
    describe_counter!(
        "carepass_ledger_entries_total",
        "Committed ledger entries by program and kind; a capture is a use (a redeemed voucher or \
         ticket, recorded respite minutes)."
    );
    describe_counter!(
        "carepass_ledger_moved_total",
        "Amount moved by committed ledger entries, by program, kind and unit (yen, ticket, \
         minute); always the magnitude."
    );
    describe_counter!(
        "carepass_problems_total",
        "Problem answers (refusals and errors) by stable problem code and HTTP status."
    );
    describe_gauge!(
        "carepass_outbox_notifications",
        "Notifications in the webhook outbox by delivery state (pending, dead), read at scrape."
    );
    describe_gauge!(
        "carepass_outbox_oldest_pending_seconds",
        Unit::Seconds,
        "Age of the oldest notification still waiting for delivery (0 when none), read at scrape."
    );
    describe_histogram!(
        "carepass_outbox_delivery_seconds",
        Unit::Seconds,
        "Time from a notification's creation to its successful delivery to the push gateway."
    );
    describe_gauge!(
        "carepass_db_pool_connections",
        "Database pool connections by pool (write, read) and state (in_use, idle), read at scrape."
    );
    describe_counter!(
        "carepass_db_statements_total",
        "Calls made to the database (each a round trip to PostgreSQL or a crossing to SQLite's thread): statements, and a write's savepoint commands when sent alone; BEGIN and COMMIT not counted."
    );
    describe_histogram!(
        "carepass_db_write_begin_seconds",
        Unit::Seconds,
        "Wait for a write transaction to begin (a pool connection and, on SQLite, the write lock)."
    );
    describe_gauge!(
        "carepass_build_info",
        "Always 1; the labels say which build is running."
    );
}
