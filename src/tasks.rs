//! Background work, every ten minutes: at each period end, unused allowances lapse (when the rule
//! says so); rotated signing keys whose time has passed retire; login-throttle rows whose window
//! has passed are forgotten, and so are callers whose write allowance is full again.

use std::time::Duration;

use crate::allowances;
use crate::state::AppState;

/// Runs the sweep now and then every ten minutes until aborted.
pub fn spawn_lapse_sweeper(state: AppState) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(600));
        loop {
            tick.tick().await;
            sweep(&state).await;
        }
    })
}

/// One pass of every sweep; a failure is logged and retried at the next pass.
pub async fn sweep(state: &AppState) {
    let db = state.db.clone();
    let (rules, cal) = (state.rules.clone(), state.calendar());
    let now = state.now();
    let result = crate::db::write(&db, |tx| {
        let rules = rules.clone();
        Box::pin(async move { allowances::lapse_ended(tx, &rules, &cal, now).await })
    })
    .await;
    match result {
        Ok(0) => {}
        Ok(n) => tracing::info!(accounts = n, "lapsed unused allowances"),
        Err(e) => tracing::warn!(error = %e, "lapse sweep failed; will retry"),
    }
    match state
        .keys
        .retire_due(&db, now, state.config.key_lifetime())
        .await
    {
        Ok(0) => {}
        Ok(n) => tracing::info!(keys = n, "retired rotated signing keys"),
        Err(e) => tracing::warn!(error = %e, "key retirement failed; will retry"),
    }
    state.write_limits.forget_idle();
    let throttle = state.throttle;
    let forgotten = crate::db::write(&db, |tx| {
        Box::pin(async move { throttle.forget_expired(tx, now).await })
    })
    .await;
    match forgotten {
        Ok(0) => {}
        Ok(n) => tracing::debug!(rows = n, "forgot expired login-throttle windows"),
        Err(e) => tracing::warn!(error = %e, "login-throttle sweep failed; will retry"),
    }
}
