//! Property test: random sequences of issue / redeem / cancel / reverse / expire / lapse /
//! adjust / propose / approve / close keep the ledger's promises after every step: each
//! balance equals the sum of its ledger, 0 ≤ balance ≤ granted + adjusted, a voucher is redeemed at most
//! once, what partners are paid equals what the ledger says was used, a closed month's
//! statements are still exactly what was closed, and every correction beyond what one person
//! may post alone has two different people on it.

use std::sync::Arc;

use crate::helpers::{care_taxi, taxi_fuel};
use carepass::allowances::{self, Adjusted, Adjustment};
use carepass::audit::Actor;
use carepass::enrollments::Program;
use carepass::households::{self, CareNeed, ChildInput, NewChild};
use carepass::partners::{self, DevicePrincipal, PartnerKind};
use carepass::settlements;
use carepass::units::Yen;
use carepass::vouchers::{self, CareTaxiFees, Charge, Context, Redeemed, Reverser};
use chrono::{Duration, NaiveDate};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use uuid::Uuid;

use crate::helpers::{NowUtc, TestApp, spawn_app};

#[derive(Debug, Clone)]
enum Op {
    Issue(Program),
    /// Redeem the n-th most recent code (0 = newest) for an amount, with a fresh or reused key.
    Redeem {
        back: usize,
        amount: i64,
        reuse_key: bool,
    },
    Reverse {
        back: usize,
    },
    Advance {
        minutes: i64,
    },
    Lapse,
    Adjust {
        amount: i64,
    },
    /// The partner cancels the n-th most recent redemption (same day only).
    Cancel {
        back: usize,
    },
    /// A correction beyond the one-approver limit.
    Propose {
        amount: i64,
    },
    /// The n-th most recent proposal approved by the other staff member, or by its proposer.
    Approve {
        back: usize,
        by_proposer: bool,
    },
    /// Close the previous month.
    Close,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => prop_oneof![Just(taxi_fuel()), Just(care_taxi())].prop_map(Op::Issue),
        4 => (0usize..3, 1i64..12_000, any::<bool>()).prop_map(|(back, amount, reuse_key)| Op::Redeem { back, amount, reuse_key }),
        2 => (0usize..4).prop_map(|back| Op::Reverse { back }),
        3 => prop_oneof![Just(1i64), Just(6), Just(60 * 24 * 10), Just(60 * 24 * 31), Just(60 * 24 * 31)].prop_map(|minutes| Op::Advance { minutes }),
        1 => Just(Op::Lapse),
        1 => (-3000i64..3000).prop_map(|amount| Op::Adjust { amount }),
        1 => (0usize..3).prop_map(|back| Op::Cancel { back }),
        1 => prop_oneof![20_001i64..60_000, -60_000i64..-20_001].prop_map(|amount| Op::Propose { amount }),
        1 => (0usize..3, any::<bool>()).prop_map(|(back, by_proposer)| Op::Approve { back, by_proposer }),
        2 => Just(Op::Close),
    ]
}

struct World {
    app: TestApp,
    child: Uuid,
    household: Uuid,
    guardian: Actor,
    staff: Actor,
    taxi: DevicePrincipal,
    care: DevicePrincipal,
    codes: Vec<(Program, String)>,
    redemptions: Vec<Uuid>,
    keys_used: Vec<String>,
    /// A second staff member, the checker of the first one's proposals.
    checker: Actor,
    proposals: Vec<Uuid>,
    /// (partner, month, digest) of every statement as it was closed.
    closed: Vec<(Uuid, carepass::clock::Month, String)>,
}

async fn world() -> World {
    let app = spawn_app().await;
    // Mid-month, so that sequences redeem in one month and close it in the next.
    app.clock.set(
        chrono::DateTime::parse_from_rfc3339("2026-11-10T10:00:00+09:00")
            .unwrap()
            .to_utc(),
    );
    let now = app.clock.now_utc();
    let staff = Actor {
        kind: "staff",
        id: Some(Uuid::new_v4()),
        request_id: None,
    };
    let h = households::create_household(&app.db, &staff, now, "性質家")
        .await
        .unwrap();
    let input = ChildInput {
        family_name: "品川".into(),
        given_name: "ゆい".into(),
        family_name_kana: "しながわ".into(),
        given_name_kana: "ゆい".into(),
        birth_date: NaiveDate::from_ymd_opt(2018, 1, 1).unwrap(),
        care_needs: vec![CareNeed::Suction, CareNeed::Wheelchair],
    };
    let child = households::add_child(
        &app.db,
        &staff,
        now,
        h.id,
        NewChild::parse(input, now.date_naive()).unwrap(),
    )
    .await
    .unwrap();
    let guardian = Actor {
        kind: "guardian",
        id: Some(Uuid::new_v4()),
        request_id: None,
    };
    for program in [taxi_fuel(), care_taxi()] {
        app.enroll_directly(&staff, child.id, program, now).await;
    }
    let mut devices = Vec::new();
    for kind in [PartnerKind::TaxiCompany, PartnerKind::CareTaxiOperator] {
        let p = partners::create_partner(&app.db, &staff, now, kind, &format!("{kind:?}"))
            .await
            .unwrap();
        let (d, _) = partners::register_device(&app.db, &staff, now, p.id, "端末")
            .await
            .unwrap();
        devices.push(DevicePrincipal {
            device_id: d.id,
            partner_id: p.id,
            partner_kind: kind,
            partner_name: p.name.clone().into(),
        });
    }
    World {
        app,
        child: child.id,
        household: h.id,
        guardian,
        staff,
        taxi: devices[0].clone(),
        care: devices[1].clone(),
        codes: Vec::new(),
        redemptions: Vec::new(),
        keys_used: Vec::new(),
        checker: Actor {
            kind: "staff",
            id: Some(Uuid::new_v4()),
            request_id: None,
        },
        proposals: Vec::new(),
        closed: Vec::new(),
    }
}

async fn step(w: &mut World, op: &Op) {
    let app = &w.app;
    let now = app.clock.now_utc();
    let cal = app.config.calendar();
    let rules = &app.state.rules;
    match op.clone() {
        Op::Issue(program) => {
            let ctx = Context {
                db: &app.db,
                read: &app.state.read,
                keys: &app.keys,
                rules,
                calendar: cal,
            };
            if let Ok(v) =
                vouchers::issue(&ctx, &w.guardian, now, w.household, w.child, program).await
            {
                w.codes.push((program, v.code));
            }
        }
        Op::Redeem {
            back,
            amount,
            reuse_key,
        } => {
            let Some((program, code)) = w.codes.iter().rev().nth(back).cloned() else {
                return;
            };
            let (device, charge) = match program.as_str() {
                "care_taxi" => (
                    w.care.clone(),
                    Charge::Fees(CareTaxiFees {
                        reservation_fee_yen: Yen(amount / 3),
                        pickup_fee_yen: Yen(amount / 3),
                        basic_assistance_fee_yen: Yen(amount / 3 + 1),
                    }),
                ),
                _ => (w.taxi.clone(), Charge::Amount(Yen(amount))),
            };
            let key = match (reuse_key, w.keys_used.last()) {
                (true, Some(k)) => k.clone(),
                _ => Uuid::new_v4().to_string(),
            };
            w.keys_used.push(key.clone());
            let ctx = Context {
                db: &app.db,
                read: &app.state.read,
                keys: &app.keys,
                rules,
                calendar: cal,
            };
            let actor = Actor {
                kind: "device",
                id: Some(device.device_id),
                request_id: None,
            };
            if let Ok(Redeemed::Created(json)) =
                vouchers::redeem(&ctx, &actor, now, &device, &key, &code, charge).await
            {
                let receipt: serde_json::Value = serde_json::from_str(&json).unwrap();
                w.redemptions
                    .push(receipt["redemption_id"].as_str().unwrap().parse().unwrap());
            }
        }
        Op::Reverse { back } => {
            let Some(id) = w.redemptions.iter().rev().nth(back).copied() else {
                return;
            };
            let by = Reverser::Staff {
                reason: "テスト".into(),
            };
            let _ = vouchers::reverse(&app.db, rules, &cal, &w.staff, now, id, by).await;
        }
        Op::Advance { minutes } => app.clock.advance(Duration::minutes(minutes)),
        Op::Lapse => {
            allowances::lapse_ended(&app.db, rules, &cal, now)
                .await
                .unwrap();
        }
        Op::Adjust { amount } | Op::Propose { amount } => {
            if amount != 0 {
                let adj = Adjustment {
                    child_id: w.child,
                    program: taxi_fuel(),
                    amount,
                    reason: "調整",
                };
                if let Ok(Adjusted::Proposed(p)) =
                    allowances::adjust(&app.db, rules, &cal, &w.staff, now, adj).await
                {
                    w.proposals.push(p.id);
                }
            }
        }
        Op::Cancel { back } => {
            let Some(id) = w.redemptions.iter().rev().nth(back).copied() else {
                return;
            };
            let actor = Actor {
                kind: "device",
                id: Some(w.taxi.device_id),
                request_id: None,
            };
            let by = Reverser::Partner(&w.taxi);
            let _ = vouchers::reverse(&app.db, rules, &cal, &actor, now, id, by).await;
        }
        Op::Approve { back, by_proposer } => {
            let Some(id) = w.proposals.iter().rev().nth(back).copied() else {
                return;
            };
            let by = if by_proposer { &w.staff } else { &w.checker };
            let _ = allowances::approve_proposal(&app.db, rules, &cal, by, now, id).await;
        }
        Op::Close => {
            let this = cal.month_of(now);
            let previous = cal.month_of(cal.month_bounds(this).0 - Duration::seconds(1));
            let grace = Duration::minutes(app.config.settlement.close_grace_minutes);
            if let Ok(closed) =
                settlements::close(&app.db, &cal, rules, grace, &w.staff, now, previous).await
            {
                for s in closed.statements {
                    w.closed.push((s.partner_id, previous, s.digest));
                }
            }
        }
    }
}

async fn scalar(app: &TestApp, sql: &str) -> Vec<Vec<i64>> {
    app.integers(sql).await
}

async fn check(w: &World) -> Result<(), TestCaseError> {
    let app = &w.app;
    let accounts = scalar(
        app,
        "SELECT a.balance, a.granted + a.adjusted, CAST(COALESCE((SELECT SUM(l.amount) FROM ledger_entries l WHERE l.account_id = a.id), 0) AS BIGINT) FROM allowance_accounts a",
    )
    .await;
    for a in &accounts {
        // What was granted, with staff corrections (kept apart since migration 20).
        let (balance, granted, ledger) = (a[0], a[1], a[2]);
        prop_assert_eq!(balance, ledger, "balance differs from its ledger");
        prop_assert!(balance >= 0, "negative balance {}", balance);
        prop_assert!(
            balance <= granted,
            "balance {} above granted {}",
            balance,
            granted
        );
    }
    let twice = scalar(app, "SELECT CAST(COUNT(*) AS BIGINT) FROM (SELECT voucher_id FROM redemptions GROUP BY voucher_id HAVING COUNT(*) > 1) t").await;
    prop_assert_eq!(twice[0][0], 0, "a voucher was redeemed twice");
    let yen = scalar(
        app,
        "SELECT CAST(COALESCE(SUM(r.covered_yen), 0) AS BIGINT), CAST(COALESCE((SELECT SUM(used) FROM allowance_accounts WHERE unit = 'yen'), 0) AS BIGINT) FROM redemptions r WHERE r.reversed_at IS NULL AND r.program = 'taxi_fuel'",
    )
    .await;
    prop_assert_eq!(
        yen[0][0],
        yen[0][1],
        "paid to partners differs from used in the ledger"
    );
    // Closed statements are exactly what was closed.
    for (partner, month, digest) in &w.closed {
        let s = settlements::statement(&app.db, *partner, *month)
            .await
            .unwrap();
        let names = app.config.programs.clone();
        let now = settlements::csv::digest(&settlements::csv::to_csv(
            &s,
            app.config.calendar.time_zone,
            &names,
        ));
        prop_assert_eq!(&now, digest, "the closed statement of {} changed", month);
    }
    // One person alone never moved more than the limit on an account; two people otherwise.
    let alone = scalar(
        app,
        "SELECT CAST(SUM(CASE WHEN amount < 0 THEN -amount ELSE amount END) AS BIGINT) FROM ledger_entries WHERE kind = 'adjustment' AND approved_by IS NULL GROUP BY account_id, actor_id",
    )
    .await;
    for a in &alone {
        prop_assert!(a[0] <= 20_000, "one person corrected {} alone", a[0]);
    }
    let same = scalar(
        app,
        "SELECT COUNT(*) FROM ledger_entries WHERE approved_by IS NOT NULL AND approved_by = actor_id",
    )
    .await;
    prop_assert_eq!(same[0][0], 0, "a correction approved by its own maker");
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn random_sequences_keep_the_ledger_invariants() {
    let handle = tokio::runtime::Handle::current();
    let cases = if crate::helpers::postgres_url().is_some() {
        16
    } else {
        48
    };
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        ..Config::default()
    });
    let result = runner.run(&proptest::collection::vec(op(), 1..40), |ops| {
        tokio::task::block_in_place(|| {
            handle.block_on(async {
                let mut w = world().await;
                for op in &ops {
                    step(&mut w, op).await;
                    check(&w).await?;
                }
                Ok(())
            })
        })
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    let _ = Arc::new(());
}
