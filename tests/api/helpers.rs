//! The test harness: `spawn_app()` and one helper per endpoint the tests lean on.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use carepass::audit::Actor;
use carepass::auth::{Role, invitations};
use carepass::clock::ManualClock;
use carepass::clock::to_micros;
use carepass::config::Config;
use carepass::db::Db;
use carepass::enrollments::Program;
use carepass::entity::voucher;
use carepass::signed_codes::keys::KeyRing;
use carepass::signed_codes::token::{self, Claims};
use carepass::state::AppState;
use carepass::{build_app, db, server};
use chrono::{DateTime, Duration, Utc};
use reqwest::{Client, Response, StatusCode};
use sea_orm::{ActiveValue::Set, ConnectionTrait, EntityTrait, Statement};
use serde_json::{Value, json};
use uuid::Uuid;

pub struct TestApp {
    pub address: String,
    pub client: Client,
    pub db: Db,
    pub clock: ManualClock,
    pub config: Config,
    pub keys: Arc<KeyRing>,
    /// The server's state, for running its background sweeps on demand.
    pub state: AppState,
    /// Problems the server sent that their operation does not document (see [`contract_check`]).
    undocumented: Arc<std::sync::Mutex<Vec<String>>>,
    _dir: tempfile::TempDir,
    _shutdown: tokio::sync::oneshot::Sender<()>,
}

impl Drop for TestApp {
    /// Every test is also a check of the contract: a problem its operation's spec entry does not
    /// list (code and status) fails the test that provoked it.
    fn drop(&mut self) {
        if std::thread::panicking() {
            return;
        }
        let seen = self
            .undocumented
            .lock()
            .map(|v| v.clone())
            .unwrap_or_default();
        assert!(
            seen.is_empty(),
            "the server answered with problems its operations do not document, or in Japanese \
             with English words:\n{}",
            seen.join("\n")
        );
        let faults = carepass::messages::faults();
        assert!(
            faults.is_empty(),
            "the message catalogue had faults (an unknown id or field word, a missing \
             parameter):\n{}",
            faults.join("\n")
        );
    }
}

/// The documented problems of each operation: (method, route template) → status → codes.
type Documented =
    std::collections::HashMap<(String, String), std::collections::HashMap<u16, Vec<String>>>;

fn documented() -> &'static Documented {
    static DOC: std::sync::OnceLock<Documented> = std::sync::OnceLock::new();
    DOC.get_or_init(|| {
        let spec = carepass::http::openapi_document();
        let mut out = Documented::new();
        for (path, item) in spec["paths"].as_object().expect("paths") {
            for (method, op) in item.as_object().expect("path item") {
                let mut by_status = std::collections::HashMap::new();
                for (status, response) in op["responses"].as_object().expect("responses") {
                    let codes = response["x-problem-codes"]
                        .as_array()
                        .map(|a| a.iter().map(|c| c.as_str().unwrap().to_owned()).collect())
                        .unwrap_or_default();
                    by_status.insert(status.parse().expect("status"), codes);
                }
                out.insert((method.to_uppercase(), path.clone()), by_status);
            }
        }
        out
    })
}

/// A layer outside the service's router that compares every problem it sends with the spec.
fn contract_check(app: axum::Router, seen: Arc<std::sync::Mutex<Vec<String>>>) -> axum::Router {
    use carepass::http::problem::Served;
    app.layer(axum::middleware::from_fn(
        move |request: axum::extract::Request, next: axum::middleware::Next| {
            let seen = seen.clone();
            async move {
                let response = next.run(request).await;
                // Every Japanese title and detail reads without English words (codes and ids
                // travel in their own members).
                if let Some(served) = response.extensions().get::<Served>()
                    && served.lang == carepass::messages::Lang::Ja
                {
                    for text in std::iter::once(&served.title).chain(served.detail.as_ref()) {
                        let words = carepass::messages::ascii_words(text);
                        if !words.is_empty() {
                            seen.lock().unwrap().push(format!(
                                "{} {}: English words {words:?} in Japanese: {text}",
                                served.method, served.code
                            ));
                        }
                    }
                }
                if let Some(served) = response.extensions().get::<Served>()
                    && let Some(route) = &served.route
                    && let Some(by_status) =
                        documented().get(&(served.method.to_string(), route.clone()))
                {
                    let listed = by_status
                        .get(&served.status.as_u16())
                        .is_some_and(|codes| codes.iter().any(|c| c == served.code.as_str()));
                    if !listed {
                        seen.lock().unwrap().push(format!(
                            "{} {route}: {} {}",
                            served.method, served.status, served.code
                        ));
                    }
                }
                response
            }
        },
    ))
}

/// The PostgreSQL server to test against, if any.
pub fn postgres_url() -> Option<String> {
    std::env::var("TEST_DATABASE_URL")
        .ok()
        .filter(|u| u.starts_with("postgres"))
}

fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    let base = match base[scheme_end..].find('/') {
        Some(i) => &base[..scheme_end + i],
        None => base,
    };
    match query {
        Some(q) => format!("{base}/{name}?{q}"),
        None => format!("{base}/{name}"),
    }
}

static PG_CLEANED: tokio::sync::OnceCell<()> = tokio::sync::OnceCell::const_new();
static COUNTER: AtomicU32 = AtomicU32::new(0);

/// Creates a fresh PostgreSQL database for one test and returns its URL.
pub async fn fresh_postgres(admin_url: &str) -> String {
    let config = Config::default();
    let admin = db::connect_url(admin_url, &config)
        .await
        .expect("connect to TEST_DATABASE_URL");
    let prefix = format!("carepass_t_{}_", std::process::id());
    PG_CLEANED
        .get_or_init(|| async {
            // Databases left by earlier runs (other process ids) are dropped once per run.
            let rows = admin
                .query_all_raw(Statement::from_string(
                    admin.get_database_backend(),
                    "SELECT datname FROM pg_database WHERE datname LIKE 'carepass_t_%'".to_owned(),
                ))
                .await
                .unwrap_or_default();
            for row in rows {
                let name: String = row.try_get("", "datname").unwrap_or_default();
                if !name.starts_with(&prefix) {
                    let _ = admin
                        .execute_unprepared(&format!(
                            "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
                        ))
                        .await;
                }
            }
        })
        .await;
    let name = format!("{prefix}{}", COUNTER.fetch_add(1, Ordering::SeqCst));
    admin
        .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
        .await
        .expect("create test database");
    let _ = admin.close().await;
    with_database(admin_url, &name)
}

/// A ward period a test may need to stay inside (`TestApp::with_time_left_in_the`).
#[derive(Debug, Clone, Copy)]
pub enum Period {
    Day,
    FiscalYear,
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// Starts the server with a tweaked configuration.
pub async fn spawn_app_with(tweak: impl FnOnce(&mut Config)) -> TestApp {
    if let Ok(filter) = std::env::var("TEST_LOG") {
        // TEST_LOG=debug cargo test … shows the server's logs.
        let _ = tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_test_writer()
            .try_init();
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let mut config = Config::default();
    config.database.postgres_pool_size = 4;
    config.database.sqlite_path = dir.path().join("carepass.sqlite");
    config.server.bind = "127.0.0.1:0".parse().unwrap();
    // Two-step sign-in has its own tests (second_factor.rs), which turn this back on; elsewhere
    // staff work after signing in with a password, as in `serve --demo`.
    config.auth.require_second_factor_for_staff = false;
    config.database.url = match postgres_url() {
        Some(admin) => Some(fresh_postgres(&admin).await),
        None => None,
    };
    tweak(&mut config);
    let conn = db::connect(&config).await.expect("connect");
    db::migrate(&conn).await.expect("migrate");
    // TEST_CLOCK_START=2026-12-08T14:55:00Z starts every test's clock there (here 23:55 in
    // Tokyo) to find the tests that depend on the hour they happen to run at.
    let start = std::env::var("TEST_CLOCK_START")
        .ok()
        .map(|at| at.parse().expect("TEST_CLOCK_START is an RFC 3339 instant"))
        .unwrap_or_else(Utc::now);
    let clock = ManualClock::new(start);
    let keys = Arc::new(
        KeyRing::load(&conn, Utc::now(), config.key_lifetime())
            .await
            .expect("signing keys"),
    );
    let read = db::connect_reader(&conn, &config)
        .await
        .expect("reader pool");
    let state = AppState::new(
        conn.clone(),
        read,
        config.clone(),
        Arc::new(clock.clone()),
        keys.clone(),
    );
    let listener = tokio::net::TcpListener::bind(config.server.bind)
        .await
        .expect("bind");
    let address = format!("http://{}", listener.local_addr().unwrap());
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let timeouts = server::ConnectionTimeouts::from_config(&config.server);
    let undocumented = Arc::new(std::sync::Mutex::new(Vec::new()));
    tokio::spawn(server::serve(
        listener,
        contract_check(build_app(state.clone()), undocumented.clone()),
        timeouts,
        async move {
            let _ = rx.await;
        },
    ));
    TestApp {
        address,
        client: Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap(),
        db: conn,
        clock,
        config,
        keys,
        state,
        undocumented,
        _dir: dir,
        _shutdown: tx,
    }
}

/// A signed-in account as the tests use it.
#[derive(Debug, Clone)]
pub struct User {
    pub id: Uuid,
    pub email: String,
    pub access: String,
    pub refresh: String,
    pub household_id: Option<Uuid>,
}

pub const PASSWORD: &str = "a long enough password";

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    /// Keeps a test that moves the clock by up to `span` inside one ward day (and so one month)
    /// or one fiscal year: when `span` from now would cross into the next one, the clock moves
    /// forward to 09:00 on its first day. (A partner's reversal and an admission are allowed on
    /// the day itself only; balances are per month and per fiscal year.)
    pub fn with_time_left_in_the(&self, period: Period, span: Duration) {
        use chrono::{Datelike, NaiveDate, TimeZone};
        let tokyo = chrono_tz::Asia::Tokyo;
        let now = self.clock.now_utc();
        let today = now.with_timezone(&tokyo).date_naive();
        let next: NaiveDate = match period {
            Period::Day => today + Duration::days(1),
            Period::FiscalYear => {
                let april = |y| NaiveDate::from_ymd_opt(y, 4, 1).unwrap();
                if today < april(today.year()) {
                    april(today.year())
                } else {
                    april(today.year() + 1)
                }
            }
        };
        let at = |hour| {
            tokyo
                .from_local_datetime(&next.and_hms_opt(hour, 0, 0).unwrap())
                .single()
                .unwrap()
                .with_timezone(&Utc)
        };
        if now + span >= at(0) {
            self.clock.set(at(9));
        }
    }

    /// Starts and confirms two-step sign-in for `user`: (otpauth URI, recovery codes).
    pub async fn set_up_second_factor(&self, user: &User) -> (String, Vec<String>) {
        let r = self
            .post_empty("/api/v1/me/second-factor", Some(&user.access))
            .await;
        assert_eq!(r.status(), StatusCode::CREATED);
        let setup: Value = r.json().await.unwrap();
        let uri = setup["otpauth_uri"].as_str().unwrap().to_owned();
        let r = self
            .post(
                "/api/v1/me/second-factor/confirm",
                Some(&user.access),
                &json!({ "one_time_code": one_time_code(&uri, self.clock.now_utc()) }),
            )
            .await;
        assert_eq!(r.status(), StatusCode::OK);
        let body: Value = r.json().await.unwrap();
        let codes = body["recovery_codes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c.as_str().unwrap().to_owned())
            .collect();
        (uri, codes)
    }

    /// The audit log's actions about one object, newest first, as staff read them.
    pub async fn audit_actions(&self, object_id: &str, staff_token: &str) -> Vec<String> {
        let log: Value = self
            .get(
                &format!("/api/v1/staff/audit-log?object_id={object_id}"),
                Some(staff_token),
            )
            .await
            .json()
            .await
            .expect("audit log");
        log["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|e| e["action"].as_str().expect("action").to_owned())
            .collect()
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Response {
        let mut r = self.client.get(self.url(path));
        if let Some(t) = token {
            r = r.bearer_auth(t);
        }
        r.send().await.expect("request")
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: &Value) -> Response {
        let mut r = self.client.post(self.url(path)).json(body);
        if let Some(t) = token {
            r = r.bearer_auth(t);
        }
        r.send().await.expect("request")
    }

    pub async fn put(&self, path: &str, token: Option<&str>, body: &Value) -> Response {
        let mut r = self.client.put(self.url(path)).json(body);
        if let Some(t) = token {
            r = r.bearer_auth(t);
        }
        r.send().await.expect("request")
    }

    /// Staff record the family's contact details ([`contact_body`]); returns the household id.
    pub async fn record_contact(&self, f: &Family) -> Uuid {
        let mine: Value = self
            .get("/api/v1/household", Some(&f.guardian.access))
            .await
            .json()
            .await
            .expect("household");
        let household = mine["id"].as_str().expect("household id");
        let r = self
            .put(
                &format!("/api/v1/staff/households/{household}/contact"),
                Some(&f.staff.access),
                &contact_body(),
            )
            .await;
        assert_eq!(r.status(), StatusCode::OK, "{:?}", r.text().await);
        household.parse().expect("uuid")
    }

    pub async fn post_empty(&self, path: &str, token: Option<&str>) -> Response {
        let mut r = self.client.post(self.url(path));
        if let Some(t) = token {
            r = r.bearer_auth(t);
        }
        r.send().await.expect("request")
    }

    /// Creates an account through an invitation and accepts it over HTTP.
    pub async fn create_account(&self, role: Role, household_id: Option<Uuid>) -> User {
        let email = format!("{}-{}@example.jp", role.as_str(), Uuid::new_v4().simple());
        let inv = invitations::create(
            &self.db,
            &self.config.auth,
            &Actor::system(),
            self.clock.now_utc(),
            invitations::Invite {
                role,
                email: &email,
                display_name: "テスト 利用者",
                household_id,
            },
        )
        .await
        .expect("invitation");
        let r = self
            .post(
                "/api/v1/auth/invitations/accept",
                None,
                &json!({ "invitation_code": inv.code, "password": PASSWORD }),
            )
            .await;
        assert_eq!(r.status(), StatusCode::CREATED);
        let body: Value = r.json().await.unwrap();
        User {
            id: body["account"]["id"].as_str().unwrap().parse().unwrap(),
            email,
            access: body["access_token"].as_str().unwrap().into(),
            refresh: body["refresh_token"].as_str().unwrap().into(),
            household_id,
        }
    }

    pub async fn staff(&self) -> User {
        self.create_account(Role::Staff, None).await
    }

    pub async fn admin(&self) -> User {
        self.create_account(Role::Admin, None).await
    }

    /// A household created by `staff` with one guardian signed in.
    pub async fn guardian(&self, staff: &User) -> User {
        let r = self
            .post(
                "/api/v1/staff/households",
                Some(&staff.access),
                &json!({ "name": "テスト家" }),
            )
            .await;
        assert_eq!(r.status(), StatusCode::CREATED);
        let household: Value = r.json().await.unwrap();
        let id: Uuid = household["id"].as_str().unwrap().parse().unwrap();
        self.create_account(Role::Guardian, Some(id)).await
    }

    /// Registers a child for the guardian and returns its id.
    pub async fn child(&self, guardian: &User) -> Uuid {
        let r = self
            .post("/api/v1/children", Some(&guardian.access), &child_body())
            .await;
        assert_eq!(r.status(), StatusCode::CREATED, "{:?}", r.text().await);
        let body: Value = r.json().await.unwrap();
        body["id"].as_str().unwrap().parse().unwrap()
    }

    /// Runs the lapse sweep now, as the background task does; returns how many accounts lapsed.
    pub async fn lapse_ended(&self) -> u64 {
        carepass::allowances::lapse_ended(
            &self.db,
            &self.state.rules,
            &self.config.calendar(),
            self.clock.now_utc(),
        )
        .await
        .unwrap()
    }

    /// Applies and approves (open-ended from 2020) through the area's functions, without HTTP:
    /// for tests that build their world directly. A certificate is given where needed.
    pub async fn enroll_directly(
        &self,
        staff: &carepass::audit::Actor,
        child: Uuid,
        program: carepass::enrollments::Program,
        now: DateTime<Utc>,
    ) {
        use carepass::enrollments::{self, Certificate, Decision, NextYear, Terms};
        let today = self.config.calendar().local_date(now);
        let terms = Terms {
            today,
            next: NextYear::after(
                &self.config.calendar(),
                self.config.enrollments.renewal_opens_on,
                today,
            ),
            rules: self.state.rules.on(today),
        };
        let guardian = carepass::audit::Actor {
            kind: "guardian",
            id: Some(Uuid::new_v4()),
            request_id: None,
        };
        let e = enrollments::apply(&self.db, &guardian, now, terms, child, program)
            .await
            .unwrap();
        let approve = Decision::Approve {
            valid_from: chrono::NaiveDate::from_ymd_opt(2020, 1, 1).unwrap(),
            valid_until: None,
            certificate: Some(Certificate {
                number: "1310900123".into(),
                valid_until: chrono::NaiveDate::from_ymd_opt(2099, 3, 31).unwrap(),
            }),
        };
        enrollments::decide(&self.db, staff, now, terms, e.id, approve)
            .await
            .unwrap();
    }

    /// Applies for a program and returns the application id.
    pub async fn apply(&self, guardian: &User, child: Uuid, program: &str) -> Uuid {
        let r = self
            .post(
                &format!("/api/v1/children/{child}/enrollments"),
                Some(&guardian.access),
                &json!({ "program": program }),
            )
            .await;
        assert_eq!(r.status(), StatusCode::CREATED);
        let body: Value = r.json().await.unwrap();
        body["id"].as_str().unwrap().parse().unwrap()
    }

    /// Creates a partner (as admin) and registers a device; returns (partner id, device id, credential).
    pub async fn partner_with_device(&self, admin: &User, kind: &str) -> (Uuid, Uuid, String) {
        let r = self
            .post(
                "/api/v1/admin/partners",
                Some(&admin.access),
                &json!({ "kind": kind, "name": format!("{kind} {}", Uuid::new_v4().simple()) }),
            )
            .await;
        assert_eq!(r.status(), StatusCode::CREATED);
        let p: Value = r.json().await.unwrap();
        let partner_id: Uuid = p["id"].as_str().unwrap().parse().unwrap();
        let r = self
            .post(
                &format!("/api/v1/admin/partners/{partner_id}/devices"),
                Some(&admin.access),
                &json!({ "label": "端末1" }),
            )
            .await;
        assert_eq!(r.status(), StatusCode::CREATED);
        let d: Value = r.json().await.unwrap();
        (
            partner_id,
            d["device"]["id"].as_str().unwrap().parse().unwrap(),
            d["credential"].as_str().unwrap().into(),
        )
    }

    /// Rows of integers from raw SQL (cast sums to BIGINT: PostgreSQL's SUM is NUMERIC).
    pub async fn integers(&self, sql: &str) -> Vec<Vec<i64>> {
        integers(&self.db, sql).await
    }

    /// Counts rows of a table (to prove that refused requests wrote nothing).
    pub async fn count(&self, table: &str) -> i64 {
        let row = self
            .db
            .query_one_raw(Statement::from_string(
                self.db.get_database_backend(),
                format!("SELECT COUNT(*) AS n FROM {table}"),
            ))
            .await
            .unwrap()
            .unwrap();
        row.try_get::<i64>("", "n").unwrap()
    }
}

/// A family's contact details as staff record them (fictitious: 03-0000 is never assigned).
pub fn contact_body() -> Value {
    json!({ "town": "東五反田", "address": "2-1-1 サンプルハイツ101", "phone": "03-0000-1234" })
}

pub fn child_body() -> Value {
    json!({
        "family_name": "品川",
        "given_name": "さくら",
        "family_name_kana": "しながわ",
        "given_name_kana": "さくら",
        "birth_date": "2019-05-12",
        "care_needs": ["ventilator", "suction", "wheelchair"]
    })
}

/// What staff send to approve an application valid from 2020, open-ended: with a certificate
/// valid for years where the program requires one (taxi/fuel: the 医療型短期入所 受給者証).
pub fn approval_body(program: &str) -> Value {
    if program == "taxi_fuel" {
        json!({
            "valid_from": "2020-01-01",
            "certificate": { "number": "1310900123", "valid_until": "2099-03-31" },
        })
    } else {
        json!({ "valid_from": "2020-01-01" })
    }
}

/// Asserts a problem+json answer with the given status and code, and returns its body.
pub async fn assert_problem(r: Response, status: u16, code: &str) -> Value {
    assert_eq!(r.status().as_u16(), status, "unexpected status for {code}");
    let ct = r
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned());
    assert_eq!(ct.as_deref(), Some("application/problem+json"));
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["code"], code, "{body}");
    assert_eq!(body["status"], status);
    assert_eq!(body["type"], format!("/problems/{code}"));
    assert!(body["title"].as_str().is_some_and(|t| !t.is_empty()));
    body
}

/// An instant given as a wall-clock time in Tokyo (the ward's zone).
pub fn jst(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    use chrono::TimeZone;
    chrono_tz::Asia::Tokyo
        .with_ymd_and_hms(y, m, d, h, min, 0)
        .unwrap()
        .with_timezone(&Utc)
}

/// A trait so tests can read the manual clock as UTC.
pub trait NowUtc {
    fn now_utc(&self) -> chrono::DateTime<Utc>;
}

impl NowUtc for ManualClock {
    fn now_utc(&self) -> chrono::DateTime<Utc> {
        use carepass::clock::Clock;
        self.now()
    }
}

/// Rows of integers from raw SQL on any connection.
pub async fn integers(db: &Db, sql: &str) -> Vec<Vec<i64>> {
    use sea_orm::{ConnectionTrait, Statement};
    let rows = db
        .query_all_raw(Statement::from_string(
            db.get_database_backend(),
            sql.to_owned(),
        ))
        .await
        .unwrap();
    rows.iter()
        .map(|r| {
            (0..)
                .map_while(|i| r.try_get_by_index::<i64>(i).ok())
                .collect()
        })
        .collect()
}

/// Accounts whose balance differs from the sum of their ledger entries, or is negative:
/// `(balance, ledger)` of each. Empty when the books are right.
pub async fn ledger_mismatches(db: &Db) -> Vec<Vec<i64>> {
    // Per account: the balance and the sum of its entries; what was granted and the sum of
    // its grants and carry-ins; what staff corrected and the sum of its adjustments.
    let sum = |kinds: &str| {
        format!(
            "CAST(COALESCE((SELECT SUM(l.amount) FROM ledger_entries l WHERE l.account_id = a.id{kinds}), 0) AS BIGINT)"
        )
    };
    integers(
        db,
        &format!(
            "SELECT a.balance, {}, a.granted, {}, a.adjusted, {} FROM allowance_accounts a",
            sum(""),
            sum(" AND l.kind IN ('grant', 'carry_in')"),
            sum(" AND l.kind = 'adjustment'"),
        ),
    )
    .await
    .into_iter()
    .filter(|r| r[0] != r[1] || r[0] < 0 || r[2] != r[3] || r[4] != r[5])
    .collect()
}

/// A family with one child enrolled (approved, open-ended from 2020) in `programs`.
pub struct Family {
    pub staff: User,
    pub guardian: User,
    pub child: Uuid,
}

pub async fn family(app: &TestApp, programs: &[&str]) -> Family {
    let staff = app.staff().await;
    let guardian = app.guardian(&staff).await;
    let child = app.child(&guardian).await;
    for p in programs {
        app.enroll(&staff, &guardian, child, p).await;
    }
    Family {
        staff,
        guardian,
        child,
    }
}

pub async fn issue(app: &TestApp, f: &Family, program: &str) -> Value {
    let r = app
        .post(
            &format!("/api/v1/children/{}/vouchers", f.child),
            Some(&f.guardian.access),
            &json!({ "program": program }),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED, "{:?}", r.text().await);
    r.json().await.unwrap()
}

pub async fn redeem(app: &TestApp, device: &str, key: &str, body: &Value) -> Response {
    app.client
        .post(app.url("/api/v1/device/vouchers/redeem"))
        .bearer_auth(device)
        .header("idempotency-key", key)
        .json(body)
        .send()
        .await
        .unwrap()
}

pub async fn remaining(app: &TestApp, f: &Family, program: &str) -> i64 {
    let list: Value = app
        .get(
            &format!("/api/v1/children/{}/allowances", f.child),
            Some(&f.guardian.access),
        )
        .await
        .json()
        .await
        .unwrap();
    list.as_array()
        .unwrap()
        .iter()
        .find(|s| s["program"] == program)
        .unwrap()["remaining"]
        .as_i64()
        .unwrap()
}

/// Inserts `n` unused vouchers for the child directly and signs their codes, so that many
/// codes can race against one balance (the app itself keeps one live code per program).
pub async fn mint(app: &TestApp, f: &Family, program: Program, n: usize) -> Vec<String> {
    let now = app.clock.now_utc();
    let expires_at =
        DateTime::<Utc>::from_timestamp((now + Duration::minutes(5)).timestamp(), 0).unwrap();
    let mut codes = Vec::new();
    for _ in 0..n {
        let id = Uuid::new_v4();
        let (kid, input, sig) = app
            .keys
            .sign_with(|kid| {
                token::signing_input(&Claims {
                    kid: kid.to_owned(),
                    subject_id: id,
                    program,
                    expires_at,
                    binding: token::binding(id, f.child),
                })
            })
            .unwrap();
        voucher::Entity::insert(voucher::ActiveModel {
            id: Set(id),
            child_id: Set(f.child),
            household_id: Set(f.guardian.household_id.unwrap()),
            program: Set(program.as_str().to_owned()),
            kid: Set(kid),
            status: Set("issued".into()),
            issued_by: Set(f.guardian.id),
            issued_at: Set(to_micros(now)),
            expires_at: Set(to_micros(expires_at)),
            redeemed_at: Set(None),
            cancelled_at: Set(None),
        })
        .exec_without_returning(&app.db)
        .await
        .unwrap();
        codes.push(token::assemble(&input, &sig));
    }
    codes
}

/// Sum of the ledger of every account of the child, and the sum of the balances.
pub async fn ledger_and_balance(app: &TestApp, child: Uuid) -> (i64, i64) {
    use sea_orm::{ConnectionTrait, Statement};
    let q = |sql: String| Statement::from_string(app.db.get_database_backend(), sql);
    let child_literal = match app.db.get_database_backend() {
        sea_orm::DbBackend::Postgres => format!("'{child}'"),
        _ => format!("X'{}'", child.simple()),
    };
    let ledger = app
        .db
        .query_one_raw(q(format!(
            "SELECT CAST(COALESCE(SUM(l.amount), 0) AS BIGINT) AS n FROM ledger_entries l JOIN allowance_accounts a ON a.id = l.account_id WHERE a.child_id = {child_literal}"
        )))
        .await
        .unwrap()
        .unwrap()
        .try_get::<i64>("", "n")
        .unwrap();
    let balance = app
        .db
        .query_one_raw(q(format!("SELECT CAST(COALESCE(SUM(balance), 0) AS BIGINT) AS n FROM allowance_accounts WHERE child_id = {child_literal}")))
        .await
        .unwrap()
        .unwrap()
        .try_get::<i64>("", "n")
        .unwrap();
    (ledger, balance)
}

impl TestApp {
    /// Applies for a program for the child and approves it (open-ended from 2020).
    /// A guardian with one child enrolled in the play space.
    pub async fn play_space_parent(&self, staff: &User) -> (User, Uuid) {
        let g = self.guardian(staff).await;
        let c = self.child(&g).await;
        self.enroll(staff, &g, c, "play_space").await;
        (g, c)
    }

    pub async fn enroll(&self, staff: &User, guardian: &User, child: Uuid, program: &str) {
        let id = self.apply(guardian, child, program).await;
        let r = self
            .post(
                &format!("/api/v1/staff/enrollments/{id}/approve"),
                Some(&staff.access),
                &approval_body(program),
            )
            .await;
        assert_eq!(r.status(), StatusCode::OK);
    }

    /// Corrects a child's balance as staff, within the one-approver limit; returns the balance.
    pub async fn adjust(
        &self,
        staff: &User,
        child: Uuid,
        program: &str,
        amount: i64,
        reason: &str,
    ) -> Value {
        let r = self
            .post(
                &format!("/api/v1/staff/children/{child}/allowances/{program}/adjustments"),
                Some(&staff.access),
                &json!({ "amount": amount, "reason": reason }),
            )
            .await;
        assert_eq!(r.status(), StatusCode::OK, "{:?}", r.text().await);
        r.json().await.unwrap()
    }

    /// Proposes a staff correction above the one-approver limit; returns the proposal.
    pub async fn propose(&self, staff: &User, child: Uuid, program: &str, amount: i64) -> Value {
        let r = self
            .post(
                &format!("/api/v1/staff/children/{child}/allowances/{program}/adjustments"),
                Some(&staff.access),
                &json!({ "amount": amount, "reason": "区の決定による追加支給" }),
            )
            .await;
        assert_eq!(r.status(), StatusCode::ACCEPTED, "{:?}", r.text().await);
        r.json().await.unwrap()
    }
}

/// Reads CSV as a spreadsheet would (RFC 4180: quoted fields, doubled quotes, CRLF).
pub fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let (mut rows, mut row, mut field) = (Vec::new(), Vec::new(), String::new());
    let mut chars = text.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut field)),
            (false, '\r') if chars.peek() == Some(&'\n') => {
                chars.next();
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            (false, c) => field.push(c),
        }
    }
    rows
}

/// Checks a CSV as a spreadsheet user would: the totals are the last line, after an empty one,
/// starting with 合計; each named column sums to the number under it there; every line has the
/// header's columns. Returns the totals by column name.
pub fn assert_csv_adds_up(text: &str, columns: &[&str]) -> std::collections::HashMap<String, i64> {
    let rows = parse_csv(text);
    let header = &rows[0];
    let totals = rows.last().unwrap();
    assert_eq!(totals[0], "合計", "{text}");
    assert!(
        rows[rows.len() - 2].iter().all(String::is_empty),
        "no empty line before the totals"
    );
    let body = &rows[1..rows.len() - 2];
    let mut out = std::collections::HashMap::new();
    for name in columns {
        let col = header.iter().position(|h| h == name).unwrap();
        let sum: i64 = body
            .iter()
            .map(|r| r[col].parse::<i64>().unwrap_or(0))
            .sum();
        let total: i64 = totals[col].parse().unwrap();
        assert_eq!(sum, total, "{name} does not add up in\n{text}");
        out.insert((*name).to_owned(), total);
    }
    for r in body.iter().chain(std::iter::once(totals)) {
        assert_eq!(r.len(), header.len(), "{r:?}");
    }
    out
}

/// The code an authenticator app shows for `otpauth_uri` at `at`.
pub fn one_time_code(otpauth_uri: &str, at: chrono::DateTime<Utc>) -> String {
    let totp = totp_rs::TOTP::from_url(otpauth_uri).expect("an otpauth URI");
    totp.generate(at.timestamp() as u64)
}

/// The text of the one QR code in a base64 PNG, as a phone's camera would read it.
pub fn decode_qr(png_base64: &str) -> String {
    let bytes =
        base64::Engine::decode(&base64::engine::general_purpose::STANDARD, png_base64).unwrap();
    let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    let (w, h) = (info.width as usize, info.height as usize);
    let mut img = rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| buf[y * w + x]);
    let grids = img.detect_grids();
    assert_eq!(grids.len(), 1, "one QR code in the image");
    grids[0].decode().unwrap().1
}

/// Reads one HTTP/1.1 request from a test receiver's socket: (head, body). `None` when the
/// peer closes first. For the stand-in push gateway and OTLP collector.
pub async fn read_request(socket: &mut tokio::net::TcpStream) -> Option<(String, Vec<u8>)> {
    use tokio::io::AsyncReadExt;
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    let (head_end, length) = loop {
        let n = socket.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..i]).to_ascii_lowercase();
            let length = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse::<usize>().ok())
                .unwrap_or(0);
            break (i + 4, length);
        }
    };
    while buf.len() < head_end + length {
        let n = socket.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    Some((head, buf[head_end..head_end + length].to_vec()))
}

/// A program of the default (Shinagawa) configuration, by its configured id.
pub fn program(id: &str) -> carepass::config::Program {
    carepass::config::Program::parse(id).expect("a program id")
}

pub fn taxi_fuel() -> carepass::config::Program {
    program("taxi_fuel")
}

pub fn care_taxi() -> carepass::config::Program {
    program("care_taxi")
}

pub fn respite() -> carepass::config::Program {
    program("respite")
}

/// A program's yearly figures in the shape every program shares (staff).
pub async fn program_figures(app: &TestApp, staff: &str, program: &str, fy: &str) -> Value {
    let r = app
        .get(
            &format!("/api/v1/staff/program-figures?program={program}&fiscal_year={fy}"),
            Some(staff),
        )
        .await;
    assert_eq!(r.status(), reqwest::StatusCode::OK);
    r.json().await.unwrap()
}

/// One month's (or the year's) recipients, uses and amount from [`program_figures`].
pub fn tally_of(figures: &Value, month: &str) -> (i64, i64, i64) {
    let t = if figures["total"]["month"] == month {
        &figures["total"]
    } else {
        figures["months"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["month"] == month)
            .expect("the month is in the year")
    };
    (
        t["recipients"].as_i64().unwrap(),
        t["uses"].as_i64().unwrap(),
        t["amount"].as_i64().unwrap(),
    )
}

/// 10:00 in the ward (Asia/Tokyo) on the day after the app's clock.
pub fn tomorrow_at_ten(app: &TestApp) -> chrono::DateTime<chrono::Utc> {
    use chrono::TimeZone;
    let tokyo = chrono_tz::Asia::Tokyo;
    let d = app.clock.now_utc().with_timezone(&tokyo).date_naive() + chrono::Duration::days(1);
    tokyo
        .from_local_datetime(&d.and_hms_opt(10, 0, 0).unwrap())
        .unwrap()
        .with_timezone(&chrono::Utc)
}
