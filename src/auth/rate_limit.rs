//! Writes per signed-in caller: each account and each partner device may send at most
//! `server.writes_per_minute_per_caller` writes (POST, PUT, PATCH, DELETE) a minute, after a
//! burst of `server.write_burst_per_caller`; beyond that the answer is 429 `rate_limited` with
//! Retry-After. Reads are not limited here (they cost no ledger rows), and anonymous callers
//! only reach the login, which has its own throttle in the database.
//!
//! The counts are per process (a generic cell rate algorithm, `governor`): with N instances a
//! caller spread across all of them could send up to N times the limit, which still bounds a
//! runaway script or a stolen credential. Money never depends on this limit.

use std::num::NonZeroU32;

use axum::http::Method;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use uuid::Uuid;

pub struct WriteLimits {
    limiter: Option<DefaultKeyedRateLimiter<Uuid>>,
    clock: DefaultClock,
}

impl WriteLimits {
    /// `per_minute == 0` turns the limit off.
    pub fn new(per_minute: u32, burst: u32) -> WriteLimits {
        let limiter = NonZeroU32::new(per_minute).map(|rate| {
            let burst = NonZeroU32::new(burst).unwrap_or(rate);
            RateLimiter::keyed(Quota::per_minute(rate).allow_burst(burst))
        });
        WriteLimits {
            limiter,
            clock: DefaultClock::default(),
        }
    }

    /// Takes one write for `caller` if `method` writes; when none is left, the seconds until
    /// the next one.
    pub fn take(&self, method: &Method, caller: Uuid) -> Result<(), u64> {
        let writes = matches!(
            *method,
            Method::POST | Method::PUT | Method::PATCH | Method::DELETE
        );
        let Some(limiter) = self.limiter.as_ref().filter(|_| writes) else {
            return Ok(());
        };
        limiter.check_key(&caller).map_err(|not_until| {
            let wait = not_until.wait_time_from(self.clock.now());
            let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
            seconds.max(1)
        })
    }

    /// Forgets callers whose allowance is full again (called by the periodic sweep).
    pub fn forget_idle(&self) {
        if let Some(l) = &self.limiter {
            l.retain_recent();
            l.shrink_to_fit();
        }
    }
}
