//! The `carepass` binary: config → telemetry → connect → migrate → (demo data) → serve.

use std::path::PathBuf;
use std::sync::Arc;

use clap::{Parser, Subcommand};
use tracing_subscriber::EnvFilter;

use carepass::clock::SystemClock;
use carepass::config::Config;
use carepass::signed_codes::keys::KeyRing;
use carepass::state::AppState;
use carepass::{build_app, db, demo, server, tasks};

/// mimalloc instead of the C library's allocator: a request allocates and frees many small
/// objects across threads, where glibc's malloc spent about a tenth of the server's CPU
/// (perf, BENCHMARKS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "carepass",
    version,
    about = "Shinagawa medical-care children support service"
)]
struct Cli {
    /// Configuration file (TOML); see config/carepass.toml for every key and its default.
    #[arg(long, env = "CAREPASS_CONFIG", global = true)]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Migrate the database and serve HTTP (the default).
    Serve {
        /// Seed the demo dataset (idempotent) and print its logins.
        #[arg(long)]
        demo: bool,
        /// Override server.bind, e.g. 0.0.0.0:8080.
        #[arg(long, env = "CAREPASS_BIND")]
        bind: Option<std::net::SocketAddr>,
    },
    /// Apply pending migrations and exit.
    Migrate,
    /// Seed the demo dataset (idempotent) and exit.
    SeedDemo,
    /// Print the OpenAPI document.
    Openapi,
    /// Write a consistent copy of the SQLite database to a new file while the service runs
    /// (`VACUUM INTO`). For PostgreSQL use `pg_dump` (see the README's Reliability section).
    Backup {
        /// The new file; it must not exist yet.
        #[arg(long)]
        to: PathBuf,
    },
    /// Create an invitation for an admin account and print its one-time code (bootstrap).
    InviteAdmin {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
    },
}

/// Logs go to stdout: text (colours only on a terminal) or, with `CAREPASS_LOG_FORMAT=json`,
/// one JSON object per line and nothing else. With `OTEL_EXPORTER_OTLP_ENDPOINT` set, spans are
/// also exported over OTLP (see `carepass::otel`). Returns whether the format is JSON, and the
/// exporter to flush at exit.
fn init_tracing() -> anyhow::Result<(bool, Option<carepass::otel::Otel>)> {
    use std::io::IsTerminal;
    use tracing_subscriber::Layer;
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,sea_orm=warn"));
    let json = std::env::var("CAREPASS_LOG_FORMAT").is_ok_and(|v| v == "json");
    let fmt = tracing_subscriber::fmt::layer().with_target(false);
    let fmt = if json {
        fmt.json().flatten_event(true).boxed()
    } else {
        fmt.with_ansi(std::io::stdout().is_terminal()).boxed()
    };
    let (otel, otel_layer) = match carepass::otel::Otel::from_env()? {
        Some((otel, tracer)) => (
            Some(otel),
            Some(tracing_opentelemetry::layer().with_tracer(tracer)),
        ),
        None => (None, None),
    };
    tracing_subscriber::registry()
        .with(filter)
        .with(fmt)
        .with(otel_layer)
        .init();
    Ok((json, otel))
}

/// Tells the operator something: a plain line on a terminal or in text mode, a log event in
/// JSON mode (where stdout holds JSON lines only).
fn say(json: bool, text: &str) {
    if json {
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            tracing::info!("{line}");
        }
    } else {
        println!("{text}");
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let command = cli.command.unwrap_or(Command::Serve {
        demo: false,
        bind: None,
    });
    if let Command::Openapi = command {
        println!(
            "{}",
            serde_json::to_string_pretty(&carepass::openapi_document())?
        );
        return Ok(());
    }
    let (json, otel) = init_tracing()?;
    let mut config = Config::load(cli.config.as_deref())?;
    let conn = db::connect(&config).await?;
    db::migrate(&conn).await?;
    match command {
        Command::Migrate => {
            tracing::info!("migrations applied");
        }
        Command::SeedDemo => {
            let now = chrono::Utc::now();
            let keys = KeyRing::load(&conn, now, config.key_lifetime()).await?;
            let wrote = demo::seed(&conn, &config, &keys, now).await?;
            say(
                json,
                if wrote {
                    "demo data seeded"
                } else {
                    "demo data already present"
                },
            );
            say(json, &demo::credentials_text());
        }
        Command::Serve {
            demo: with_demo,
            bind,
        } => {
            if let Some(b) = bind {
                config.server.bind = b;
            }
            if with_demo && config.auth.require_second_factor_for_staff {
                // The demo's staff and admin logins are printed with their passwords; a second
                // factor would only stand in the way of trying the service.
                config.auth.require_second_factor_for_staff = false;
                tracing::warn!(
                    "demo mode: staff and admins may work without two-step sign-in (auth.require_second_factor_for_staff is off)"
                );
            }
            let keys =
                Arc::new(KeyRing::load(&conn, chrono::Utc::now(), config.key_lifetime()).await?);
            if with_demo {
                let wrote = demo::seed(&conn, &config, &keys, chrono::Utc::now()).await?;
                say(
                    json,
                    if wrote {
                        "demo data seeded"
                    } else {
                        "demo data already present"
                    },
                );
                say(json, &demo::credentials_text());
            }
            let listener = tokio::net::TcpListener::bind(config.server.bind).await?;
            let url = config.database_url();
            let shown = if url.starts_with("postgres") {
                "postgres"
            } else {
                url.as_str()
            };
            tracing::info!(address = %listener.local_addr()?, database = %shown, "listening");
            if !json {
                println!(
                    "Carepass listening on http://{} (API docs: /docs)",
                    listener.local_addr()?
                );
            }
            let keys =
                Arc::new(KeyRing::load(&conn, chrono::Utc::now(), config.key_lifetime()).await?);
            let read = db::connect_reader(&conn, &config).await?;
            let timeouts = server::ConnectionTimeouts::from_config(&config.server);
            let state = AppState::new(conn.clone(), read, config, Arc::new(SystemClock), keys);
            let sweeper = tasks::spawn_lapse_sweeper(state.clone());
            let delivery = carepass::notifications::worker::Worker::new(
                conn.clone(),
                state.config.notifications.clone(),
                Arc::new(SystemClock),
            )
            .map(|w| w.spawn());
            if delivery.is_none() {
                tracing::info!(
                    "no notifications.webhook_url: notifications stay in the app's inbox"
                );
            }
            server::serve(
                listener,
                build_app(state),
                timeouts,
                server::shutdown_signal(),
            )
            .await?;
            sweeper.abort();
            if let Some(d) = delivery {
                d.abort();
            }
            conn.close().await?;
        }
        Command::InviteAdmin { email, name } => {
            let invitation = carepass::auth::invitations::create(
                &conn,
                &config.auth,
                &carepass::audit::Actor::system(),
                chrono::Utc::now(),
                carepass::auth::invitations::Invite {
                    role: carepass::auth::Role::Admin,
                    email: &email,
                    display_name: &name,
                    household_id: None,
                },
            )
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
            println!(
                "Admin invitation for {} (valid until {}):",
                invitation.email, invitation.expires_at
            );
            println!("{}", invitation.code);
            println!("Redeem it with POST /api/v1/auth/invitations/accept.");
        }
        Command::Backup { to } => {
            db::backup_sqlite(&conn, &to).await?;
            println!("backup written to {}", to.display());
        }
        Command::Openapi => {}
    }
    if let Some(o) = otel {
        o.shutdown();
    }
    Ok(())
}
