//! One typed configuration: server, database, auth and the program rules (amounts, caps,
//! lapse rules, calendar). Defaults are the Shinagawa figures; `config/carepass.toml`
//! documents every key, and another municipality can run the service with its own numbers.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use crate::clock::Calendar;

mod book;
mod dated;
mod eligibility;
mod kinds;
mod programs;
pub use book::RuleBook;
pub use dated::{EffectiveDate, RuleChange};
pub use eligibility::{CertificateRule, Eligibility};
pub use kinds::{
    AllowancePeriod, PlaySpaceRules, ProgramTerms, RespiteRules, ShortStayRules,
    TicketAllowanceRules, UnusedBalance, YenAllowanceRules,
};
pub use programs::{OneProgram, Program, ProgramKind, ProgramRules, VoucherRules};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub ward: WardConfig,
    pub server: ServerConfig,
    pub database: DatabaseConfig,
    pub auth: AuthConfig,
    pub calendar: CalendarConfig,
    pub enrollments: EnrollmentsConfig,
    pub programs: ProgramRules,
    pub settlement: SettlementConfig,
    pub signed_codes: SignedCodesConfig,
    pub notifications: NotificationsConfig,
    pub privacy: PrivacyConfig,
}

/// Need-to-know for partners (nurse stations, institutions).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PrivacyConfig {
    /// How long after a visit or stay ends its partner still sees the child's name, the address
    /// and the guardian's phone (for the record it writes up afterwards); then only the summary.
    pub partner_details_hours_after_end: i64,
}

impl Default for PrivacyConfig {
    fn default() -> Self {
        PrivacyConfig {
            partner_details_hours_after_end: 24,
        }
    }
}

impl PrivacyConfig {
    pub fn partner_details_window(&self) -> chrono::Duration {
        chrono::Duration::hours(self.partner_details_hours_after_end)
    }
}

/// The municipality running the service: the names and contact families and partners see.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WardConfig {
    pub name_ja: String,
    pub name_en: String,
    /// The section families contact about the programs.
    pub office_ja: String,
    pub office_en: String,
    /// The office's telephone number, as families dial it. Unset: not shown.
    pub phone: Option<String>,
}

impl Default for WardConfig {
    fn default() -> Self {
        WardConfig {
            name_ja: "品川区".into(),
            name_en: "Shinagawa City".into(),
            office_ja: "福祉部 障害者支援課".into(),
            office_en: "Disability Support Section, Welfare Department".into(),
            phone: None,
        }
    }
}

impl WardConfig {
    fn validate(&self) -> Result<(), String> {
        for (key, value) in [
            ("name_ja", &self.name_ja),
            ("name_en", &self.name_en),
            ("office_ja", &self.office_ja),
            ("office_en", &self.office_en),
        ] {
            if value.trim().is_empty() || value.chars().count() > 100 {
                return Err(format!("ward.{key} must be 1 to 100 characters"));
            }
        }
        if self.phone.as_ref().is_some_and(|p| {
            p.is_empty() || p.len() > 20 || !p.chars().all(|c| c.is_ascii_digit() || c == '-')
        }) {
            return Err("ward.phone must be digits and hyphens, e.g. \"03-1234-5678\"".into());
        }
        Ok(())
    }
}

/// Closing a month's settlement (締め).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SettlementConfig {
    /// A month can be closed once it has ended by this long, so that no redemption begun in
    /// the month's last instants can still commit after its statement was fixed.
    pub close_grace_minutes: i64,
}

impl Default for SettlementConfig {
    fn default() -> Self {
        SettlementConfig {
            close_grace_minutes: 60,
        }
    }
}

/// The keys that sign voucher and entry codes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SignedCodesConfig {
    /// A rotated key keeps verifying for the longest code lifetime plus this margin; then it
    /// leaves the published keys, its codes are refused and its private half is deleted.
    pub retirement_margin_minutes: i64,
}

impl Default for SignedCodesConfig {
    fn default() -> Self {
        SignedCodesConfig {
            retirement_margin_minutes: 60,
        }
    }
}

/// Delivery of notifications to the push gateway (the mobile team's service).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NotificationsConfig {
    /// The push gateway's webhook. Unset: notifications are kept for the app's inbox only.
    pub webhook_url: Option<String>,
    /// Sent as `Carepass-Key-Id` so the receiver can pick the secret (and rotate it).
    pub signing_key_id: String,
    /// The HMAC-SHA256 secret (at least 32 characters). Prefer the environment variable
    /// `CAREPASS_WEBHOOK_SECRET`, which wins over this key.
    pub signing_secret: Option<String>,
    /// One delivery attempt may take this long.
    pub timeout_ms: u64,
    /// After this many failed attempts an event is dead-lettered for staff to retry.
    pub max_attempts: i32,
    /// Waits between attempts double from this, with ±20 % jitter, up to `backoff_max_ms`.
    pub backoff_base_ms: u64,
    pub backoff_max_ms: u64,
    /// How often an idle worker looks for due events.
    pub poll_interval_ms: u64,
    /// A claimed event is another worker's to take once this has passed (a crashed worker).
    pub claim_seconds: u64,
    /// Events claimed at a time.
    pub batch_size: u64,
}

impl Default for NotificationsConfig {
    fn default() -> Self {
        NotificationsConfig {
            webhook_url: None,
            signing_key_id: "k1".into(),
            signing_secret: None,
            timeout_ms: 5_000,
            max_attempts: 8,
            backoff_base_ms: 2_000,
            backoff_max_ms: 600_000,
            poll_interval_ms: 1_000,
            claim_seconds: 60,
            batch_size: 10,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerConfig {
    /// Address to listen on.
    pub bind: SocketAddr,
    /// A request that takes longer is answered 408 and abandoned.
    pub request_timeout_seconds: u64,
    /// Larger request bodies are refused with 413.
    pub body_limit_bytes: usize,
    /// Largest page any list endpoint returns.
    pub max_page_size: u64,
    /// Web origins (`https://app.example.jp`) allowed to call the API from a browser. Empty:
    /// no CORS headers at all, so browsers on other origins cannot read any answer.
    pub cors_allowed_origins: Vec<String>,
    /// The bearer token Prometheus sends to read `/metrics` (at least 32 characters). Unset:
    /// `/metrics` is not served. Prefer the environment variable `CAREPASS_METRICS_TOKEN`.
    pub metrics_token: Option<String>,
    /// A connection that has not sent a whole request head within this many seconds, or that
    /// sits idle this long between requests, is closed (slowloris, idle keep-alives).
    pub header_read_timeout_seconds: u64,
    /// Proxies (addresses or networks such as `10.0.0.0/8`) whose `Forwarded` or
    /// `X-Forwarded-For` header names the client. Requests from any other peer are taken to
    /// come from the peer itself, whatever those headers say.
    pub trusted_proxies: Vec<TrustedProxy>,
    /// Writes (POST, PUT, PATCH, DELETE) each signed-in account or partner device may send per
    /// minute, per instance, once its burst is spent; beyond it 429 `rate_limited`. 0: no limit.
    pub writes_per_minute_per_caller: u32,
    /// Writes a caller may send at once before the per-minute rate applies.
    pub write_burst_per_caller: u32,
}

/// An address or network of a reverse proxy the service trusts to name the client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustedProxy(pub ipnet::IpNet);

impl TrustedProxy {
    pub fn contains(&self, ip: std::net::IpAddr) -> bool {
        self.0.contains(&ip)
    }
}

impl std::str::FromStr for TrustedProxy {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let s = s.trim();
        s.parse::<ipnet::IpNet>()
            .or_else(|_| s.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
            .map(TrustedProxy)
            .map_err(|_| format!("server.trusted_proxies: {s:?} is not an address or network"))
    }
}

impl Serialize for TrustedProxy {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0.to_string())
    }
}

impl<'de> Deserialize<'de> for TrustedProxy {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            bind: SocketAddr::from(([127, 0, 0, 1], 8080)),
            request_timeout_seconds: 15,
            body_limit_bytes: 64 * 1024,
            max_page_size: 100,
            cors_allowed_origins: Vec::new(),
            metrics_token: None,
            header_read_timeout_seconds: 10,
            trusted_proxies: Vec::new(),
            writes_per_minute_per_caller: 300,
            write_burst_per_caller: 60,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SqliteSynchronous {
    /// Every commit is fsynced: a power cut loses no committed redemption.
    Full,
    /// WAL is fsynced at checkpoints only: faster, but a power cut may lose the last commits.
    Normal,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DatabaseConfig {
    /// `postgres://...` or `sqlite://...`; the `DATABASE_URL` environment variable wins.
    /// When neither is set the service uses the SQLite file at `sqlite_path`.
    pub url: Option<String>,
    pub sqlite_path: PathBuf,
    pub sqlite_synchronous: SqliteSynchronous,
    /// How long a SQLite statement waits for another process's lock before the request is
    /// answered 503 with Retry-After.
    pub sqlite_busy_timeout_ms: u64,
    /// PostgreSQL pool size; keep it near the core count (see BENCHMARKS.md).
    pub postgres_pool_size: u32,
    /// SQLite: how many write requests at most share one commit (group commit).
    pub write_batch_max: usize,
    /// SQLite: how many write requests may wait for the writer; the next is answered 503 with
    /// Retry-After at once.
    pub write_queue_max: usize,
}

impl Default for DatabaseConfig {
    fn default() -> Self {
        DatabaseConfig {
            url: None,
            sqlite_path: PathBuf::from("data/carepass.sqlite"),
            sqlite_synchronous: SqliteSynchronous::Full,
            sqlite_busy_timeout_ms: 5000,
            postgres_pool_size: 8,
            write_batch_max: 64,
            write_queue_max: 512,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AuthConfig {
    pub access_token_minutes: i64,
    pub refresh_token_days: i64,
    pub invitation_days: i64,
    /// Failed logins allowed per account inside the window.
    pub login_max_failures: u32,
    /// Failed logins allowed per client address inside the window (any accounts).
    pub login_max_failures_per_address: u32,
    pub login_window_minutes: i64,
    /// Passwords hashed or checked at once in a process (each takes 19 MiB); a login that
    /// waits more than 2 s for a turn is answered 503 with Retry-After.
    pub max_concurrent_password_checks: usize,
    /// Staff and admins must set up two-step sign-in (TOTP) before any staff function works;
    /// `serve --demo` turns it off so the demo logins work with a password alone.
    pub require_second_factor_for_staff: bool,
}

impl Default for AuthConfig {
    fn default() -> Self {
        AuthConfig {
            access_token_minutes: 15,
            refresh_token_days: 30,
            invitation_days: 14,
            login_max_failures: 5,
            login_max_failures_per_address: 20,
            login_window_minutes: 15,
            max_concurrent_password_checks: 4,
            require_second_factor_for_staff: true,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CalendarConfig {
    pub time_zone: Tz,
    pub fiscal_year_start_month: u32,
}

impl Default for CalendarConfig {
    fn default() -> Self {
        CalendarConfig {
            time_zone: chrono_tz::Asia::Tokyo,
            fiscal_year_start_month: 4,
        }
    }
}

/// Applications and renewals.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EnrollmentsConfig {
    /// From this day of the year ("MM-DD") before a fiscal year starts, a family whose approval
    /// is still valid may apply for that year (a renewal). Shinagawa: 1 February.
    pub renewal_opens_on: MonthDay,
}

impl Default for EnrollmentsConfig {
    fn default() -> Self {
        EnrollmentsConfig {
            renewal_opens_on: MonthDay { month: 2, day: 1 },
        }
    }
}

/// A day of the year, written "MM-DD" (29 February is not allowed: it is not in every year).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MonthDay {
    pub month: u32,
    pub day: u32,
}

impl MonthDay {
    /// This day in the given year.
    pub fn in_year(self, year: i32) -> chrono::NaiveDate {
        chrono::NaiveDate::from_ymd_opt(year, self.month, self.day).unwrap_or_default()
    }
}

impl std::str::FromStr for MonthDay {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || format!("{s:?} is not a day of the year such as \"02-01\"");
        let (m, d) = s.trim().split_once('-').ok_or_else(bad)?;
        let (month, day) = (m.parse().map_err(|_| bad())?, d.parse().map_err(|_| bad())?);
        // 2001 is not a leap year: 29 February is refused.
        chrono::NaiveDate::from_ymd_opt(2001, month, day).ok_or_else(bad)?;
        Ok(MonthDay { month, day })
    }
}

impl Serialize for MonthDay {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format!("{:02}-{:02}", self.month, self.day))
    }
}

impl<'de> Deserialize<'de> for MonthDay {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        String::deserialize(d)?
            .parse()
            .map_err(serde::de::Error::custom)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("invalid config file {path}: {source}")]
    Parse {
        path: PathBuf,
        source: Box<toml::de::Error>,
    },
    #[error("invalid config: {0}")]
    Invalid(String),
}

impl Config {
    /// Reads a TOML file; keys it leaves out keep their defaults.
    pub fn load(path: Option<&Path>) -> Result<Config, ConfigError> {
        let mut config = match path {
            Some(path) => {
                let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
                    path: path.to_owned(),
                    source,
                })?;
                Config::parse(&text).map_err(|source| ConfigError::Parse {
                    path: path.to_owned(),
                    source,
                })?
            }
            None => Config::default(),
        };
        if let Ok(url) = std::env::var("DATABASE_URL")
            && !url.trim().is_empty()
        {
            config.database.url = Some(url);
        }
        if let Ok(token) = std::env::var("CAREPASS_METRICS_TOKEN")
            && !token.trim().is_empty()
        {
            config.server.metrics_token = Some(token);
        }
        if let Ok(secret) = std::env::var("CAREPASS_WEBHOOK_SECRET")
            && !secret.trim().is_empty()
        {
            config.notifications.signing_secret = Some(secret);
        }
        config.validate()?;
        Ok(config)
    }

    pub fn parse(text: &str) -> Result<Config, Box<toml::de::Error>> {
        toml::from_str(text).map_err(Box::new)
    }

    pub fn validate(&self) -> Result<(), ConfigError> {
        let bad = |m: &str| Err(ConfigError::Invalid(m.to_owned()));
        if !(1..=12).contains(&self.calendar.fiscal_year_start_month) {
            return bad("calendar.fiscal_year_start_month must be 1..=12");
        }
        self.ward.validate().map_err(ConfigError::Invalid)?;
        self.rule_book()?;
        if !(0..=24 * 60).contains(&self.settlement.close_grace_minutes) {
            return bad("settlement.close_grace_minutes must be between 0 and 1440");
        }
        if !(0..=30 * 24).contains(&self.privacy.partner_details_hours_after_end) {
            return bad("privacy.partner_details_hours_after_end must be between 0 and 720");
        }
        if !(0..=7 * 24 * 60).contains(&self.signed_codes.retirement_margin_minutes) {
            return bad("signed_codes.retirement_margin_minutes must be between 0 and 10080");
        }
        if self.auth.access_token_minutes <= 0 || self.auth.refresh_token_days <= 0 {
            return bad("auth token lifetimes must be positive");
        }
        let n = &self.notifications;
        if n.webhook_url.is_some() && n.signing_secret.as_ref().is_none_or(|s| s.len() < 32) {
            return bad(
                "notifications.webhook_url needs a signing secret of at least 32 characters (CAREPASS_WEBHOOK_SECRET)",
            );
        }
        if n.claim_seconds * 1000 <= n.timeout_ms * 2 {
            return bad("notifications.claim_seconds must be well above timeout_ms");
        }
        if n.max_attempts < 1 || n.batch_size == 0 || n.timeout_ms == 0 {
            return bad("notifications: max_attempts, batch_size and timeout_ms must be positive");
        }
        if self
            .server
            .metrics_token
            .as_ref()
            .is_some_and(|t| t.trim().len() < 32)
        {
            return bad(
                "server.metrics_token must be at least 32 characters (CAREPASS_METRICS_TOKEN)",
            );
        }
        if !(1..=300).contains(&self.server.header_read_timeout_seconds) {
            return bad("server.header_read_timeout_seconds must be between 1 and 300");
        }
        if self.server.max_page_size == 0 {
            return bad("server.max_page_size must be positive");
        }
        Ok(())
    }

    /// How long a rotated signing key keeps verifying: the longest any code lives (a voucher's
    /// few minutes, a play-space entry code's hours) plus the configured margin.
    pub fn key_lifetime(&self) -> chrono::Duration {
        // A configuration that does not check out never starts; its base settings still count.
        let book = self
            .rule_book()
            .unwrap_or_else(|_| RuleBook::unchecked(&self.programs));
        let longest = book
            .all()
            .map(|p| {
                p.vouchers
                    .iter()
                    .map(|v| v.voucher_ttl_minutes())
                    .fold(0, i64::max)
                    .max(p.play_space.entry_code_ttl_hours.saturating_mul(60))
            })
            .max()
            .unwrap_or(0);
        chrono::Duration::minutes(
            longest.saturating_add(self.signed_codes.retirement_margin_minutes),
        )
    }

    /// Every dated version of the program settings, checked.
    pub fn rule_book(&self) -> Result<RuleBook, ConfigError> {
        RuleBook::new(&self.programs).map_err(ConfigError::Invalid)
    }

    pub fn calendar(&self) -> Calendar {
        Calendar {
            zone: self.calendar.time_zone,
            fiscal_year_start_month: self.calendar.fiscal_year_start_month,
        }
    }

    /// The database to use: an explicit URL, else the SQLite file.
    pub fn database_url(&self) -> String {
        match &self.database.url {
            Some(url) => url.clone(),
            None => format!("sqlite://{}?mode=rwc", self.database.sqlite_path.display()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_config_file_matches_the_built_in_defaults() {
        let text = include_str!("../../config/carepass.toml");
        let parsed = Config::parse(text).expect("config/carepass.toml parses");
        assert_eq!(parsed, Config::default());
    }

    use crate::units::{Minutes, Yen};

    #[test]
    fn defaults_are_the_wards_figures() {
        let mut c = Config::default();
        assert_eq!(
            c.programs.yen_mut("taxi_fuel").unwrap().grant_yen,
            Yen(20_000)
        );
        assert_eq!(
            c.programs.tickets_mut("care_taxi").unwrap().grant_tickets,
            4
        );
        assert_eq!(c.programs.respite.grant_minutes, Minutes(17_280));
        assert_eq!(c.calendar.time_zone, chrono_tz::Asia::Tokyo);
        assert_eq!(c.calendar.fiscal_year_start_month, 4);
    }

    #[test]
    fn a_partial_file_keeps_the_other_defaults_and_unknown_keys_are_refused() {
        let mut c = Config::parse("[programs.taxi_fuel]\ngrant_yen = 15000\n").unwrap();
        assert_eq!(
            c.programs.yen_mut("taxi_fuel").unwrap().grant_yen,
            Yen(15_000)
        );
        assert_eq!(
            c.programs.tickets_mut("care_taxi").unwrap().grant_tickets,
            4
        );
        assert!(Config::parse("[programs.taxi_fuel]\nmonthly_yen = 1\n").is_err());
    }

    #[test]
    fn an_impossible_fiscal_year_start_is_refused() {
        let mut c = Config::default();
        c.calendar.fiscal_year_start_month = 13;
        assert!(c.validate().is_err());
    }
}
