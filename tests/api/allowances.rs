//! The ledger's hold and release movements (used by bookings that reserve before they use):
//! held grows as the balance shrinks, a release gives it back, and neither can overdraw.

use crate::helpers::respite;
use carepass::allowances::{self, AllowanceError, EntryKind, Refs};
use carepass::audit::Actor;
use serde_json::json;

use crate::helpers::family;
use crate::helpers::{NowUtc, spawn_app};

#[tokio::test]
async fn holds_and_releases_move_the_balance_and_the_held_amount_through_the_ledger() {
    let app = spawn_app().await;
    let f = family(&app, &["respite"]).await;
    let now = app.clock.now_utc();
    let cal = app.config.calendar();
    let system = Actor::system();
    let account =
        allowances::current_account(&app.db, &app.state.rules, &cal, f.child, respite(), now)
            .await
            .unwrap();
    assert_eq!((account.balance, account.held), (17_280, 0));
    let refs = || Refs {
        reason: Some("訪問予約"),
        ..Default::default()
    };
    allowances::post(
        &app.db,
        account.id,
        EntryKind::Hold,
        150,
        &system,
        now,
        refs(),
    )
    .await
    .unwrap();
    let a = allowances::get_account(&app.db, account.id).await.unwrap();
    assert_eq!((a.balance, a.held), (17_130, 150));
    let too_much = allowances::post(
        &app.db,
        account.id,
        EntryKind::Release,
        151,
        &system,
        now,
        refs(),
    )
    .await;
    assert!(matches!(too_much, Err(AllowanceError::Insufficient { .. })));
    let overdraw = allowances::post(
        &app.db,
        account.id,
        EntryKind::Hold,
        17_131,
        &system,
        now,
        refs(),
    )
    .await;
    assert!(matches!(
        overdraw,
        Err(AllowanceError::Insufficient {
            remaining: 17_130,
            requested: 17_131,
            period: allowances::PeriodKind::FiscalYear,
            unit: allowances::Unit::Minute,
        })
    ));
    allowances::post(
        &app.db,
        account.id,
        EntryKind::Release,
        150,
        &system,
        now,
        refs(),
    )
    .await
    .unwrap();
    let a = allowances::get_account(&app.db, account.id).await.unwrap();
    assert_eq!((a.balance, a.held), (17_280, 0));
    let entries = allowances::entries(&app.db, account.id, 1000, 0)
        .await
        .unwrap();
    let kinds: Vec<(EntryKind, i64)> = entries.iter().map(|e| (e.kind, e.amount)).collect();
    assert_eq!(
        kinds,
        vec![
            (EntryKind::Grant, 17_280),
            (EntryKind::Hold, -150),
            (EntryKind::Release, 150)
        ]
    );

    let shown: serde_json::Value = app
        .get(
            &format!("/api/v1/children/{}/allowances", f.child),
            Some(&f.guardian.access),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(shown[0]["program"], json!("respite"));
    assert_eq!(shown[0]["remaining"], json!(17_280));
}
