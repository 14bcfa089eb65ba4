//! `carepass-bench`: the redemption hot path measured over HTTP, from a separate process.
//!
//! For each engine it prepares a fresh database with the real migrations, seeds children
//! enrolled in the taxi/fuel subsidy and many signed vouchers (through the library, in bulk),
//! starts the real `carepass` binary on it, and drives `verify` and `redeem` at each client
//! count for a fixed time, reporting requests/s, p50/p99 latency, errors, the server's CPU time
//! per answered request and its RSS.
//! See BENCHMARKS.md for the command and the figures.

use std::path::PathBuf;
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use carepass::allowances;
use carepass::audit::Actor;
use carepass::clock::to_micros;
use carepass::config::{Config, SqliteSynchronous};
use carepass::enrollments::Program;
use carepass::entity::{child, enrollment, household, voucher};
use carepass::partners::{self, PartnerKind};
use carepass::signed_codes::keys::KeyRing;
use carepass::signed_codes::token::{self, Claims};
use chrono::{DateTime, NaiveDate, Utc};
use clap::Parser;
use sea_orm::{ActiveValue::Set, ConnectionTrait, EntityTrait, TransactionTrait};
use uuid::Uuid;

#[derive(Parser, Debug)]
#[command(about = "Benchmark carepass verify/redeem over HTTP")]
struct Args {
    /// Engines to measure: sqlite, postgres.
    #[arg(long, value_delimiter = ',', default_value = "sqlite,postgres")]
    engines: Vec<String>,
    /// Concurrent clients.
    #[arg(long, value_delimiter = ',', default_value = "1,16,64")]
    clients: Vec<usize>,
    /// Measured seconds per run.
    #[arg(long, default_value_t = 10)]
    seconds: u64,
    /// Warm-up seconds per run (not measured).
    #[arg(long, default_value_t = 2)]
    warmup: u64,
    /// Vouchers to create (each redeem uses one).
    #[arg(long, default_value_t = 150_000)]
    vouchers: usize,
    /// Already-redeemed vouchers stored besides, to see the cost of a large table.
    #[arg(long, default_value_t = 0)]
    stored: usize,
    /// SQLite durability: full (default, as the service ships) or normal.
    #[arg(long, default_value = "full")]
    sqlite_sync: String,
    /// PostgreSQL server where the database `carepass_bench` may be (re)created.
    #[arg(long, default_value = "postgres://postgres@127.0.0.1:5432/postgres")]
    pg_url: String,
    /// The carepass binary (build it with `cargo build --release`).
    #[arg(long, default_value = "target/release/carepass")]
    binary: PathBuf,
    /// Server port.
    #[arg(long, default_value_t = 18080)]
    port: u16,
    /// PostgreSQL pool size of the server (`database.postgres_pool_size`); the shipped
    /// default when not given.
    #[arg(long)]
    pg_pool: Option<u32>,
    /// SQLite: most writes per shared commit (`database.write_batch_max`; 1 commits each
    /// write alone); the shipped default when not given.
    #[arg(long)]
    write_batch: Option<usize>,
}

const DEVICE_CREDENTIAL: &str = "cpd_bench_taxi_company_device";

struct Seeded {
    codes: Vec<String>,
}

fn with_database(url: &str, name: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let scheme_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    let base = base[scheme_end..]
        .find('/')
        .map_or(base, |i| &base[..scheme_end + i]);
    match query {
        Some(q) => format!("{base}/{name}?{q}"),
        None => format!("{base}/{name}"),
    }
}

/// Seeds children (20 vouchers' worth of allowance each), the device, and the vouchers.
async fn seed(db: &carepass::db::Db, vouchers: usize, stored: usize) -> Result<Seeded> {
    let now = Utc::now();
    let t = to_micros(now);
    let system = Actor::system();
    let keys = KeyRing::load(db, now, carepass::config::Config::default().key_lifetime()).await?;
    let partner =
        partners::create_partner(db, &system, now, PartnerKind::TaxiCompany, "ベンチ交通").await?;
    partners::register_device_with_credential(
        db,
        &system,
        now,
        partner.id,
        "bench",
        DEVICE_CREDENTIAL,
    )
    .await?;
    let household_id = Uuid::new_v4();
    household::Entity::insert(household::ActiveModel {
        id: Set(household_id),
        name: Set("ベンチ家".into()),
        created_at: Set(t),
        ..Default::default()
    })
    .exec_without_returning(db)
    .await?;
    // 1,000 JPY per redeem and 20,000 JPY a month: one child per 20 vouchers, plus spare.
    let children = vouchers / 20 + 1;
    let mut child_ids = Vec::with_capacity(children);
    for chunk in (0..children).collect::<Vec<_>>().chunks(500) {
        let tx = db.conn().begin().await?;
        let mut kids = Vec::new();
        let mut enrollments = Vec::new();
        for _ in chunk {
            let id = Uuid::new_v4();
            child_ids.push(id);
            kids.push(child::ActiveModel {
                id: Set(id),
                household_id: Set(household_id),
                family_name: Set("品川".into()),
                given_name: Set("ベンチ".into()),
                family_name_kana: Set("しながわ".into()),
                given_name_kana: Set("べんち".into()),
                birth_date: Set(NaiveDate::from_ymd_opt(2019, 1, 1).unwrap()),
                care_needs: Set("[]".into()),
                created_at: Set(t),
                updated_at: Set(t),
            });
            enrollments.push(enrollment::ActiveModel {
                id: Set(Uuid::new_v4()),
                child_id: Set(id),
                program: Set("taxi_fuel".into()),
                status: Set("approved".into()),
                valid_from: Set(Some(NaiveDate::from_ymd_opt(2020, 1, 1).unwrap())),
                valid_until: Set(None),
                decision_reason: Set(None),
                applied_by: Set(Uuid::nil()),
                decided_by: Set(Some(Uuid::nil())),
                decided_at: Set(Some(t)),
                created_at: Set(t),
                renewal_from: Set(None),
                // Taxi/fuel requires a recipient certificate valid on the day of each use.
                certificate_number: Set(Some("1310900123".into())),
                certificate_valid_until: Set(NaiveDate::from_ymd_opt(2099, 3, 31)),
            });
        }
        child::Entity::insert_many(kids)
            .exec_without_returning(&tx)
            .await?;
        enrollment::Entity::insert_many(enrollments)
            .exec_without_returning(&tx)
            .await?;
        tx.commit().await?;
    }
    // Issuing a code opens the child's account for the month (and grants it); do the same
    // here, so that redeeming measures the path it takes in use.
    let config = Config::default();
    let calendar = config.calendar();
    let rules = config.rule_book()?;
    for chunk in child_ids.chunks(500) {
        let tx = db.conn().begin().await?;
        for &child_id in chunk {
            allowances::current_account(
                &tx,
                &rules,
                &calendar,
                child_id,
                Program::parse("taxi_fuel").expect("the default programs"),
                now,
            )
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        }
        tx.commit().await?;
    }
    let expires_at = DateTime::<Utc>::from_timestamp(now.timestamp() + 6 * 3600, 0).unwrap();
    let mut codes = Vec::with_capacity(vouchers);
    let total = vouchers + stored;
    let mut made = 0;
    while made < total {
        let n = (total - made).min(1000);
        let tx = db.conn().begin().await?;
        let mut rows = Vec::with_capacity(n);
        for i in made..made + n {
            let id = Uuid::now_v7();
            // Spread each child's vouchers so concurrent clients rarely share a balance.
            let child_id = child_ids[i % child_ids.len()];
            let live = i < vouchers;
            // Only live vouchers need a code; the stored (used) ones just fill the table.
            let kid = if live {
                let (kid, input, sig) = keys
                    .sign_with(|kid| {
                        token::signing_input(&Claims {
                            kid: kid.to_owned(),
                            subject_id: id,
                            program: Program::parse("taxi_fuel").expect("the default programs"),
                            expires_at,
                            binding: token::binding(id, child_id),
                        })
                    })
                    .context("signing key")?;
                codes.push(token::assemble(&input, &sig));
                kid
            } else {
                keys.active_kid().context("signing key")?
            };
            rows.push(voucher::ActiveModel {
                id: Set(id),
                child_id: Set(child_id),
                household_id: Set(household_id),
                program: Set("taxi_fuel".into()),
                kid: Set(kid),
                status: Set(if live { "issued" } else { "redeemed" }.into()),
                issued_by: Set(Uuid::nil()),
                issued_at: Set(t),
                expires_at: Set(to_micros(expires_at)),
                redeemed_at: Set(None),
                cancelled_at: Set(None),
            });
        }
        voucher::Entity::insert_many(rows)
            .exec_without_returning(&tx)
            .await?;
        tx.commit().await?;
        made += n;
    }
    Ok(Seeded { codes })
}

struct Server {
    child: tokio::process::Child,
    pid: u32,
    _dir: tempfile::TempDir,
}

impl Server {
    fn rss_kib(&self) -> (u64, u64) {
        let status =
            std::fs::read_to_string(format!("/proc/{}/status", self.pid)).unwrap_or_default();
        let field = |name: &str| {
            status
                .lines()
                .find(|l| l.starts_with(name))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
                .unwrap_or(0)
        };
        (field("VmRSS:"), field("VmHWM:"))
    }
}

/// A process's CPU time so far, user + system, in clock ticks (`/proc/<pid>/stat`, all of its
/// threads).
fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the command (which may hold spaces) start after its closing parenthesis;
    // utime and stime are the 14th and 15th fields of the line.
    let rest = stat.rsplit_once(')').map(|(_, r)| r).unwrap_or("");
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let at = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
    };
    at(11).saturating_add(at(12))
}

/// The CPU time so far, in clock ticks, of every process whose command is `name` (all of
/// PostgreSQL's backends and helpers: `postgres`). A backend that ends in between takes its
/// ticks with it; the server's pool keeps its backends for the whole run.
fn cpu_ticks_named(name: &str) -> u64 {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return 0;
    };
    entries
        .filter_map(|e| e.ok())
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            std::fs::read_to_string(format!("/proc/{pid}/comm")).is_ok_and(|c| c.trim() == name)
        })
        .map(cpu_ticks)
        .sum()
}

/// The whole machine's CPU time so far, in clock ticks over all cores (`/proc/stat`): busy
/// (user, system, interrupts) and stolen (the hypervisor ran another machine instead).
fn machine_ticks() -> (u64, u64) {
    let stat = std::fs::read_to_string("/proc/stat").unwrap_or_default();
    let Some(line) = stat.lines().find(|l| l.starts_with("cpu ")) else {
        return (0, 0);
    };
    let fields: Vec<u64> = line
        .split_whitespace()
        .skip(1)
        .map(|v| v.parse().unwrap_or(0))
        .collect();
    let at = |i: usize| fields.get(i).copied().unwrap_or(0);
    // user, nice, system, idle, iowait, irq, softirq, steal
    (at(0) + at(1) + at(2) + at(5) + at(6), at(7))
}

/// CPU ticks spent by each party in a window.
#[derive(Default, Clone, Copy)]
struct Ticks {
    server: u64,
    postgres: u64,
    client: u64,
    machine: u64,
    stolen: u64,
}

impl Ticks {
    fn now(server_pid: u32) -> Self {
        let (machine, stolen) = machine_ticks();
        Ticks {
            server: cpu_ticks(server_pid),
            postgres: cpu_ticks_named("postgres"),
            client: cpu_ticks(std::process::id()),
            machine,
            stolen,
        }
    }

    fn since(self, from: Ticks) -> Self {
        Ticks {
            server: self.server.saturating_sub(from.server),
            postgres: self.postgres.saturating_sub(from.postgres),
            client: self.client.saturating_sub(from.client),
            machine: self.machine.saturating_sub(from.machine),
            stolen: self.stolen.saturating_sub(from.stolen),
        }
    }

    /// What the rest of the machine spent: neither the server, nor PostgreSQL, nor this client
    /// (the kernel's disk and network work on their behalf, other processes).
    fn others(self) -> u64 {
        self.machine
            .saturating_sub(self.server + self.postgres + self.client)
    }
}

/// Clock ticks per second (`getconf CLK_TCK`; 100 on Linux when it cannot be asked).
fn ticks_per_second() -> u64 {
    std::process::Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(100)
}

async fn start_server(args: &Args, dir: tempfile::TempDir, database_url: &str) -> Result<Server> {
    let config_path = dir.path().join("carepass.toml");
    std::fs::write(
        &config_path,
        format!(
            // One bench device stands for a whole fleet of taxis, so the per-device write
            // limit is off here.
            "[server]\nwrites_per_minute_per_caller = 0\n\n[database]\nsqlite_path = \"{}\"\nsqlite_synchronous = \"{}\"\n{}{}",
            dir.path().join("bench.sqlite").display(),
            args.sqlite_sync,
            args.pg_pool
                .map(|n| format!("postgres_pool_size = {n}\n"))
                .unwrap_or_default(),
            args.write_batch
                .map(|n| format!("write_batch_max = {n}\n"))
                .unwrap_or_default(),
        ),
    )?;
    let binary = std::fs::canonicalize(&args.binary).with_context(|| {
        format!(
            "{} (run cargo build --release first)",
            args.binary.display()
        )
    })?;
    let child = tokio::process::Command::new(&binary)
        .args([
            "--config",
            config_path.to_str().unwrap(),
            "serve",
            "--bind",
            &format!("127.0.0.1:{}", args.port),
        ])
        .env("DATABASE_URL", database_url)
        .env("RUST_LOG", "warn")
        .current_dir(dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .with_context(|| format!("start {}", args.binary.display()))?;
    let pid = child.id().context("server pid")?;
    let client = reqwest::Client::new();
    for _ in 0..200 {
        if let Ok(r) = client
            .get(format!("http://127.0.0.1:{}/readyz", args.port))
            .send()
            .await
            && r.status().is_success()
        {
            return Ok(Server {
                child,
                pid,
                _dir: dir,
            });
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    bail!("the server did not become ready")
}

#[derive(Default)]
struct Outcome {
    latencies_us: Vec<u64>,
    errors: u64,
    first_error: Option<String>,
    /// CPU ticks spent in the measured window, by party.
    ticks: Ticks,
}

/// Runs `clients` loops for warm-up + measured seconds; counts only the measured window.
async fn drive(
    args: &Args,
    client: &reqwest::Client,
    clients: usize,
    redeem: bool,
    codes: Arc<Vec<String>>,
    next: Arc<AtomicUsize>,
    server_pid: u32,
) -> Result<(f64, Outcome)> {
    let base = format!("http://127.0.0.1:{}", args.port);
    let start = Instant::now();
    let measure_from = start + Duration::from_secs(args.warmup);
    let stop_at = measure_from + Duration::from_secs(args.seconds);
    // CPU time over exactly the measured window: the server's, PostgreSQL's, this client's,
    // and the machine's (so that a run disturbed by other work shows).
    let cpu = tokio::spawn(async move {
        tokio::time::sleep_until(measure_from.into()).await;
        let from = Ticks::now(server_pid);
        tokio::time::sleep_until(stop_at.into()).await;
        Ticks::now(server_pid).since(from)
    });
    let mut tasks = Vec::new();
    for w in 0..clients {
        let (client, codes, next, base) =
            (client.clone(), codes.clone(), next.clone(), base.clone());
        tasks.push(tokio::spawn(async move {
            let mut out = Outcome::default();
            let mut i = w;
            loop {
                let now = Instant::now();
                if now >= stop_at {
                    break;
                }
                let (url, body, key) = if redeem {
                    let n = next.fetch_add(1, Ordering::Relaxed);
                    // The last tenth of the codes is kept for verify.
                    if n >= codes.len() * 9 / 10 {
                        out.errors += 1;
                        out.first_error.get_or_insert("ran out of vouchers".into());
                        break;
                    }
                    (
                        format!("{base}/api/v1/device/vouchers/redeem"),
                        serde_json::json!({ "payload": codes[n], "amount_yen": 1000 }),
                        Some(Uuid::new_v4().to_string()),
                    )
                } else {
                    let tenth = (codes.len() / 10).max(1);
                    i = codes.len() - 1 - (i + 7919) % tenth;
                    (
                        format!("{base}/api/v1/device/vouchers/verify"),
                        serde_json::json!({ "payload": codes[i] }),
                        None,
                    )
                };
                let mut req = client.post(&url).bearer_auth(DEVICE_CREDENTIAL).json(&body);
                if let Some(k) = key {
                    req = req.header("idempotency-key", k);
                }
                let sent = Instant::now();
                let result = req.send().await;
                let ok = match result {
                    Ok(r) => {
                        let status = r.status();
                        let text = r.bytes().await.unwrap_or_default();
                        if status.is_success() {
                            true
                        } else {
                            out.first_error.get_or_insert(format!(
                                "{status} {}",
                                String::from_utf8_lossy(&text)
                            ));
                            false
                        }
                    }
                    Err(e) => {
                        out.first_error.get_or_insert(e.to_string());
                        false
                    }
                };
                let done = Instant::now();
                if sent >= measure_from && done <= stop_at {
                    if ok {
                        out.latencies_us.push((done - sent).as_micros() as u64);
                    } else {
                        out.errors += 1;
                    }
                }
            }
            out
        }));
    }
    let mut all = Outcome::default();
    for t in tasks {
        let o = t.await?;
        all.latencies_us.extend(o.latencies_us);
        all.errors += o.errors;
        if all.first_error.is_none() {
            all.first_error = o.first_error;
        }
    }
    all.latencies_us.sort_unstable();
    all.ticks = cpu.await?;
    let rate = all.latencies_us.len() as f64 / args.seconds as f64;
    Ok((rate, all))
}

fn percentile(sorted: &[u64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let idx = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[idx] as f64 / 1000.0
}

async fn prepare(
    engine: &str,
    args: &Args,
    dir: &tempfile::TempDir,
) -> Result<(String, carepass::db::Db)> {
    let mut config = Config::default();
    config.database.sqlite_synchronous = if args.sqlite_sync == "normal" {
        SqliteSynchronous::Normal
    } else {
        SqliteSynchronous::Full
    };
    let url = match engine {
        "sqlite" => format!(
            "sqlite://{}?mode=rwc",
            dir.path().join("bench.sqlite").display()
        ),
        "postgres" => {
            let admin = carepass::db::connect_url(&args.pg_url, &config).await?;
            admin
                .execute_unprepared("DROP DATABASE IF EXISTS carepass_bench WITH (FORCE)")
                .await?;
            admin
                .execute_unprepared("CREATE DATABASE carepass_bench")
                .await?;
            admin.close().await?;
            with_database(&args.pg_url, "carepass_bench")
        }
        other => bail!("unknown engine {other}"),
    };
    let db = carepass::db::connect_url(&url, &config).await?;
    carepass::db::migrate(&db).await?;
    Ok((url, db))
}

#[tokio::main]
async fn main() -> Result<()> {
    let args = Args::parse();
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(256)
        .build()?;
    let tick_us = 1_000_000 / ticks_per_second().max(1);
    println!(
        "| engine | operation | clients | req/s | p50 ms | p99 ms | errors | server CPU µs/req | server CPU % of a core | server RSS MiB (now / peak) | PostgreSQL CPU µs/req | client CPU µs/req | machine busy % of a core | rest of the machine % of a core | stolen % of a core |"
    );
    println!(
        "| --- | --- | --: | --: | --: | --: | --: | --: | --: | --: | --: | --: | --: | --: | --: |"
    );
    for engine in &args.engines {
        let dir = tempfile::tempdir()?;
        let (url, db) = prepare(engine, &args, &dir).await?;
        let seeded_at = Instant::now();
        let seeded = seed(&db, args.vouchers, args.stored).await?;
        eprintln!(
            "{engine}: seeded {} vouchers (+{} stored) in {:.1} s",
            seeded.codes.len(),
            args.stored,
            seeded_at.elapsed().as_secs_f64()
        );
        db.close().await?;
        let server = start_server(&args, dir, &url).await?;
        let codes = Arc::new(seeded.codes);
        let next = Arc::new(AtomicUsize::new(0));
        let label = if engine == "sqlite" {
            match args.write_batch {
                Some(n) => format!("sqlite (sync={}, batch ≤ {n})", args.sqlite_sync),
                None => format!("sqlite (sync={})", args.sqlite_sync),
            }
        } else {
            match args.pg_pool {
                Some(n) => format!("postgres (pool {n})"),
                None => "postgres".into(),
            }
        };
        for &clients in &args.clients {
            for redeem in [false, true] {
                let (rate, out) = drive(
                    &args,
                    &client,
                    clients,
                    redeem,
                    codes.clone(),
                    next.clone(),
                    server.pid,
                )
                .await?;
                let (rss, peak) = server.rss_kib();
                let ticks = out.ticks;
                let answered = out.latencies_us.len().max(1) as u64;
                let per_request = |t: u64| t.saturating_mul(tick_us) / answered;
                let share =
                    |t: u64| t.saturating_mul(tick_us) as f64 / (args.seconds as f64 * 10_000.0);
                let postgres = if engine == "postgres" {
                    per_request(ticks.postgres).to_string()
                } else {
                    "–".into()
                };
                println!(
                    "| {label} | {} | {clients} | {rate:.0} | {:.2} | {:.2} | {} | {} | {:.0} | {:.0} / {:.0} | {postgres} | {} | {:.0} | {:.0} | {:.0} |",
                    if redeem { "redeem" } else { "verify" },
                    percentile(&out.latencies_us, 0.50),
                    percentile(&out.latencies_us, 0.99),
                    out.errors,
                    per_request(ticks.server),
                    share(ticks.server),
                    rss as f64 / 1024.0,
                    peak as f64 / 1024.0,
                    per_request(ticks.client),
                    share(ticks.machine),
                    share(ticks.others()),
                    share(ticks.stolen),
                );
                if let Some(e) = out.first_error {
                    eprintln!("  first error: {e}");
                }
            }
        }
        let mut child = server.child;
        let _ = child.kill().await;
    }
    Ok(())
}
