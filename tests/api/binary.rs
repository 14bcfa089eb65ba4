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
    // SIGTERM: the server finishes and exits cleanly.
    let term = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(term.success());
    let exited = wait_with_timeout(&mut child, std::time::Duration::from_secs(20));
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["account"]["role"], "staff");
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
