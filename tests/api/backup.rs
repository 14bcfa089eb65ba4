//! Backup and restore, as the README describes them: on SQLite `carepass backup --to FILE`
//! while the service runs (`VACUUM INTO`), on PostgreSQL `pg_dump -Fc` and `pg_restore`. The
//! restored database serves the same families with the same balances and books.

use std::process::Command;

use serde_json::{Value, json};

use crate::helpers::{
    PASSWORD, fresh_postgres, ledger_mismatches, postgres_url, spawn_app, spawn_app_with,
};
use crate::helpers::{family, issue, redeem};

#[tokio::test]
async fn a_backup_taken_while_serving_restores_the_same_families_and_balances() {
    let app = spawn_app().await;
    let f = family(&app, &["taxi_fuel"]).await;
    let admin = app.admin().await;
    let (_, _, taxi) = app.partner_with_device(&admin, "taxi_company").await;
    let v = issue(&app, &f, "taxi_fuel").await;
    let r = redeem(
        &app,
        &taxi,
        "backup-1",
        &json!({ "payload": v["payload"], "amount_yen": 1_200 }),
    )
    .await;
    assert_eq!(r.status(), 201);
    let dir = tempfile::tempdir().unwrap();

    let restored = match postgres_url() {
        None => {
            // Online: the service above keeps its connections open while the copy is taken.
            let file = dir.path().join("carepass-backup.sqlite");
            let backup = || {
                Command::new(env!("CARGO_BIN_EXE_carepass"))
                    .args(["backup", "--to", file.to_str().unwrap()])
                    .env(
                        "DATABASE_URL",
                        format!("sqlite://{}", app.config.database.sqlite_path.display()),
                    )
                    .env_remove("CAREPASS_CONFIG")
                    .output()
                    .unwrap()
            };
            let out = backup();
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            // A second backup never overwrites the first.
            assert!(!backup().status.success());
            // Restore: the backup file becomes the service's database.
            spawn_app_with(|c| c.database.sqlite_path = file).await
        }
        Some(admin_url) => {
            let file = dir.path().join("carepass.dump");
            let source = app.config.database.url.clone().unwrap();
            let out = Command::new("pg_dump")
                .args(["-Fc", "-f", file.to_str().unwrap(), &source])
                .output()
                .expect("pg_dump is installed with PostgreSQL");
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            let target = fresh_postgres(&admin_url).await;
            let out = Command::new("pg_restore")
                .args(["--no-owner", "-d", &target, file.to_str().unwrap()])
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            spawn_app_with(|c| c.database.url = Some(target)).await
        }
    };

    for table in [
        "households",
        "children",
        "redemptions",
        "ledger_entries",
        "audit_log",
    ] {
        assert_eq!(
            restored.count(table).await,
            app.count(table).await,
            "{table}"
        );
    }
    assert!(ledger_mismatches(&restored.db).await.is_empty());
    // The family signs in to the restored service and sees what it had.
    let r = restored
        .post(
            "/api/v1/auth/login",
            None,
            &json!({ "email": f.guardian.email, "password": PASSWORD }),
        )
        .await;
    assert_eq!(r.status(), 200);
    let login: Value = r.json().await.unwrap();
    let r = restored
        .get(
            &format!("/api/v1/children/{}/allowances", f.child),
            login["access_token"].as_str(),
        )
        .await;
    let summaries: Value = r.json().await.unwrap();
    assert_eq!(summaries[0]["remaining"], 20_000 - 1_200);
    // The partner's device and the replay of its redemption survived too.
    let r = redeem(
        &restored,
        &taxi,
        "backup-1",
        &json!({ "payload": v["payload"], "amount_yen": 1_200 }),
    )
    .await;
    assert_eq!(r.status(), 201);
    assert_eq!(r.headers()["idempotent-replayed"], "true");
}
