//! Carry-over within the rules: what comes into a month is capped, and a fiscal year starts
//! afresh (what is left at its end lapses), as the ward configures.

use reqwest::StatusCode;
use serde_json::json;

use crate::helpers::{family, issue, jst, ledger_and_balance, redeem, remaining, spawn_app_with};

#[tokio::test]
async fn a_carried_balance_stops_at_the_cap_and_the_fiscal_year_starts_afresh() {
    let parsed = carepass::config::Config::parse(
        r#"
        [programs.taxi_fuel]
        unused_balance = "carry_over"
        carry_over_cap = 5000
        carry_over_resets_at_fiscal_year = true
        "#,
    )
    .unwrap();
    let app = spawn_app_with(move |c| {
        c.programs = parsed.programs;
        c.auth.access_token_minutes = 60 * 24 * 400;
    })
    .await;
    app.clock.set(jst(2027, 2, 10, 10, 0));
    let admin = app.admin().await;
    let (_, _, taxi) = app.partner_with_device(&admin, "taxi_company").await;
    let f = family(&app, &["taxi_fuel"]).await;
    let code = issue(&app, &f, "taxi_fuel").await;
    let r = redeem(
        &app,
        &taxi,
        "feb",
        &json!({ "payload": code["payload"], "amount_yen": 2500 }),
    )
    .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    assert_eq!(remaining(&app, &f, "taxi_fuel").await, 17_500);

    // March: 17,500 were left, 5,000 come in.
    app.clock.set(jst(2027, 3, 2, 10, 0));
    assert_eq!(
        remaining(&app, &f, "taxi_fuel").await,
        25_000,
        "shown before March opens"
    );
    assert_eq!(issue(&app, &f, "taxi_fuel").await["remaining"], 25_000);

    // April starts the fiscal year: nothing comes in.
    app.clock.set(jst(2027, 4, 2, 10, 0));
    assert_eq!(
        remaining(&app, &f, "taxi_fuel").await,
        20_000,
        "shown before April opens"
    );
    assert_eq!(issue(&app, &f, "taxi_fuel").await["remaining"], 20_000);
    assert_eq!(ledger_and_balance(&app, f.child).await, (20_000, 20_000));
}
