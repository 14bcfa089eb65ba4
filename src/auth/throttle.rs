//! Login throttling: after too many failures in a window, per account and per client address,
//! further attempts are refused with 429 and Retry-After until the window has passed.
//!
//! Kept in memory: it protects one process; several instances each keep their own count.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;

use chrono::{DateTime, Duration, Utc};

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Key {
    Account(String),
    Address(IpAddr),
}

#[derive(Debug)]
pub struct LoginThrottle {
    max_failures: u32,
    max_failures_per_address: u32,
    window: Duration,
    failures: Mutex<HashMap<Key, Vec<DateTime<Utc>>>>,
}

impl LoginThrottle {
    /// `max_failures` per account; `max_failures_per_address` per client address (higher:
    /// a family or an office may share one address).
    pub fn new(max_failures: u32, max_failures_per_address: u32, window: Duration) -> Self {
        LoginThrottle {
            max_failures,
            max_failures_per_address,
            window,
            failures: Mutex::new(HashMap::new()),
        }
    }

    fn keys(email: &str, address: Option<IpAddr>) -> Vec<Key> {
        let mut keys = vec![Key::Account(email.trim().to_lowercase())];
        if let Some(a) = address {
            keys.push(Key::Address(a));
        }
        keys
    }

    /// Seconds to wait before another attempt is allowed, if the limit is reached.
    pub fn check(&self, email: &str, address: Option<IpAddr>, now: DateTime<Utc>) -> Option<u64> {
        let mut map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        let mut wait: Option<u64> = None;
        for key in Self::keys(email, address) {
            let limit = match key {
                Key::Account(_) => self.max_failures,
                Key::Address(_) => self.max_failures_per_address,
            };
            if let Some(times) = map.get_mut(&key) {
                times.retain(|t| *t + self.window > now);
                if u32::try_from(times.len()).unwrap_or(u32::MAX) >= limit
                    && let Some(oldest) = times.first()
                {
                    let secs = u64::try_from((*oldest + self.window - now).num_seconds().max(1))
                        .unwrap_or(1);
                    wait = Some(wait.map_or(secs, |w| w.max(secs)));
                }
            }
        }
        wait
    }

    pub fn record_failure(&self, email: &str, address: Option<IpAddr>, now: DateTime<Utc>) {
        let mut map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() > 100_000 {
            // Bounded memory under a spray of addresses: forget windows that have passed.
            let window = self.window;
            map.retain(|_, times| times.last().is_some_and(|t| *t + window > now));
        }
        for key in Self::keys(email, address) {
            map.entry(key).or_default().push(now);
        }
    }

    /// A successful login clears the account's count (not the address's).
    pub fn record_success(&self, email: &str) {
        let mut map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        map.remove(&Key::Account(email.trim().to_lowercase()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sixth_attempt_in_the_window_waits_until_the_first_failure_ages_out() {
        let t = LoginThrottle::new(5, 20, Duration::minutes(15));
        let now = Utc::now();
        for i in 0..5 {
            assert_eq!(t.check("a@example.jp", None, now), None);
            t.record_failure("a@example.jp", None, now + Duration::seconds(i));
        }
        let wait = t
            .check("A@example.jp", None, now + Duration::seconds(10))
            .unwrap();
        assert!((880..=900).contains(&wait), "{wait}");
        assert_eq!(
            t.check("a@example.jp", None, now + Duration::minutes(16)),
            None
        );
    }

    #[test]
    fn failures_from_one_address_against_many_accounts_are_throttled_too() {
        let t = LoginThrottle::new(5, 3, Duration::minutes(15));
        let ip: IpAddr = "192.0.2.7".parse().unwrap();
        let now = Utc::now();
        for i in 0..3 {
            t.record_failure(&format!("u{i}@example.jp"), Some(ip), now);
        }
        assert!(t.check("fresh@example.jp", Some(ip), now).is_some());
        assert!(t.check("fresh@example.jp", None, now).is_none());
    }
}
