//! The object-level half of the authorization matrix: for every operation that names an
//! object, what each caller gets for an object it owns, one of another household or another
//! partner, and one that does not exist. A guardian or partner gets 404 for what is not theirs,
//! exactly as for what does not exist, so ids do not leak; nothing is changed by a refusal.
//! A test fails when an operation with an id in its path has no cells here.

use std::collections::BTreeSet;

use reqwest::StatusCode;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{Family, family, issue, redeem};
use crate::helpers::{NowUtc, Period, TestApp, User, spawn_app_with};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Owner {
    /// The caller's own object (staff: any existing object).
    Own,
    /// Another household's object, called by a guardian.
    OtherHousehold,
    /// Another partner's object, called by a device.
    OtherPartner,
    /// An id nobody owns.
    NoOne,
}

use Owner::*;

#[derive(Clone, Copy, Debug)]
enum As {
    Guardian,
    /// Our medical institution's device.
    Institution,
    /// Our taxi company's device.
    Device,
    /// Our nurse station's device.
    Station,
    Staff,
    Admin,
}

struct Cell {
    operation_id: &'static str,
    caller: As,
    owner: Owner,
    method: &'static str,
    path: String,
    body: Option<Value>,
    expect: u16,
}

/// Two households and two partners of the same kind, each with a redemption.
struct World {
    admin: User,
    staff: User,
    ours: Family,
    theirs: Family,
    our_device: String,
    our_device_id: Uuid,
    their_device_id: Uuid,
    our_partner: Uuid,
    our_redemption: String,
    their_redemption: String,
    our_pending: Uuid,
    their_pending: Uuid,
    staff_now: chrono::DateTime<chrono::Utc>,
    our_notification: Uuid,
    their_notification: Uuid,
    our_institution: Uuid,
    our_institution_device: String,
    /// Ours, submitted: for withdraw, approve and reject.
    our_stays: [String; 3],
    /// Ours, approved to our institution: for admit and discharge.
    our_approved_stay: String,
    their_stay: String,
    their_approved_stay: String,
    play_session: String,
    /// Ours, confirmed: for the entry code and for cancelling.
    our_bookings: [String; 2],
    their_booking: String,
    our_station: Uuid,
    our_station_device: String,
    /// Ours, requested: for cancel, accept and decline.
    our_visits: [String; 3],
    /// Ours, accepted: for the station's record and for staff's exception.
    our_accepted: [String; 2],
    /// Ours, accepted and over by now: the station's record and its times.
    our_recordable: (String, Value),
    /// Ours, recorded: for the family's dispute.
    our_recorded: String,
    /// Ours, disputed: for staff's decision.
    our_disputed: String,
    /// Theirs, at their station.
    their_visit: String,
    /// Corrections another staff member proposed: one to approve, one to reject.
    proposals: [Uuid; 2],
}

/// The play space is open to every household here: this world is about who owns what.
async fn world_app() -> TestApp {
    let app = spawn_app_with(|c| c.programs.play_space.open_to_all_households = true).await;
    // The clock moves some minutes while the world is built; the partner's reversal and the
    // admission of a stay confirmed for today must fall on the same ward day.
    app.with_time_left_in_the(Period::Day, chrono::Duration::hours(1));
    app
}

async fn world(app: &TestApp) -> World {
    let admin = app.admin().await;
    let ours = family(app, &["taxi_fuel", "respite", "short_stay"]).await;
    let theirs = family(app, &["taxi_fuel", "respite", "short_stay"]).await;
    let our_pending = app.apply(&ours.guardian, ours.child, "play_space").await;
    let their_pending = app
        .apply(&theirs.guardian, theirs.child, "play_space")
        .await;
    let (our_partner, our_device_id, our_device) =
        app.partner_with_device(&admin, "taxi_company").await;
    let (_, their_device_id, their_device) = app.partner_with_device(&admin, "taxi_company").await;
    let redemption = async |f: &Family, device: &str| {
        let v = issue(app, f, "taxi_fuel").await;
        let r = redeem(
            app,
            device,
            &Uuid::new_v4().to_string(),
            &json!({ "payload": v["payload"], "amount_yen": 500 }),
        )
        .await;
        assert_eq!(r.status(), StatusCode::CREATED);
        let body: Value = r.json().await.unwrap();
        body["redemption_id"].as_str().unwrap().to_owned()
    };
    let our_redemption = redemption(&ours, &our_device).await;
    let their_redemption = redemption(&theirs, &their_device).await;

    let (our_station, _, our_station_device) =
        app.partner_with_device(&admin, "nurse_station").await;
    let (their_station, _, _) = app.partner_with_device(&admin, "nurse_station").await;
    let visit = async |f: &Family, station: Uuid, day: i64| {
        let start = app.clock.now_utc() + chrono::Duration::days(day);
        let r = crate::respite::request(app, f, station, start, 60).await;
        assert_eq!(r.status(), StatusCode::CREATED);
        let v: Value = r.json().await.unwrap();
        v["id"].as_str().unwrap().to_owned()
    };
    let our_visits = [
        visit(&ours, our_station, 1).await,
        visit(&ours, our_station, 2).await,
        visit(&ours, our_station, 3).await,
    ];
    let mut our_accepted = Vec::new();
    for day in [4, 5] {
        let id = visit(&ours, our_station, day).await;
        let r = app
            .post_empty(
                &format!("/api/v1/device/respite-visits/{id}/accept"),
                Some(&our_station_device),
            )
            .await;
        assert_eq!(r.status(), StatusCode::OK);
        our_accepted.push(id);
    }
    let their_visit = visit(&theirs, their_station, 1).await;
    let newest = async |f: &Family| {
        let inbox: Value = app
            .get("/api/v1/notifications", Some(&f.guardian.access))
            .await
            .json()
            .await
            .unwrap();
        inbox["items"][0]["id"]
            .as_str()
            .unwrap()
            .parse::<Uuid>()
            .unwrap()
    };
    let (our_institution, _, our_institution_device) =
        app.partner_with_device(&admin, "medical_institution").await;
    let (their_institution, _, _) = app.partner_with_device(&admin, "medical_institution").await;
    let stay = async |f: &Family, day: i64, institution: Option<Uuid>| {
        let from = app
            .clock
            .now_utc()
            .with_timezone(&chrono_tz::Asia::Tokyo)
            .date_naive()
            + chrono::Duration::days(day);
        let r = crate::short_stays::request(app, f, from, 2).await;
        assert_eq!(r.status(), StatusCode::CREATED);
        let s: Value = r.json().await.unwrap();
        let id = s["id"].as_str().unwrap().to_owned();
        if let Some(institution) = institution {
            let r = app
                .post(
                    &format!("/api/v1/staff/short-stays/{id}/approve"),
                    Some(&f.staff.access),
                    &json!({ "institution_id": institution, "confirmed_from": from, "confirmed_until": from }),
                )
                .await;
            assert_eq!(r.status(), StatusCode::OK);
        }
        id
    };
    let our_stays = [
        stay(&ours, 3, None).await,
        stay(&ours, 4, None).await,
        stay(&ours, 5, None).await,
    ];
    // Confirmed for today, so the institution may record the admission now.
    let our_approved_stay = stay(&ours, 0, Some(our_institution)).await;
    let their_stay = stay(&theirs, 3, None).await;
    let their_approved_stay = stay(&theirs, 6, Some(their_institution)).await;
    let play = crate::play_space::session(app, &ours.staff, 48, 50, 50, None).await;
    let booking = async |f: &Family| {
        let b = crate::play_space::booked(app, &f.guardian, &play, &[f.child], 1).await;
        b["id"].as_str().unwrap().to_owned()
    };
    let first = booking(&ours).await;
    let their_booking = booking(&theirs).await;
    // A second booking of ours needs another child.
    let second_child = app.child(&ours.guardian).await;
    let second = crate::play_space::booked(app, &ours.guardian, &play, &[second_child], 0).await;
    let our_bookings = [first, second["id"].as_str().unwrap().to_owned()];
    let play_session = play["id"].as_str().unwrap().to_owned();
    let our_notification = newest(&ours).await;
    let their_notification = newest(&theirs).await;
    // Visits that are over by the time the cells run: one to record, one recorded (to
    // dispute), one disputed (to decide).
    let mut short = Vec::new();
    for minute in [1, 3, 5] {
        let start = app.clock.now_utc() + chrono::Duration::minutes(minute);
        let r = crate::respite::request(app, &ours, our_station, start, 1).await;
        assert_eq!(r.status(), StatusCode::CREATED);
        let v: Value = r.json().await.unwrap();
        let id = v["id"].as_str().unwrap().to_owned();
        let r = app
            .post_empty(
                &format!("/api/v1/device/respite-visits/{id}/accept"),
                Some(&our_station_device),
            )
            .await;
        assert_eq!(r.status(), StatusCode::OK);
        let times = json!({
            "started_at": crate::respite::tokyo(start),
            "ended_at": crate::respite::tokyo(start + chrono::Duration::minutes(1)),
        });
        short.push((id, times));
    }
    app.clock.advance(chrono::Duration::minutes(8));
    for (id, times) in &short[1..] {
        let r = app
            .post(
                &format!("/api/v1/device/respite-visits/{id}/complete"),
                Some(&our_station_device),
                times,
            )
            .await;
        assert_eq!(r.status(), StatusCode::OK, "{:?}", r.text().await);
    }
    let r = app
        .post(
            &format!("/api/v1/respite-visits/{}/dispute", short[2].0),
            Some(&ours.guardian.access),
            &json!({ "reason": "看護師は来ませんでした" }),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK, "{:?}", r.text().await);
    let mut proposals = Vec::new();
    for _ in 0..2 {
        let p = app
            .propose(&theirs.staff, theirs.child, "taxi_fuel", 30_000)
            .await;
        proposals.push(p["id"].as_str().unwrap().parse().unwrap());
    }
    World {
        our_recordable: short[0].clone(),
        our_recorded: short[1].0.clone(),
        our_disputed: short[2].0.clone(),
        proposals: [proposals[0], proposals[1]],
        play_session,
        our_bookings,
        their_booking,
        our_institution,
        our_institution_device,
        our_stays,
        our_approved_stay,
        their_stay,
        their_approved_stay,
        our_notification,
        their_notification,
        staff_now: app.clock.now_utc(),
        our_station,
        our_station_device,
        our_visits,
        our_accepted: [our_accepted[0].clone(), our_accepted[1].clone()],
        their_visit,
        staff: ours.staff.clone(),
        admin,
        ours,
        theirs,
        our_device,
        our_device_id,
        their_device_id,
        our_partner,
        our_redemption,
        their_redemption,
        our_pending,
        their_pending,
    }
}

fn cells(w: &World) -> Vec<Cell> {
    let nobody = Uuid::new_v4();
    let mut cells = Vec::new();
    let mut add = |operation_id, caller, owner, method, path: String, body, expect| {
        cells.push(Cell {
            operation_id,
            caller,
            owner,
            method,
            path,
            body,
            expect,
        })
    };
    let (mine, theirs) = (w.ours.child, w.theirs.child);

    // A guardian and children: theirs is 404 like nobody's.
    for (owner, child, expect) in [
        (OtherHousehold, theirs, 404),
        (NoOne, nobody, 404),
        (Own, mine, 200),
    ] {
        let c = format!("/api/v1/children/{child}");
        add(
            "getChild",
            As::Guardian,
            owner,
            "GET",
            c.clone(),
            None,
            expect,
        );
        add(
            "listChildEnrollments",
            As::Guardian,
            owner,
            "GET",
            format!("{c}/enrollments"),
            None,
            expect,
        );
        add(
            "listAllowances",
            As::Guardian,
            owner,
            "GET",
            format!("{c}/allowances"),
            None,
            expect,
        );
        add(
            "getAllowanceHistory",
            As::Guardian,
            owner,
            "GET",
            format!("{c}/allowances/taxi_fuel/history"),
            None,
            expect,
        );
        let created = if expect == 200 { 201 } else { expect };
        add(
            "listChildShortStays",
            As::Guardian,
            owner,
            "GET",
            format!("{c}/short-stays"),
            None,
            expect,
        );
        let day = w.staff_now.date_naive() + chrono::Duration::days(20);
        add(
            "requestShortStay",
            As::Guardian,
            owner,
            "POST",
            format!("{c}/short-stays"),
            Some(
                json!({ "desired_from": day, "desired_until": day, "reason": "family_emergency", "contact": "090-0000-0000" }),
            ),
            created,
        );
        add(
            "applyForEnrollment",
            As::Guardian,
            owner,
            "POST",
            format!("{c}/enrollments"),
            Some(json!({ "program": "care_taxi" })),
            created,
        );
        add(
            "issueVoucher",
            As::Guardian,
            owner,
            "POST",
            format!("{c}/vouchers"),
            Some(json!({ "program": "taxi_fuel" })),
            created,
        );
        add(
            "listChildRespiteVisits",
            As::Guardian,
            owner,
            "GET",
            format!("{c}/respite-visits"),
            None,
            expect,
        );
        let start = w.staff_now + chrono::Duration::days(10);
        add(
            "requestRespiteVisit",
            As::Guardian,
            owner,
            "POST",
            format!("{c}/respite-visits"),
            Some(json!({
                "station_id": w.our_station,
                "starts_at": crate::respite::tokyo(start),
                "ends_at": crate::respite::tokyo(start + chrono::Duration::hours(1)),
            })),
            created,
        );
    }

    // Respite visits: another household's or another station's is 404 like nobody's.
    let past = |h: i64| crate::respite::tokyo(w.staff_now - chrono::Duration::hours(h));
    let record = json!({ "started_at": past(3), "ended_at": past(2) });
    let visits = |own: &str| {
        [
            (OtherHousehold, w.their_visit.clone(), 404),
            (NoOne, nobody.to_string(), 404),
            (Own, own.to_owned(), 200),
        ]
    };
    for (owner, v, expect) in visits(&w.our_visits[0]) {
        add(
            "cancelRespiteVisit",
            As::Guardian,
            owner,
            "POST",
            format!("/api/v1/respite-visits/{v}/cancel"),
            None,
            expect,
        );
    }
    for (i, (operation, body)) in [
        ("acceptRespiteVisit", None),
        (
            "declineRespiteVisit",
            Some(json!({ "reason": "人手が足りません" })),
        ),
    ]
    .into_iter()
    .enumerate()
    {
        for (owner, v, expect) in visits(&w.our_visits[i + 1]) {
            let owner = if owner == OtherHousehold {
                OtherPartner
            } else {
                owner
            };
            let action = if i == 0 { "accept" } else { "decline" };
            add(
                operation,
                As::Station,
                owner,
                "POST",
                format!("/api/v1/device/respite-visits/{v}/{action}"),
                body.clone(),
                expect,
            );
        }
    }
    for (owner, v, expect) in visits(&w.our_recordable.0) {
        let owner = if owner == OtherHousehold {
            OtherPartner
        } else {
            owner
        };
        add(
            "completeRespiteVisit",
            As::Station,
            owner,
            "POST",
            format!("/api/v1/device/respite-visits/{v}/complete"),
            Some(w.our_recordable.1.clone()),
            expect,
        );
    }
    for (owner, v, expect) in visits(&w.our_recorded) {
        add(
            "disputeRespiteVisit",
            As::Guardian,
            owner,
            "POST",
            format!("/api/v1/respite-visits/{v}/dispute"),
            Some(json!({ "reason": "訪問は1時間遅れて始まりました" })),
            expect,
        );
    }
    for (owner, v, expect) in [
        (NoOne, nobody.to_string(), 404),
        (Own, w.our_disputed.clone(), 200),
    ] {
        add(
            "decideRespiteDispute",
            As::Staff,
            owner,
            "POST",
            format!("/api/v1/staff/respite-visits/{v}/dispute-decision"),
            Some(json!({ "outcome": "accepted", "reason": "事業所に確認しました" })),
            expect,
        );
    }
    let mut exception = record.clone();
    exception["reason"] = json!("主治医の指示");
    for (owner, v, expect) in [
        (NoOne, nobody.to_string(), 404),
        (Own, w.our_accepted[1].clone(), 200),
    ] {
        add(
            "approveRespiteException",
            As::Staff,
            owner,
            "POST",
            format!("/api/v1/staff/respite-visits/{v}/exception"),
            Some(exception.clone()),
            expect,
        );
    }
    for (owner, id, expect) in [
        (OtherHousehold, w.their_pending, 404),
        (NoOne, nobody, 404),
        (Own, w.our_pending, 200),
    ] {
        add(
            "withdrawEnrollment",
            As::Guardian,
            owner,
            "POST",
            format!("/api/v1/enrollments/{id}/withdraw"),
            None,
            expect,
        );
    }

    // A partner and redemptions: another partner's is 404 like nobody's.
    for (owner, id, expect) in [
        (OtherPartner, w.their_redemption.clone(), 404),
        (NoOne, nobody.to_string(), 404),
        (Own, w.our_redemption.clone(), 200),
    ] {
        add(
            "cancelRedemption",
            As::Device,
            owner,
            "POST",
            format!("/api/v1/device/redemptions/{id}/cancel"),
            None,
            expect,
        );
    }

    // Staff open any child's page; an id of no child is 404.
    for (owner, child, expect) in [(NoOne, nobody, 404), (Own, w.ours.child, 200)] {
        add(
            "getChildRecord",
            As::Staff,
            owner,
            "GET",
            format!("/api/v1/staff/children/{child}"),
            None,
            expect,
        );
        add(
            "getChildAllowanceHistory",
            As::Staff,
            owner,
            "GET",
            format!("/api/v1/staff/children/{child}/allowances/taxi_fuel/history"),
            None,
            expect,
        );
    }
    // A session's door list; changing or calling off a session nobody published is 404 (the
    // world's own session stays as it is for the other cells).
    add(
        "listPlaySessionBookings",
        As::Staff,
        NoOne,
        "GET",
        format!("/api/v1/staff/play-sessions/{nobody}/bookings"),
        None,
        404,
    );
    add(
        "listPlaySessionBookings",
        As::Staff,
        Own,
        "GET",
        format!("/api/v1/staff/play-sessions/{}/bookings", w.play_session),
        None,
        200,
    );
    add(
        "changePlaySession",
        As::Staff,
        NoOne,
        "PUT",
        format!("/api/v1/staff/play-sessions/{nobody}"),
        Some(
            json!({ "title": "x", "starts_at": "2099-01-05T10:00:00", "ends_at": "2099-01-05T12:00:00", "capacity_children": 5, "capacity_adults": 5 }),
        ),
        404,
    );
    add(
        "cancelPlaySession",
        As::Staff,
        NoOne,
        "POST",
        format!("/api/v1/staff/play-sessions/{nobody}/cancel"),
        Some(json!({ "reason": "会場の設備点検のため" })),
        404,
    );

    // Staff see every household's objects; an id nobody owns is 404.
    let household = w.ours.guardian.household_id.unwrap();
    for (owner, h, expect) in [(NoOne, nobody, 404), (Own, household, 200)] {
        let p = format!("/api/v1/staff/households/{h}");
        add(
            "getHousehold",
            As::Staff,
            owner,
            "GET",
            p.clone(),
            None,
            expect,
        );
        let created = if expect == 200 { 201 } else { expect };
        add(
            "inviteGuardian",
            As::Staff,
            owner,
            "POST",
            format!("{p}/invitations"),
            Some(
                json!({ "email": format!("{}@example.jp", Uuid::new_v4().simple()), "display_name": "品川 花子" }),
            ),
            created,
        );
        add(
            "addChildToHousehold",
            As::Staff,
            owner,
            "POST",
            format!("{p}/children"),
            Some(crate::helpers::child_body()),
            created,
        );
        add(
            "recordHouseholdContact",
            As::Staff,
            owner,
            "PUT",
            format!("{p}/contact"),
            Some(crate::helpers::contact_body()),
            expect,
        );
    }
    for (owner, e, expect) in [(NoOne, nobody, 404), (Own, w.their_pending, 200)] {
        add(
            "getEnrollment",
            As::Staff,
            owner,
            "GET",
            format!("/api/v1/staff/enrollments/{e}"),
            None,
            expect,
        );
        add(
            "rejectEnrollment",
            As::Staff,
            owner,
            "POST",
            format!("/api/v1/staff/enrollments/{e}/reject"),
            Some(json!({ "reason": "書類不足" })),
            expect,
        );
    }
    add(
        "approveEnrollment",
        As::Staff,
        NoOne,
        "POST",
        format!("/api/v1/staff/enrollments/{nobody}/approve"),
        Some(
            json!({ "valid_from": "2026-04-01", "certificate": { "number": "1310900123", "valid_until": "2099-03-31" } }),
        ),
        404,
    );
    add(
        "recordEnrollmentCertificate",
        As::Staff,
        NoOne,
        "POST",
        format!("/api/v1/staff/enrollments/{nobody}/certificate"),
        Some(json!({ "number": "1310900123", "valid_until": "2099-03-31" })),
        404,
    );
    for (owner, p, expect) in [(NoOne, nobody, 404), (Own, w.our_partner, 200)] {
        add(
            "getPartner",
            As::Staff,
            owner,
            "GET",
            format!("/api/v1/staff/partners/{p}"),
            None,
            expect,
        );
        add(
            "getPartnerSettlement",
            As::Staff,
            owner,
            "GET",
            format!("/api/v1/staff/settlements/{p}?month=2026-11"),
            None,
            expect,
        );
        let created = if expect == 200 { 201 } else { expect };
        add(
            "registerDevice",
            As::Admin,
            owner,
            "POST",
            format!("/api/v1/admin/partners/{p}/devices"),
            Some(json!({ "label": "予備端末" })),
            created,
        );
    }
    for (owner, r, expect) in [
        (NoOne, nobody.to_string(), 404),
        (Own, w.their_redemption.clone(), 200),
    ] {
        add(
            "reverseRedemption",
            As::Staff,
            owner,
            "POST",
            format!("/api/v1/staff/redemptions/{r}/reverse"),
            Some(json!({ "reason": "二重請求の訂正" })),
            expect,
        );
    }
    for (owner, c, expect) in [(NoOne, nobody, 404), (Own, theirs, 200)] {
        add(
            "adjustAllowance",
            As::Staff,
            owner,
            "POST",
            format!("/api/v1/staff/children/{c}/allowances/taxi_fuel/adjustments"),
            Some(json!({ "amount": 100, "reason": "訂正" })),
            expect,
        );
    }
    // Months belong to the ward: staff close one that has ended; one that has not is refused.
    add(
        "closeSettlementMonth",
        As::Staff,
        Own,
        "POST",
        "/api/v1/staff/settlements/2020-01/close".into(),
        None,
        200,
    );
    add(
        "closeSettlementMonth",
        As::Staff,
        NoOne,
        "POST",
        "/api/v1/staff/settlements/2999-01/close".into(),
        None,
        409,
    );
    // Another staff member's proposal is staff's to decide; a proposal nobody made is 404.
    for (owner, p, expect) in [(NoOne, nobody, 404), (Own, w.proposals[0], 200)] {
        add(
            "approveAdjustmentProposal",
            As::Staff,
            owner,
            "POST",
            format!("/api/v1/staff/adjustment-proposals/{p}/approve"),
            None,
            expect,
        );
    }
    for (owner, p, expect) in [(NoOne, nobody, 404), (Own, w.proposals[1], 200)] {
        add(
            "rejectAdjustmentProposal",
            As::Staff,
            owner,
            "POST",
            format!("/api/v1/staff/adjustment-proposals/{p}/reject"),
            Some(json!({ "reason": "金額の根拠が不明" })),
            expect,
        );
    }
    for (owner, a, expect) in [(NoOne, nobody, 404), (Own, w.theirs.guardian.id, 200)] {
        add(
            "disableAccount",
            As::Admin,
            owner,
            "POST",
            format!("/api/v1/admin/accounts/{a}/disable"),
            None,
            expect,
        );
    }
    // Short stays: another household's or institution's is 404 like nobody's.
    let stays = |other: &str, own: &str| {
        [
            (OtherHousehold, other.to_owned(), 404),
            (NoOne, nobody.to_string(), 404),
            (Own, own.to_owned(), 200),
        ]
    };
    for (owner, s, expect) in stays(&w.their_stay, &w.our_stays[0]) {
        add(
            "withdrawShortStay",
            As::Guardian,
            owner,
            "POST",
            format!("/api/v1/short-stays/{s}/withdraw"),
            None,
            expect,
        );
    }
    for action in ["admit", "discharge"] {
        for (owner, s, expect) in stays(&w.their_approved_stay, &w.our_approved_stay) {
            let owner = if owner == OtherHousehold {
                OtherPartner
            } else {
                owner
            };
            add(
                if action == "admit" {
                    "admitShortStay"
                } else {
                    "dischargeShortStay"
                },
                As::Institution,
                owner,
                "POST",
                format!("/api/v1/device/short-stays/{s}/{action}"),
                None,
                expect,
            );
        }
    }
    let from = w.staff_now.date_naive() + chrono::Duration::days(4);
    for (op, action, body, own) in [
        ("getShortStay", "", None, &w.our_stays[1]),
        (
            "approveShortStay",
            "/approve",
            Some(
                json!({ "institution_id": w.our_institution, "confirmed_from": from, "confirmed_until": from }),
            ),
            &w.our_stays[1],
        ),
        (
            "rejectShortStay",
            "/reject",
            Some(json!({ "reason": "満床です" })),
            &w.our_stays[2],
        ),
    ] {
        for (owner, s, expect) in [(NoOne, nobody.to_string(), 404), (Own, own.clone(), 200)] {
            add(
                op,
                As::Staff,
                owner,
                if action.is_empty() { "GET" } else { "POST" },
                format!("/api/v1/staff/short-stays/{s}{action}"),
                body.clone(),
                expect,
            );
        }
    }

    // Cancelling a stay nobody requested is 404 (the world's approved stay is the institution's
    // to admit in the cells above).
    add(
        "cancelShortStay",
        As::Staff,
        NoOne,
        "POST",
        format!("/api/v1/staff/short-stays/{nobody}/cancel"),
        Some(json!({ "reason": "不要になったため" })),
        404,
    );

    // Play space: another household's booking is 404 like nobody's; so is a session nobody
    // published.
    for (op, action, own) in [
        ("getPlayBookingCode", "code", &w.our_bookings[0]),
        ("cancelPlayBooking", "cancel", &w.our_bookings[1]),
    ] {
        for (owner, b, expect) in [
            (OtherHousehold, w.their_booking.clone(), 404),
            (NoOne, nobody.to_string(), 404),
            (Own, own.clone(), 200),
        ] {
            add(
                op,
                As::Guardian,
                owner,
                if action == "code" { "GET" } else { "POST" },
                format!("/api/v1/play-bookings/{b}/{action}"),
                None,
                expect,
            );
        }
    }
    for (owner, s, expect) in [
        (NoOne, nobody.to_string(), 404),
        // Own: the child already holds a booking for this session.
        (Own, w.play_session.clone(), 409),
    ] {
        add(
            "bookPlaySession",
            As::Guardian,
            owner,
            "POST",
            format!("/api/v1/play-sessions/{s}/bookings"),
            Some(json!({ "child_ids": [w.ours.child] })),
            expect,
        );
    }

    // Notifications: the family's own is read; another household's is 404 like nobody's.
    for (owner, n, expect) in [
        (OtherHousehold, w.their_notification, 404),
        (NoOne, nobody, 404),
        (Own, w.our_notification, 200),
    ] {
        add(
            "markNotificationRead",
            As::Guardian,
            owner,
            "POST",
            format!("/api/v1/notifications/{n}/read"),
            None,
            expect,
        );
    }
    add(
        "retryNotification",
        As::Staff,
        NoOne,
        "POST",
        format!("/api/v1/staff/notifications/{nobody}/retry"),
        None,
        404,
    );
    for (owner, d, expect) in [(NoOne, nobody, 404), (Own, w.their_device_id, 200)] {
        add(
            "revokeDevice",
            As::Admin,
            owner,
            "POST",
            format!("/api/v1/admin/devices/{d}/revoke"),
            None,
            expect,
        );
    }
    cells
}

fn operations_with_an_id_in_the_path() -> BTreeSet<String> {
    let spec = carepass::openapi_document();
    let mut ops = BTreeSet::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        if !path.contains('{') {
            continue;
        }
        for op in item.as_object().unwrap().values() {
            ops.insert(op["operationId"].as_str().unwrap().to_owned());
        }
    }
    ops
}

#[tokio::test]
async fn every_operation_on_an_object_answers_by_owner_and_refusals_change_nothing() {
    let app = world_app().await;
    let w = world(&app).await;
    let cells = cells(&w);

    let covered: BTreeSet<String> = cells.iter().map(|c| c.operation_id.to_owned()).collect();
    let missing: Vec<_> = operations_with_an_id_in_the_path()
        .difference(&covered)
        .cloned()
        .collect();
    assert!(
        missing.is_empty(),
        "operations on an object without ownership cells: {missing:?}"
    );

    let ledger_before = app.count("ledger_entries").await;
    let mut failures = Vec::new();
    let mut refusals = 0;
    for cell in &cells {
        let token = match cell.caller {
            As::Guardian => w.ours.guardian.access.as_str(),
            As::Device => w.our_device.as_str(),
            As::Station => w.our_station_device.as_str(),
            As::Institution => w.our_institution_device.as_str(),
            As::Staff => w.staff.access.as_str(),
            As::Admin => w.admin.access.as_str(),
        };
        let mut req = match cell.method {
            "GET" => app.client.get(app.url(&cell.path)),
            "PUT" => app.client.put(app.url(&cell.path)),
            _ => app.client.post(app.url(&cell.path)),
        };
        if let Some(body) = &cell.body {
            req = req.json(body);
        }
        let r = req.bearer_auth(token).send().await.unwrap();
        let status = r.status().as_u16();
        if status != cell.expect {
            let body = r.text().await.unwrap_or_default();
            failures.push(format!(
                "{} as {:?} on {:?}: expected {}, got {status} {body}",
                cell.operation_id, cell.caller, cell.owner, cell.expect
            ));
        }
        if cell.owner != Own {
            refusals += 1;
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
    assert!(refusals >= 25, "only {refusals} refusal cells");

    // The refusals moved no money or minutes: the only new ledger entries are the own cells'
    // (our cancellation, staff's reversal, adjustment and approved proposal; a respite hold,
    // its cancellation, a decline, a record and an exception: release and capture each; a
    // dispute: reversal and hold; an accepted dispute: release).
    assert_eq!(app.count("ledger_entries").await, ledger_before + 4 + 7 + 3);
}

#[tokio::test]
async fn a_partner_lists_only_its_own_redemptions() {
    let app = world_app().await;
    let w = world(&app).await;
    let r = app
        .get("/api/v1/device/redemptions", Some(&w.our_device))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let page: Value = r.json().await.unwrap();
    let ids: Vec<&str> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, vec![w.our_redemption.as_str()]);
    assert_ne!(w.our_device_id, w.their_device_id);
}
