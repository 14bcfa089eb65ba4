//! Medical short stays: a guardian's request, staff's decision assigning an institution, the
//! institution's admission and discharge, each step audited and notified.

use chrono::{Datelike, Duration, NaiveDate};
use reqwest::{Response, StatusCode};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::helpers::{Family, family};
use crate::helpers::{NowUtc, TestApp, User, assert_problem};

/// A service whose clock the tests move to the stay's dates: sessions outlast them.
async fn app() -> TestApp {
    crate::helpers::spawn_app_with(|c| c.auth.access_token_minutes = 60 * 24 * 400).await
}

/// Moves the clock to 10:00 (Asia/Tokyo) on `day`.
fn morning_of(app: &TestApp, day: NaiveDate) {
    use chrono::TimeZone;
    app.clock.set(
        chrono_tz::Asia::Tokyo
            .from_local_datetime(&day.and_hms_opt(10, 0, 0).unwrap())
            .unwrap()
            .to_utc(),
    );
}

pub fn today(app: &TestApp) -> NaiveDate {
    app.clock
        .now_utc()
        .with_timezone(&chrono_tz::Asia::Tokyo)
        .date_naive()
}

pub async fn request(app: &TestApp, f: &Family, from: NaiveDate, days: i64) -> Response {
    app.post(
        &format!("/api/v1/children/{}/short-stays", f.child),
        Some(&f.guardian.access),
        &json!({
            "desired_from": from,
            "desired_until": from + Duration::days(days - 1),
            "reason": "caregiver_hospitalisation",
            "reason_detail": "母が手術のため入院します",
            "care_needs": ["ventilator", "suction"],
            "contact": "090-1234-5678",
        }),
    )
    .await
}

pub async fn submitted(app: &TestApp, f: &Family, from: NaiveDate, days: i64) -> Value {
    let r = request(app, f, from, days).await;
    assert_eq!(r.status(), StatusCode::CREATED, "{:?}", r.text().await);
    r.json().await.unwrap()
}

pub async fn institution(app: &TestApp, admin: &User) -> (Uuid, String) {
    let (id, _, device) = app.partner_with_device(admin, "medical_institution").await;
    (id, device)
}

fn path(s: &Value, action: &str, who: &str) -> String {
    let id = s["id"].as_str().unwrap();
    match who {
        "staff" => format!("/api/v1/staff/short-stays/{id}/{action}"),
        "device" => format!("/api/v1/device/short-stays/{id}/{action}"),
        _ => format!("/api/v1/short-stays/{id}/{action}"),
    }
}

async fn approve(
    app: &TestApp,
    staff: &User,
    s: &Value,
    institution: Uuid,
    from: NaiveDate,
) -> Response {
    app.post(
        &path(s, "approve", "staff"),
        Some(&staff.access),
        &json!({
            "institution_id": institution,
            "confirmed_from": from,
            "confirmed_until": from + Duration::days(2),
        }),
    )
    .await
}

async fn inbox(app: &TestApp, token: &str, device: bool) -> Vec<Value> {
    let url = if device {
        "/api/v1/device/notifications"
    } else {
        "/api/v1/notifications"
    };
    let v: Value = app.get(url, Some(token)).await.json().await.unwrap();
    v["items"].as_array().unwrap().clone()
}

#[tokio::test]
async fn a_stay_is_requested_approved_with_other_dates_admitted_and_discharged() {
    let app = app().await;
    let f = family(&app, &["short_stay"]).await;
    let admin = app.admin().await;
    let (hospital, device) = institution(&app, &admin).await;
    let from = today(&app) + Duration::days(10);
    let s = submitted(&app, &f, from, 5).await;
    assert_eq!(s["status"], "submitted");
    assert_eq!(s["reason"], "caregiver_hospitalisation");

    // Staff's queue shows it; staff approve it one day later than wished.
    let queue: Value = app
        .get(
            "/api/v1/staff/short-stays?status=submitted",
            Some(&f.staff.access),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(queue["items"][0]["id"], s["id"]);
    let r = approve(&app, &f.staff, &s, hospital, from + Duration::days(1)).await;
    assert_eq!(r.status(), StatusCode::OK);
    let approved: Value = r.json().await.unwrap();
    assert_eq!(approved["status"], "approved");
    assert_eq!(approved["institution_id"], json!(hospital));
    assert_eq!(approved["confirmed_from"], json!(from + Duration::days(1)));

    // The family and the institution are told.
    let family_inbox = inbox(&app, &f.guardian.access, false).await;
    assert_eq!(family_inbox[0]["type"], "short_stay.approved");
    assert_eq!(family_inbox[0]["subject_id"], s["id"]);
    let hospital_inbox = inbox(&app, &device, true).await;
    assert_eq!(hospital_inbox[0]["type"], "short_stay.assigned");
    // In words: the family by the institution's name and the dates, the institution by the
    // child's initials only (need-to-know).
    let hospital_name = approved["institution_name"].as_str().unwrap().to_owned();
    let told = family_inbox[0]["text"]["ja"]["body"].as_str().unwrap();
    assert!(
        told.contains(&hospital_name) && told.contains("品川 さくら"),
        "{told}"
    );
    let told = hospital_inbox[0]["text"]["ja"]["body"].as_str().unwrap();
    assert!(
        told.contains("し.さ.さん") && !told.contains("品川 さくら"),
        "{told}"
    );
    // The family's own list names the institution, which it could not look up by id.
    let mine: Value = app
        .get(
            &format!("/api/v1/children/{}/short-stays", f.child),
            Some(&f.guardian.access),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(mine["items"][0]["institution_name"], hospital_name.as_str());

    // The institution sees it coming and records admission and discharge.
    let coming: Value = app
        .get("/api/v1/device/short-stays?status=approved", Some(&device))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(coming["items"][0]["id"], s["id"]);
    let r = app
        .post_empty(&path(&s, "discharge", "device"), Some(&device))
        .await;
    assert_eq!(
        assert_problem(r, 409, "short_stay_state_conflict").await["stay_status"],
        "approved"
    );
    morning_of(&app, from + Duration::days(1));
    let r = app
        .post_empty(&path(&s, "admit", "device"), Some(&device))
        .await;
    assert_eq!(r.json::<Value>().await.unwrap()["status"], "admitted");
    let r = app
        .post_empty(&path(&s, "discharge", "device"), Some(&device))
        .await;
    let done: Value = r.json().await.unwrap();
    assert_eq!(done["status"], "discharged");
    assert!(done["discharged_at"].is_string());
    // In the figures every program shares: one person, one stay of three confirmed days, in the
    // month of admission.
    let admitted = from + Duration::days(1);
    let fy = if admitted.month() >= 4 {
        admitted.year()
    } else {
        admitted.year() - 1
    };
    let figures =
        crate::helpers::program_figures(&app, &f.staff.access, "short_stay", &format!("FY{fy}"))
            .await;
    assert_eq!(figures["unit"], "day");
    let month = format!("{:04}-{:02}", admitted.year(), admitted.month());
    assert_eq!(crate::helpers::tally_of(&figures, &month), (1, 1, 3));
    assert_eq!(
        inbox(&app, &f.guardian.access, false).await[0]["type"],
        "short_stay.discharged"
    );

    // Every step is in the audit log.
    let mut actions = app
        .audit_actions(s["id"].as_str().unwrap(), &f.staff.access)
        .await;
    // The institution's reads of the family are logged as well (see need_to_know.rs).
    actions.retain(|a| a != "person.disclosed");
    actions.sort();
    assert_eq!(
        actions,
        [
            "short_stay.admitted",
            "short_stay.approved",
            "short_stay.discharged",
            "short_stay.submitted"
        ]
    );
}

#[tokio::test]
async fn a_rejection_carries_its_reason_and_only_undecided_requests_can_be_withdrawn() {
    let app = app().await;
    let f = family(&app, &["short_stay"]).await;
    let from = today(&app) + Duration::days(3);
    let a = submitted(&app, &f, from, 2).await;
    let b = submitted(&app, &f, from + Duration::days(7), 2).await;
    let r = app
        .post(
            &path(&a, "reject", "staff"),
            Some(&f.staff.access),
            &json!({ "reason": "受入可能な医療機関がありません" }),
        )
        .await;
    assert_eq!(
        r.json::<Value>().await.unwrap()["decision_reason"],
        "受入可能な医療機関がありません"
    );
    assert_eq!(
        inbox(&app, &f.guardian.access, false).await[0]["data"]["reason"],
        "受入可能な医療機関がありません"
    );
    let r = app
        .post_empty(&path(&a, "withdraw", "guardian"), Some(&f.guardian.access))
        .await;
    assert_eq!(
        assert_problem(r, 409, "short_stay_state_conflict").await["stay_status"],
        "rejected"
    );
    let r = app
        .post_empty(&path(&b, "withdraw", "guardian"), Some(&f.guardian.access))
        .await;
    assert_eq!(r.json::<Value>().await.unwrap()["status"], "withdrawn");
    let r = approve(&app, &f.staff, &b, Uuid::new_v4(), from).await;
    assert_problem(r, 409, "short_stay_state_conflict").await;
    let r = app
        .post(
            &path(&b, "reject", "staff"),
            Some(&f.staff.access),
            &json!({ "reason": "x" }),
        )
        .await;
    assert_problem(r, 409, "short_stay_state_conflict").await;
}

#[tokio::test]
async fn others_are_refused_each_as_they_should_be() {
    let app = app().await;
    let f = family(&app, &["short_stay"]).await;
    let other = family(&app, &["short_stay"]).await;
    let admin = app.admin().await;
    let (hospital, _) = institution(&app, &admin).await;
    let (_, other_hospital) = institution(&app, &admin).await;
    let (taxi_partner, _, taxi) = app.partner_with_device(&admin, "taxi_company").await;
    let s = submitted(&app, &f, today(&app) + Duration::days(5), 3).await;

    let r = app
        .post_empty(
            &path(&s, "withdraw", "guardian"),
            Some(&other.guardian.access),
        )
        .await;
    assert_problem(r, 404, "short_stay_not_found").await;
    // Only a contracted medical institution can be assigned.
    let r = approve(
        &app,
        &f.staff,
        &s,
        taxi_partner,
        today(&app) + Duration::days(5),
    )
    .await;
    assert_eq!(
        assert_problem(r, 422, "invalid_field").await["field"],
        "institution_id"
    );
    let r = approve(
        &app,
        &f.staff,
        &s,
        hospital,
        today(&app) + Duration::days(5),
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK);
    // Another institution does not see it; a taxi company is the wrong kind of partner.
    let r = app
        .post_empty(&path(&s, "admit", "device"), Some(&other_hospital))
        .await;
    assert_problem(r, 404, "short_stay_not_found").await;
    let r = app
        .post_empty(&path(&s, "admit", "device"), Some(&taxi))
        .await;
    assert_problem(r, 403, "partner_kind_mismatch").await;
    let theirs: Value = app
        .get("/api/v1/device/short-stays", Some(&other_hospital))
        .await
        .json()
        .await
        .unwrap();
    assert!(theirs["items"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn bad_requests_are_field_problems_and_write_nothing() {
    let app = app().await;
    let f = family(&app, &["short_stay"]).await;
    let not_enrolled = family(&app, &["taxi_fuel"]).await;
    let t = today(&app);
    let base = json!({
        "desired_from": t + Duration::days(3),
        "desired_until": t + Duration::days(5),
        "reason": "caregiver_illness",
        "contact": "03-1234-5678",
    });
    for (change, field) in [
        (
            json!({ "desired_until": t + Duration::days(2) }),
            "desired_until",
        ),
        (
            json!({ "desired_from": t - Duration::days(1), "desired_until": t }),
            "desired_from",
        ),
        (
            json!({ "desired_until": t + Duration::days(70) }),
            "desired_until",
        ),
        (json!({ "contact": "   " }), "contact"),
        (
            json!({ "reason_detail": "あ".repeat(1001) }),
            "reason_detail",
        ),
    ] {
        let mut body = base.clone();
        for (k, v) in change.as_object().unwrap() {
            body[k] = v.clone();
        }
        let r = app
            .post(
                &format!("/api/v1/children/{}/short-stays", f.child),
                Some(&f.guardian.access),
                &body,
            )
            .await;
        assert_eq!(
            assert_problem(r, 422, "invalid_field").await["field"],
            field,
            "{body}"
        );
    }
    let mut body = base.clone();
    body["reason"] = json!("boredom");
    let r = app
        .post(
            &format!("/api/v1/children/{}/short-stays", f.child),
            Some(&f.guardian.access),
            &body,
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = request(&app, &not_enrolled, t + Duration::days(3), 2).await;
    assert_problem(r, 409, "not_enrolled").await;
    assert_eq!(app.count("short_stays").await, 0);
}

#[tokio::test]
async fn the_yearly_counts_follow_the_fiscal_year() {
    let app = app().await;
    // FY2026 runs from 1 April 2026 to 31 March 2027 (Asia/Tokyo).
    app.clock.set(
        chrono::DateTime::parse_from_rfc3339("2026-05-01T09:00:00+09:00")
            .unwrap()
            .to_utc(),
    );
    let f = family(&app, &["short_stay"]).await;
    let admin = app.admin().await;
    let (hospital, device) = institution(&app, &admin).await;
    let mut stays = Vec::new();
    for d in [10, 40, 70] {
        stays.push(submitted(&app, &f, today(&app) + Duration::days(d), 3).await);
    }
    for s in &stays[..2] {
        let from: NaiveDate = serde_json::from_value(s["desired_from"].clone()).unwrap();
        assert_eq!(
            approve(&app, &f.staff, s, hospital, from).await.status(),
            StatusCode::OK
        );
        morning_of(&app, from);
        let r = app
            .post_empty(&path(s, "admit", "device"), Some(&device))
            .await;
        assert_eq!(r.status(), StatusCode::OK);
    }
    let r = app
        .post(
            &path(&stays[2], "reject", "staff"),
            Some(&f.staff.access),
            &json!({ "reason": "満床" }),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let counts: Value = app
        .get(
            "/api/v1/staff/short-stay-counts?fiscal_year=FY2026",
            Some(&f.staff.access),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        counts,
        json!({ "fiscal_year": "FY2026", "requested": 3, "approved": 2, "rejected": 1, "withdrawn": 0, "cancelled": 0, "cases": 2, "discharged": 0 })
    );
    let previous: Value = app
        .get(
            "/api/v1/staff/short-stay-counts?fiscal_year=FY2025",
            Some(&f.staff.access),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(previous["cases"], 0);
    let r = app
        .get(
            "/api/v1/staff/short-stay-counts?fiscal_year=2026",
            Some(&f.staff.access),
        )
        .await;
    assert_problem(r, 400, "invalid_query").await;
}

#[tokio::test]
async fn an_admission_happens_on_the_confirmed_dates_and_may_be_entered_after_the_fact() {
    let app = app().await;
    let f = family(&app, &["short_stay"]).await;
    let admin = app.admin().await;
    let (hospital, device) = institution(&app, &admin).await;
    let from = today(&app) + Duration::days(10);
    let s = submitted(&app, &f, from, 3).await;
    approve(&app, &f.staff, &s, hospital, from).await;

    // The finding: admitted today, ten days before the confirmed dates.
    let r = app
        .post_empty(&path(&s, "admit", "device"), Some(&device))
        .await;
    let p = assert_problem(r, 422, "admission_outside_dates").await;
    assert_eq!(p["earliest"], json!(from - Duration::days(1)));
    assert_eq!(p["latest"], json!(from + Duration::days(2)));
    assert!(p["detail"].as_str().unwrap().contains("までです"), "{p}");

    // Two days into the stay, the institution enters yesterday's admission at 09:30.
    morning_of(&app, from + Duration::days(1));
    let admit = async |at: String| {
        app.post(
            &path(&s, "admit", "device"),
            Some(&device),
            &json!({ "admitted_at": at }),
        )
        .await
    };
    let r = admit(format!("{}T09:30:00", from + Duration::days(5))).await;
    assert_problem(r, 422, "invalid_field").await;
    let r = admit(format!("{}T09:30:00", from + Duration::days(2))).await;
    assert_eq!(
        assert_problem(r, 422, "invalid_field").await["field"],
        "admitted_at"
    );
    let r = admit(format!("{}T09:30:00", from)).await;
    assert_eq!(r.status(), StatusCode::OK, "{:?}", r.text().await);
    let admitted: Value = r.json().await.unwrap();
    let at: chrono::DateTime<chrono::Utc> =
        admitted["admitted_at"].as_str().unwrap().parse().unwrap();
    assert_eq!(
        at.with_timezone(&chrono_tz::Asia::Tokyo).naive_local(),
        from.and_hms_opt(9, 30, 0).unwrap()
    );
    // A discharge before the admission is refused; one given after the fact is kept.
    let r = app
        .post(
            &path(&s, "discharge", "device"),
            Some(&device),
            &json!({ "discharged_at": format!("{}T08:00:00", from) }),
        )
        .await;
    assert_problem(r, 422, "invalid_field").await;
    let r = app
        .post(
            &path(&s, "discharge", "device"),
            Some(&device),
            &json!({ "discharged_at": format!("{}T08:00:00", from + Duration::days(1)) }),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
}

#[tokio::test]
async fn staff_cancel_an_approved_stay_with_a_reason_the_family_and_the_institution_are_told() {
    let app = app().await;
    let f = family(&app, &["short_stay"]).await;
    let admin = app.admin().await;
    let (hospital, device) = institution(&app, &admin).await;
    let made_on = today(&app);
    let from = made_on + Duration::days(10);
    let s = submitted(&app, &f, from, 3).await;
    let cancel = path(&s, "cancel", "staff");
    let reason = json!({ "reason": "ご家族から不要との連絡があったため" });

    // Not yet approved: nothing to cancel (the family withdraws a request instead).
    let r = app.post(&cancel, Some(&f.staff.access), &reason).await;
    assert_eq!(
        assert_problem(r, 409, "short_stay_state_conflict").await["stay_status"],
        "submitted"
    );
    assert_eq!(
        approve(&app, &f.staff, &s, hospital, from).await.status(),
        StatusCode::OK
    );
    let r = app.post(&cancel, Some(&f.guardian.access), &reason).await;
    assert_problem(r, 403, "forbidden_role").await;
    let r = app
        .post(&cancel, Some(&f.staff.access), &json!({ "reason": "" }))
        .await;
    assert_problem(r, 422, "invalid_field").await;

    let r = app.post(&cancel, Some(&f.staff.access), &reason).await;
    assert_eq!(r.status(), StatusCode::OK, "{:?}", r.text().await);
    let cancelled: Value = r.json().await.unwrap();
    assert_eq!(cancelled["status"], "cancelled");
    assert_eq!(
        cancelled["cancel_reason"],
        "ご家族から不要との連絡があったため"
    );

    let told = &inbox(&app, &f.guardian.access, false).await[0];
    assert_eq!(told["type"], "short_stay.cancelled");
    let body = told["text"]["ja"]["body"].as_str().unwrap();
    assert!(body.starts_with("品川 さくらさんの"), "{body}");
    assert!(
        body.contains("理由：ご家族から不要との連絡があったため"),
        "{body}"
    );
    let theirs = &inbox(&app, &device, true).await[0];
    assert_eq!(theirs["type"], "short_stay.cancelled");
    // The institution reads initials in its notice.
    assert!(
        !theirs["text"]["ja"]["body"]
            .as_str()
            .unwrap()
            .contains("品川 さくら")
    );

    // A cancelled stay is not admitted, nor cancelled twice.
    morning_of(&app, from);
    let r = app
        .post_empty(&path(&s, "admit", "device"), Some(&device))
        .await;
    assert_problem(r, 409, "short_stay_state_conflict").await;
    let r = app.post(&cancel, Some(&f.staff.access), &reason).await;
    assert_problem(r, 409, "short_stay_state_conflict").await;
    // The year it was requested in counts it among the approved and the cancelled.
    let fy = if made_on.month() >= 4 {
        made_on.year()
    } else {
        made_on.year() - 1
    };
    let counts: Value = app
        .get(
            &format!("/api/v1/staff/short-stay-counts?fiscal_year=FY{fy}"),
            Some(&f.staff.access),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (counts["approved"].as_i64(), counts["cancelled"].as_i64()),
        (Some(1), Some(1))
    );
}
