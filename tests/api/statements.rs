//! How many calls a request makes to the database's writer: each is a round trip to PostgreSQL
//! or a crossing to SQLite's thread, while the other writes wait. A redemption reads the person
//! before its write, its new rows go together, and on SQLite its claim goes with the account's
//! update, its savepoint in the batch opens with its first statement and is released with its
//! new rows.

use reqwest::StatusCode;
use serde_json::{Value, json};
use uuid::Uuid;

use carepass::entity::{audit_child, audit_log, ledger_entry, notification, redemption, voucher};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

use crate::helpers::{assert_problem, family, issue, redeem, spawn_app};

#[tokio::test]
async fn a_redemption_takes_two_calls_on_the_writer_and_every_row_it_adds_is_there() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let f = family(&app, &["taxi_fuel"]).await;
    let (_, _, taxi) = app.partner_with_device(&admin, "taxi_company").await;
    let redeemed = async |amount: i64| {
        let v = issue(&app, &f, "taxi_fuel").await;
        let before = app.db.statements();
        let r = redeem(
            &app,
            &taxi,
            &Uuid::new_v4().to_string(),
            &json!({ "payload": v["payload"], "amount_yen": amount }),
        )
        .await;
        assert_eq!(r.status(), StatusCode::CREATED);
        let body: Value = r.json().await.unwrap();
        (app.db.statements() - before, body)
    };
    // The first redemption of the month opens the month's account.
    redeemed(1_000).await;
    let (sent, receipt) = redeemed(2_000).await;
    if app.db.shares_writer() {
        // SQLite: the claim and the account together (with the savepoint's opening), then the
        // new rows (with the savepoint's release): two calls, `BEGIN` and `COMMIT` of the batch
        // apart; the voucher, the child and its approvals are read before, from the read pool.
        // Counted the same way, it was eleven with each row and savepoint command alone, seven
        // with the rows together, and three with the claim alone.
        assert!(sent <= 2, "{sent} calls for one redemption on the writer");
    } else {
        // PostgreSQL: the claim, the child, its approvals, the account and the new rows, in the
        // write's own transaction (`BEGIN` and `COMMIT` apart); nine with each row alone.
        assert!(sent <= 5, "{sent} round trips for one redemption");
    }

    // What was sent together all arrived: the ledger entry, the redemption, its audit entry with
    // the child it concerns, and the family's notification.
    let id: Uuid = receipt["id"].as_str().unwrap().parse().unwrap();
    let entries = ledger_entry::Entity::find()
        .filter(ledger_entry::Column::RedemptionId.eq(id))
        .all(&app.db)
        .await
        .unwrap();
    assert_eq!(
        entries.iter().map(|e| e.amount).collect::<Vec<_>>(),
        vec![-2_000]
    );
    assert!(
        redemption::Entity::find_by_id(id)
            .one(&app.db)
            .await
            .unwrap()
            .is_some()
    );
    let audit = audit_log::Entity::find()
        .filter(audit_log::Column::ObjectId.eq(id))
        .one(&app.db)
        .await
        .unwrap()
        .expect("an audit entry");
    let concerns: Vec<Uuid> = audit_child::Entity::find()
        .filter(audit_child::Column::AuditId.eq(audit.id))
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.child_id)
        .collect();
    assert_eq!(concerns, vec![f.child]);
    let told = notification::Entity::find()
        .filter(notification::Column::SubjectId.eq(id))
        .count(&app.db)
        .await
        .unwrap();
    assert_eq!(told, 1);
    assert_eq!(receipt["remaining"], 17_000);
}

#[tokio::test]
async fn a_redemption_refused_for_an_empty_balance_leaves_its_code_issued_and_writes_nothing() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let f = family(&app, &["taxi_fuel"]).await;
    let (_, _, taxi) = app.partner_with_device(&admin, "taxi_company").await;
    let v = issue(&app, &f, "taxi_fuel").await;
    // The month's balance is taken to nothing after the code was issued.
    app.adjust(&f.staff, f.child, "taxi_fuel", -20_000, "窓口での精算分")
        .await;
    let entries_before = ledger_entry::Entity::find().count(&app.db).await.unwrap();
    let r = redeem(
        &app,
        &taxi,
        &Uuid::new_v4().to_string(),
        &json!({ "payload": v["payload"], "amount_yen": 1_000 }),
    )
    .await;
    assert_problem(r, 409, "allowance_exhausted").await;
    // The claim sent with the account's update is taken back with it.
    let id: Uuid = v["voucher_id"].as_str().unwrap().parse().unwrap();
    let stored = voucher::Entity::find_by_id(id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (stored.status.as_str(), stored.redeemed_at),
        ("issued", None)
    );
    assert_eq!(redemption::Entity::find().count(&app.db).await.unwrap(), 0);
    assert_eq!(
        ledger_entry::Entity::find().count(&app.db).await.unwrap(),
        entries_before
    );
}
