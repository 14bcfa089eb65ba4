//! Property test: random sequences of request / accept / decline / cancel / complete / dispute
//! / decide (and time passing) keep the respite ledger's promises after every step: the
//! balance equals the sum of its ledger, held equals the minutes of the visits still requested
//! or accepted plus the minutes in dispute, used equals the recorded minutes not in dispute,
//! held + used never exceed the cap, and no two of a child's visits overlap.

use carepass::audit::Actor;

use carepass::households::{self, CareNeed, ChildInput, NewChild};
use carepass::partners::{self, PartnerKind};
use carepass::respite::{
    self, Actual, Context, DisputeDecision, DisputeInput, DisputeOutcome, NewVisit, Recorder,
    RespiteError, VisitInput,
};
use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use chrono_tz::Asia::Tokyo;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use uuid::Uuid;

use crate::helpers::{TestApp, spawn_app_with};

const CAP: i64 = 1_200;

#[derive(Debug, Clone)]
enum Op {
    Request {
        day: i64,
        minutes: i64,
    },
    Accept {
        back: usize,
    },
    Decline {
        back: usize,
    },
    Cancel {
        back: usize,
    },
    Complete {
        back: usize,
        minutes: i64,
    },
    /// The family disputes: claims this many minutes (none: the visit did not happen).
    Dispute {
        back: usize,
        claimed: Option<i64>,
    },
    Decide {
        back: usize,
        upheld: bool,
    },
    Advance {
        hours: i64,
    },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (1i64..40, 1i64..500).prop_map(|(day, minutes)| Op::Request { day, minutes }),
        4 => (0usize..3).prop_map(|back| Op::Accept { back }),
        1 => (0usize..4).prop_map(|back| Op::Decline { back }),
        1 => (0usize..4).prop_map(|back| Op::Cancel { back }),
        3 => (0usize..3, 1i64..400).prop_map(|(back, minutes)| Op::Complete { back, minutes }),
        3 => (0usize..3, proptest::option::of(1i64..400)).prop_map(|(back, claimed)| Op::Dispute { back, claimed }),
        2 => (0usize..3, any::<bool>()).prop_map(|(back, upheld)| Op::Decide { back, upheld }),
        1 => prop_oneof![Just(1i64), Just(24), Just(24 * 7)].prop_map(|hours| Op::Advance { hours }),
    ]
}

struct World {
    app: TestApp,
    now: DateTime<Utc>,
    child: Uuid,
    household: Uuid,
    station: Uuid,
    guardian: Actor,
    device: Actor,
    staff: Actor,
    /// (visit id, scheduled start) newest last.
    visits: Vec<(Uuid, DateTime<Utc>)>,
}

async fn world() -> World {
    let app = spawn_app_with(|c| c.programs.respite.grant_minutes.0 = CAP).await;
    let now = Tokyo
        .with_ymd_and_hms(2026, 6, 1, 9, 0, 0)
        .unwrap()
        .with_timezone(&Utc);
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
        care_needs: vec![CareNeed::Suction],
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
    app.enroll_directly(&staff, child.id, crate::helpers::respite(), now)
        .await;
    let p = partners::create_partner(&app.db, &staff, now, PartnerKind::NurseStation, "看護")
        .await
        .unwrap();
    let (d, _) = partners::register_device(&app.db, &staff, now, p.id, "端末")
        .await
        .unwrap();
    World {
        app,
        now,
        child: child.id,
        household: h.id,
        station: p.id,
        guardian,
        device: Actor {
            kind: "device",
            id: Some(d.id),
            request_id: None,
        },
        staff,
        visits: Vec::new(),
    }
}

fn local(t: DateTime<Utc>) -> chrono::NaiveDateTime {
    t.with_timezone(&Tokyo).naive_local()
}

fn pick(w: &World, back: usize) -> Option<(Uuid, DateTime<Utc>)> {
    w.visits.iter().rev().nth(back).copied()
}

/// Refusals the rules allow; anything else (a database error) fails the property.
fn expected(r: Result<respite::Visit, RespiteError>) -> Result<(), TestCaseError> {
    match r {
        Ok(_)
        | Err(RespiteError::HoursExceeded { .. })
        | Err(RespiteError::InvalidTransition { .. })
        | Err(RespiteError::AlreadyStarted)
        | Err(RespiteError::Overlaps { .. })
        | Err(RespiteError::OutsideBooking { .. })
        | Err(RespiteError::DisputeWindowClosed { .. })
        | Err(RespiteError::InvalidField(_)) => Ok(()),
        Err(e) => Err(TestCaseError::fail(format!("unexpected error: {e}"))),
    }
}

async fn step(w: &mut World, op: &Op) -> Result<(), TestCaseError> {
    let ctx = Context {
        db: &w.app.db,
        rules: &w.app.state.rules,
        calendar: w.app.config.calendar(),
    };
    match *op {
        Op::Request { day, minutes } => {
            let start = w.now + Duration::days(day);
            let input = VisitInput {
                station_id: w.station,
                starts_at: local(start),
                ends_at: local(start + Duration::minutes(minutes)),
                care_needs: vec![CareNeed::Suction],
                notes: String::new(),
            };
            let visit = NewVisit::parse(input, &ctx.calendar, ctx.rules, w.now)
                .map_err(|e| TestCaseError::fail(format!("{e}")))?;
            let r = respite::request(
                &ctx,
                &w.guardian,
                Uuid::new_v4(),
                w.now,
                w.household,
                w.child,
                visit,
            )
            .await;
            if let Ok(v) = &r {
                w.visits.push((v.id, v.scheduled_start));
            }
            expected(r)
        }
        Op::Accept { back } => match pick(w, back) {
            Some((id, _)) => expected(
                respite::accept(&w.app.db, &w.device, &ctx.calendar, w.now, w.station, id).await,
            ),
            None => Ok(()),
        },
        Op::Decline { back } => match pick(w, back) {
            Some((id, _)) => expected(
                respite::decline(
                    &w.app.db,
                    &w.device,
                    &ctx.calendar,
                    w.now,
                    w.station,
                    id,
                    "都合がつきません",
                )
                .await,
            ),
            None => Ok(()),
        },
        Op::Cancel { back } => match pick(w, back) {
            Some((id, _)) => expected(
                respite::cancel(
                    &w.app.db,
                    &w.guardian,
                    &ctx.calendar,
                    w.now,
                    w.household,
                    id,
                )
                .await,
            ),
            None => Ok(()),
        },
        Op::Complete { back, minutes } => match pick(w, back) {
            Some((id, start)) => {
                // Recorded once the visit is over: time moves past it first.
                let end = start + Duration::minutes(minutes);
                if w.now < end {
                    w.now = end;
                }
                let actual = Actual {
                    started_at: local(start),
                    ended_at: local(end),
                };
                expected(
                    respite::complete(
                        &ctx,
                        &w.device,
                        w.now,
                        id,
                        actual,
                        Recorder::Station {
                            station: w.station,
                            device: w.device.id.unwrap(),
                        },
                    )
                    .await,
                )
            }
            None => Ok(()),
        },
        Op::Dispute { back, claimed } => match pick(w, back) {
            Some((id, start)) => {
                let claimed = claimed.map(|m| (local(start), local(start + Duration::minutes(m))));
                let input = DisputeInput {
                    reason: "看護師の到着が遅れました".into(),
                    claimed,
                };
                expected(respite::dispute(&ctx, &w.guardian, w.now, w.household, id, input).await)
            }
            None => Ok(()),
        },
        Op::Decide { back, upheld } => match pick(w, back) {
            Some((id, _)) => {
                let outcome = if upheld {
                    DisputeOutcome::Upheld
                } else {
                    DisputeOutcome::Accepted
                };
                let decision = DisputeDecision {
                    outcome,
                    reason: "記録を確認しました".into(),
                };
                expected(
                    respite::decide_dispute(
                        &w.app.db,
                        &w.staff,
                        &ctx.calendar,
                        w.now,
                        id,
                        decision,
                    )
                    .await,
                )
            }
            None => Ok(()),
        },
        Op::Advance { hours } => {
            w.now += Duration::hours(hours);
            Ok(())
        }
    }
}

async fn check(w: &World) -> Result<(), TestCaseError> {
    let accounts = w
        .app
        .integers(
            "SELECT a.balance, a.held, a.used, a.granted, CAST(COALESCE((SELECT SUM(l.amount) FROM ledger_entries l WHERE l.account_id = a.id), 0) AS BIGINT) FROM allowance_accounts a WHERE a.program = 'respite'",
        )
        .await;
    let holding = w
        .app
        .integers("SELECT CAST(COALESCE(SUM(booked_minutes), 0) AS BIGINT) FROM respite_visits WHERE status IN ('requested', 'accepted')")
        .await[0][0]
        + w
            .app
            .integers("SELECT CAST(COALESCE(SUM(disputed_minutes), 0) AS BIGINT) FROM respite_visits WHERE status = 'disputed'")
            .await[0][0];
    let using = w
        .app
        .integers("SELECT CAST(COALESCE(SUM(used_minutes), 0) AS BIGINT) FROM respite_visits WHERE status IN ('completed', 'disputed')")
        .await[0][0]
        - w
            .app
            .integers("SELECT CAST(COALESCE(SUM(disputed_minutes), 0) AS BIGINT) FROM respite_visits WHERE status = 'disputed'")
            .await[0][0];
    // No two of the child's visits occupy the same time (scheduled while open, recorded after).
    let overlapping = w
        .app
        .integers(
            "SELECT COUNT(*) FROM respite_visits a JOIN respite_visits b ON a.id < b.id \
             WHERE a.status IN ('requested','accepted','completed','disputed') \
               AND b.status IN ('requested','accepted','completed','disputed') \
               AND (CASE WHEN a.status IN ('completed','disputed') THEN a.actual_start ELSE a.scheduled_start END) \
                 < (CASE WHEN b.status IN ('completed','disputed') THEN b.actual_end ELSE b.scheduled_end END) \
               AND (CASE WHEN b.status IN ('completed','disputed') THEN b.actual_start ELSE b.scheduled_start END) \
                 < (CASE WHEN a.status IN ('completed','disputed') THEN a.actual_end ELSE a.scheduled_end END)",
        )
        .await[0][0];
    prop_assert_eq!(overlapping, 0, "two visits of the child overlap");
    let (mut held, mut used) = (0, 0);
    for a in &accounts {
        let (balance, h, u, granted, ledger) = (a[0], a[1], a[2], a[3], a[4]);
        prop_assert_eq!(balance, ledger, "balance differs from its ledger");
        prop_assert!(
            balance >= 0 && h >= 0 && u >= 0,
            "negative figure in {:?}",
            a
        );
        prop_assert!(
            h + u <= granted,
            "held {} + used {} above the cap {}",
            h,
            u,
            granted
        );
        prop_assert_eq!(granted, CAP);
        held += h;
        used += u;
    }
    prop_assert_eq!(held, holding, "held differs from the open visits");
    prop_assert_eq!(used, using, "used differs from the recorded visits");
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn random_visit_lifecycles_keep_held_plus_used_within_the_cap_and_the_books_right() {
    let handle = tokio::runtime::Handle::current();
    let cases = if crate::helpers::postgres_url().is_some() {
        16
    } else {
        40
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
                    step(&mut w, op).await?;
                    check(&w).await?;
                }
                Ok(())
            })
        })
    });
    if let Err(e) = result {
        panic!("{e}");
    }
}
