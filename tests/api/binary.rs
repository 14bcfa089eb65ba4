//! The README's run command: the real binary starts on a fresh SQLite file under ./data/,
//! migrates it, seeds the demo data and serves.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use serde_json::{Value, json};

#[tokio::test]
async fn the_binary_starts_on_a_fresh_sqlite_file_with_demo_data() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_carepass"))
        .args(["serve", "--demo", "--bind", "127.0.0.1:0"])
        .current_dir(dir.path())
        .env_remove("DATABASE_URL")
        .env_remove("CAREPASS_CONFIG")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start carepass");
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let mut printed = Vec::new();
    let address = loop {
        let line = rx
            .recv_timeout(std::time::Duration::from_secs(60))
            .expect("the binary printed its address");
        if let Some(rest) = line.strip_prefix("Carepass listening on ") {
            break rest.split_whitespace().next().unwrap().to_owned();
        }
        printed.push(line);
    };
    assert!(
        printed.iter().any(|l| l.contains("demo data seeded")),
        "{printed:?}"
    );
    assert!(
        printed
            .iter()
            .any(|l| l.contains("hanako@carepass.example.jp"))
    );
    assert!(dir.path().join("data/carepass.sqlite").exists());

    let client = reqwest::Client::new();
    let r = client
        .post(format!("{address}/api/v1/auth/login"))
        .json(&json!({ "email": "staff@carepass.example.jp", "password": "demo-staff-password" }))
        .send()
        .await
        .unwrap();
    let status = r.status();
    let body: Value = r.json().await.unwrap();
    // In demo mode staff work with a password alone (two-step sign-in is not required).
    let households = client
        .get(format!("{address}/api/v1/staff/households"))
        .bearer_auth(body["access_token"].as_str().unwrap_or_default())
        .send()
        .await
        .unwrap()
        .status();
    // SIGTERM: the server finishes and exits cleanly.
    let term = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(term.success());
    let exited = wait_with_timeout(&mut child, std::time::Duration::from_secs(20));
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["account"]["role"], "staff");
    assert_eq!(households, 200);
    assert!(
        exited.is_some_and(|s| s.success()),
        "no graceful exit: {exited:?}"
    );
}

fn wait_with_timeout(
    child: &mut std::process::Child,
    limit: std::time::Duration,
) -> Option<std::process::ExitStatus> {
    let start = std::time::Instant::now();
    while start.elapsed() < limit {
        if let Ok(Some(status)) = child.try_wait() {
            return Some(status);
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
    None
}

/// Starts the binary with demo data and `envs`; returns it, its stdout lines and its address,
/// found by `address_of` in a line.
fn start_logging_binary(
    dir: &std::path::Path,
    envs: &[(&str, &str)],
    address_of: impl Fn(&str) -> Option<String>,
) -> (
    std::process::Child,
    std::sync::mpsc::Receiver<String>,
    Vec<String>,
    String,
) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_carepass"));
    command
        .args(["serve", "--demo", "--bind", "127.0.0.1:0"])
        .current_dir(dir)
        .env_remove("DATABASE_URL")
        .env_remove("CAREPASS_CONFIG")
        .env_remove("RUST_LOG")
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    for (k, v) in envs {
        command.env(k, v);
    }
    let mut child = command.spawn().expect("start carepass");
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let mut lines = Vec::new();
    let address = loop {
        let line = rx
            .recv_timeout(std::time::Duration::from_secs(60))
            .expect("the binary said where it listens");
        let found = address_of(&line);
        lines.push(line);
        if let Some(a) = found {
            break a;
        }
    };
    (child, rx, lines, address)
}

/// Every line the binary writes until it exits after SIGTERM.
fn stop_and_collect(
    mut child: std::process::Child,
    rx: std::sync::mpsc::Receiver<String>,
    mut lines: Vec<String>,
) -> Vec<String> {
    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    wait_with_timeout(&mut child, std::time::Duration::from_secs(20));
    while let Ok(line) = rx.recv_timeout(std::time::Duration::from_secs(2)) {
        lines.push(line);
    }
    lines
}

#[tokio::test]
async fn json_logs_are_json_lines_only_with_one_access_line_per_request() {
    let dir = tempfile::tempdir().unwrap();
    let (child, rx, lines, address) =
        start_logging_binary(dir.path(), &[("CAREPASS_LOG_FORMAT", "json")], |line| {
            let v: Value = serde_json::from_str(line).ok()?;
            let address = v["address"].as_str()?;
            (v["message"] == "listening").then(|| format!("http://{address}"))
        });
    let trace = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    let client = reqwest::Client::new();
    let r = client
        .post(format!("{address}/api/v1/auth/login"))
        .header("x-request-id", "support-call-42")
        .header("traceparent", trace)
        .json(&json!({ "email": "staff@carepass.example.jp", "password": "demo-staff-password" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = client
        .get(format!("{address}/no/such/page"))
        .header("traceparent", "00-garbage")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);

    let lines = stop_and_collect(child, rx, lines);
    let parsed: Vec<Value> = lines
        .iter()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|_| panic!("not JSON: {l:?}")))
        .collect();
    let access: Vec<&Value> = parsed
        .iter()
        .filter(|v| v["message"] == "request" && v.get("latency_ms").is_some())
        .collect();
    assert_eq!(access.len(), 2, "{access:?}");
    let login = access[0];
    assert_eq!(login["level"], "INFO");
    assert_eq!(login["method"], "POST");
    assert_eq!(login["route"], "/api/v1/auth/login");
    assert_eq!(login["status"], 200);
    assert!(login["latency_ms"].is_f64(), "{login}");
    assert_eq!(login["request_id"], "support-call-42");
    assert_eq!(login["trace_id"], "4bf92f3577b34da6a3ce929d0e0e4736");
    assert_eq!(login["client"], "127.0.0.1");
    assert_eq!(login["caller"], "anonymous");
    // A malformed traceparent starts a new trace; the path with its ids is never logged.
    let unknown = access[1];
    assert_eq!(unknown["route"], "unmatched");
    assert_eq!(unknown["status"], 404);
    let new_trace = unknown["trace_id"].as_str().unwrap();
    assert_eq!(new_trace.len(), 32);
    assert_ne!(new_trace, "4bf92f3577b34da6a3ce929d0e0e4736");
    assert!(!lines.iter().any(|l| l.contains("/no/such/page")));
    // The demo banner is there too, as JSON.
    assert!(parsed.iter().any(|v| v["message"] == "demo data seeded"));
}

#[tokio::test]
async fn text_logs_written_to_a_pipe_carry_no_colour_codes_and_name_the_caller() {
    let dir = tempfile::tempdir().unwrap();
    let (child, rx, lines, address) = start_logging_binary(dir.path(), &[], |line| {
        line.strip_prefix("Carepass listening on ")
            .map(|rest| rest.split_whitespace().next().unwrap().to_owned())
    });
    let client = reqwest::Client::new();
    let login: Value = client
        .post(format!("{address}/api/v1/auth/login"))
        .json(&json!({ "email": "staff@carepass.example.jp", "password": "demo-staff-password" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = login["access_token"].as_str().unwrap();
    let r = client
        .get(format!("{address}/api/v1/me"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let lines = stop_and_collect(child, rx, lines);
    assert!(
        !lines.iter().any(|l| l.contains('\u{1b}')),
        "ANSI codes in a pipe"
    );
    let me = lines
        .iter()
        .find(|l| l.contains("route=/api/v1/me"))
        .unwrap_or_else(|| panic!("no access line for /me in {lines:#?}"));
    assert!(me.contains(" INFO "), "{me}");
    assert!(me.contains("status=200"), "{me}");
    assert!(
        me.contains("caller=\"staff\"") || me.contains("caller=staff"),
        "{me}"
    );
    assert!(!lines.iter().any(|l| l.contains(token)));
}

/// A stand-in OTLP collector: answers 200 to every request and keeps (path, body) of each.
async fn otlp_collector() -> (
    String,
    std::sync::Arc<std::sync::Mutex<Vec<(String, Vec<u8>)>>>,
) {
    use tokio::io::AsyncWriteExt;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = format!("http://{}", listener.local_addr().unwrap());
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let keep = seen.clone();
    tokio::spawn(async move {
        loop {
            let Ok((mut stream, _)) = listener.accept().await else {
                return;
            };
            let keep = keep.clone();
            tokio::spawn(async move {
                let Some((head, body)) = crate::helpers::read_request(&mut stream).await else {
                    return;
                };
                let path = head.split_whitespace().nth(1).unwrap_or("").to_owned();
                keep.lock().unwrap().push((path, body));
                let _ = stream
                    .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
                    .await;
            });
        }
    });
    (address, seen)
}

// Multi-threaded: the collector must answer while the test blocks waiting for the exit.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_an_otlp_endpoint_request_spans_are_exported_in_the_callers_trace() {
    let (collector, seen) = otlp_collector().await;
    let dir = tempfile::tempdir().unwrap();
    let (child, rx, lines, address) = start_logging_binary(
        dir.path(),
        &[
            ("OTEL_EXPORTER_OTLP_ENDPOINT", collector.as_str()),
            ("OTEL_BSP_SCHEDULE_DELAY", "200"),
        ],
        |line| {
            line.strip_prefix("Carepass listening on ")
                .map(|rest| rest.split_whitespace().next().unwrap().to_owned())
        },
    );
    let trace_hex = "4bf92f3577b34da6a3ce929d0e0e4736";
    let r = reqwest::Client::new()
        .get(format!("{address}/healthz"))
        .header("traceparent", format!("00-{trace_hex}-00f067aa0ba902b7-01"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    // The batch processor exports on its 200 ms schedule; on a loaded machine the first export
    // can take longer, so wait for it (up to 20 s) before stopping the service.
    for _ in 0..200 {
        if seen
            .lock()
            .unwrap()
            .iter()
            .any(|(path, _)| path == "/v1/traces")
        {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    stop_and_collect(child, rx, lines);
    let trace_id: Vec<u8> = (0..16)
        .map(|i| u8::from_str_radix(&trace_hex[2 * i..2 * i + 2], 16).unwrap())
        .collect();
    let seen = seen.lock().unwrap();
    assert!(
        seen.iter().any(|(path, _)| path == "/v1/traces"),
        "nothing exported: {:?}",
        seen.iter().map(|(p, _)| p).collect::<Vec<_>>()
    );
    // The protobuf carries the caller's trace id as 16 raw bytes.
    assert!(
        seen.iter()
            .any(|(_, body)| body.windows(16).any(|w| w == trace_id.as_slice())),
        "the caller's trace id is not in the exported spans"
    );
}
