//! What every handler can reach: the database, the configuration, the clock, the login
//! limits, the signing keys and the device cache.

use std::sync::Arc;

use chrono::{DateTime, Utc};

use crate::auth::rate_limit::WriteLimits;
use crate::auth::throttle::LoginThrottle;
use crate::clock::{Calendar, Clock};
use crate::config::{Config, RuleBook};
use crate::partners::DeviceCache;
use crate::signed_codes::keys::KeyRing;

#[derive(Clone)]
pub struct AppState {
    /// Writes (and reads that must see them in the same request).
    pub db: crate::db::Db,
    /// Reads: on SQLite a separate pool of read-only connections next to the single writer;
    /// on PostgreSQL the same pool as `db`.
    pub read: crate::db::Db,
    pub config: Arc<Config>,
    /// The program settings in force on each date (checked when the configuration loaded).
    pub rules: Arc<RuleBook>,
    pub clock: Arc<dyn Clock>,
    /// Login limits; the counts live in the database.
    pub throttle: LoginThrottle,
    /// Voucher signing keys.
    pub keys: Arc<KeyRing>,
    /// Recently authenticated partner devices.
    pub devices: Arc<DeviceCache>,
    /// Writes per account and per device.
    pub write_limits: Arc<WriteLimits>,
}

impl AppState {
    pub fn new(
        db: crate::db::Db,
        read: crate::db::Db,
        config: Config,
        clock: Arc<dyn Clock>,
        keys: Arc<KeyRing>,
    ) -> AppState {
        let throttle = LoginThrottle {
            max_failures: config.auth.login_max_failures,
            max_failures_per_address: config.auth.login_max_failures_per_address,
            window: chrono::Duration::minutes(config.auth.login_window_minutes),
        };
        crate::auth::password::set_concurrency(config.auth.max_concurrent_password_checks);
        let config_limits = (
            config.server.writes_per_minute_per_caller,
            config.server.write_burst_per_caller,
        );
        let rules = config
            .rule_book()
            .unwrap_or_else(|e| panic!("the configuration was checked before start: {e}"));
        AppState {
            rules: Arc::new(rules),
            db,
            read,
            config: Arc::new(config),
            clock,
            throttle,
            keys,
            devices: Arc::new(DeviceCache::new(std::time::Duration::from_secs(2))),
            write_limits: Arc::new(WriteLimits::new(config_limits.0, config_limits.1)),
        }
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// The program settings in force on the ward's date of `at`.
    pub fn rules_on(&self, at: DateTime<Utc>) -> &crate::config::ProgramRules {
        self.rules.on(self.calendar().local_date(at))
    }

    pub fn calendar(&self) -> Calendar {
        self.config.calendar()
    }
}
