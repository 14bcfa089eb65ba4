//! What every handler can reach: the database, the configuration, the clock and the
//! in-memory login throttle.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use sea_orm::DatabaseConnection;

use crate::auth::throttle::LoginThrottle;
use crate::clock::{Calendar, Clock};
use crate::config::Config;
use crate::vouchers::keys::KeyRing;

#[derive(Clone)]
pub struct AppState {
    pub db: DatabaseConnection,
    pub config: Arc<Config>,
    pub clock: Arc<dyn Clock>,
    pub throttle: Arc<LoginThrottle>,
    /// Voucher signing keys.
    pub keys: Arc<KeyRing>,
}

impl AppState {
    pub fn new(
        db: DatabaseConnection,
        config: Config,
        clock: Arc<dyn Clock>,
        keys: Arc<KeyRing>,
    ) -> AppState {
        let throttle = LoginThrottle::new(
            config.auth.login_max_failures,
            config.auth.login_max_failures_per_address,
            chrono::Duration::minutes(config.auth.login_window_minutes),
        );
        AppState {
            db,
            config: Arc::new(config),
            clock,
            throttle: Arc::new(throttle),
            keys,
        }
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    pub fn calendar(&self) -> Calendar {
        self.config.calendar()
    }
}
