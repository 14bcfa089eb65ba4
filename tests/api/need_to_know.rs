//! Need-to-know for partners: a nurse station sees, before it accepts a visit, only what it
//! needs to decide (initials, age, care needs, the town); once it has accepted, the child's name,
//! the address and the guardian's phone, for that visit only and until a configured time after
//! it; an institution the same for a stay assigned to it. Every full view is audited.

use chrono::{Duration, NaiveDate, TimeZone, Utc};
use chrono_tz::Asia::Tokyo;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{
    NowUtc, TestApp, assert_problem, contact_body, family, spawn_app_with, tomorrow_at_ten,
};
use crate::respite::{accept, complete, requested, station};

/// A service whose clock the tests move by days: sessions outlast them.
async fn app() -> TestApp {
    spawn_app_with(|c| {
        c.auth.access_token_minutes = 60 * 24 * 400;
        c.privacy.partner_details_hours_after_end = 24;
    })
    .await
}

/// The person shown with each of the partner's visits or stays, by the item's id.
async fn persons(app: &TestApp, path: &str, device: &str) -> Vec<(String, Value)> {
    let list: Value = app.get(path, Some(device)).await.json().await.unwrap();
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (i["id"].as_str().unwrap().to_owned(), i["person"].clone()))
        .collect()
}

fn age_today(app: &TestApp) -> u32 {
    let today = app.clock.now_utc().with_timezone(&Tokyo).date_naive();
    today
        .years_since(NaiveDate::from_ymd_opt(2019, 5, 12).unwrap())
        .unwrap()
}

fn assert_summary(person: &Value, age: u32) {
    assert_eq!(person["disclosure"], "summary");
    assert_eq!(person["initials"], "し.さ.");
    assert_eq!(person["age"], age);
    assert_eq!(
        person["care_needs"],
        json!(["ventilator", "suction", "wheelchair"])
    );
    assert_eq!(person["town"], "東五反田");
    for hidden in ["name", "name_kana", "address", "guardian_phone"] {
        assert!(person[hidden].is_null(), "{hidden} shown: {person}");
    }
}

fn assert_full(person: &Value) {
    assert_eq!(person["disclosure"], "full");
    assert_eq!(person["name"], "品川 さくら");
    assert_eq!(person["name_kana"], "しながわ さくら");
    assert_eq!(person["address"], "東五反田2-1-1 サンプルハイツ101");
    assert_eq!(person["guardian_phone"], "03-0000-1234");
}

#[tokio::test]
async fn a_station_sees_the_family_in_full_only_from_acceptance_until_a_day_after_the_visit() {
    let app = app().await;
    let f = family(&app, &["respite"]).await;
    app.record_contact(&f).await;
    let admin = app.admin().await;
    let (station_id, device) = station(&app, &admin).await;
    let (_, other) = station(&app, &admin).await;
    let start = tomorrow_at_ten(&app);
    let visit = requested(&app, &f, station_id, start, 120).await;
    let id = visit["id"].as_str().unwrap();
    let inbox = "/api/v1/device/respite-visits";

    // Requested: enough to decide, nothing that identifies the family; no disclosure logged.
    let seen = persons(&app, inbox, &device).await;
    assert_eq!(seen.len(), 1);
    assert_summary(&seen[0].1, age_today(&app));
    assert!(
        !app.audit_actions(id, &f.staff.access)
            .await
            .contains(&"person.disclosed".to_owned())
    );
    // Its notification says whose visit by initials only, when and how long.
    let told: Value = app
        .get("/api/v1/device/notifications", Some(&device))
        .await
        .json()
        .await
        .unwrap();
    let body = told["items"][0]["text"]["ja"]["body"].as_str().unwrap();
    assert!(
        body.contains("し.さ.さん") && body.contains("2時間"),
        "{body}"
    );
    assert!(!body.contains("品川 さくら"), "{body}");
    // Another station is not told of the visit at all.
    assert!(persons(&app, inbox, &other).await.is_empty());

    // Accepted: the name, the address and the guardian's phone, and each read is audited.
    assert_eq!(accept(&app, &device, &visit).await.status(), StatusCode::OK);
    assert_full(&persons(&app, inbox, &device).await[0].1);
    assert_full(&persons(&app, inbox, &device).await[0].1);
    let disclosed = app
        .audit_actions(id, &f.staff.access)
        .await
        .into_iter()
        .filter(|a| a == "person.disclosed")
        .count();
    assert_eq!(disclosed, 2, "one audit entry per full read");

    // Done at 11:50; the station still sees it in full for a day, for its write-up …
    app.clock.set(start + Duration::hours(3));
    let r = complete(&app, &device, &visit, start, 110).await;
    assert_eq!(r.status(), StatusCode::OK);
    app.clock
        .set(start + Duration::minutes(110) + Duration::hours(24));
    assert_full(&persons(&app, inbox, &device).await[0].1);
    // … and then only the summary.
    app.clock.advance(Duration::minutes(1));
    assert_summary(&persons(&app, inbox, &device).await[0].1, age_today(&app));
}

#[tokio::test]
async fn a_declined_visit_shows_only_the_summary_and_a_family_without_an_address_shows_no_town() {
    let app = app().await;
    let f = family(&app, &["respite"]).await;
    let admin = app.admin().await;
    let (station_id, device) = station(&app, &admin).await;
    let visit = requested(&app, &f, station_id, tomorrow_at_ten(&app), 60).await;
    let person = &persons(&app, "/api/v1/device/respite-visits", &device).await[0].1;
    assert_eq!(person["disclosure"], "summary");
    assert!(person["town"].is_null(), "no address recorded yet");

    app.record_contact(&f).await;
    let r = app
        .post(
            &format!(
                "/api/v1/device/respite-visits/{}/decline",
                visit["id"].as_str().unwrap()
            ),
            Some(&device),
            &json!({ "reason": "その日は伺えません" }),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK, "{:?}", r.text().await);
    let person = &persons(&app, "/api/v1/device/respite-visits", &device).await[0].1;
    assert_summary(person, age_today(&app));
}

#[tokio::test]
async fn an_institution_sees_the_family_in_full_for_a_stay_assigned_to_it_until_a_day_after_it() {
    let app = app().await;
    let f = family(&app, &["short_stay"]).await;
    app.record_contact(&f).await;
    let admin = app.admin().await;
    let (institution_id, device) = crate::short_stays::institution(&app, &admin).await;
    let from = crate::short_stays::today(&app) + Duration::days(7);
    let stay = crate::short_stays::submitted(&app, &f, from, 3).await;
    let id = stay["id"].as_str().unwrap();
    let list = "/api/v1/device/short-stays";
    assert!(
        persons(&app, list, &device).await.is_empty(),
        "not yet assigned"
    );

    let r = app
        .post(
            &format!("/api/v1/staff/short-stays/{id}/approve"),
            Some(&f.staff.access),
            &json!({
                "institution_id": institution_id,
                "confirmed_from": from,
                "confirmed_until": from + Duration::days(2),
            }),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK, "{:?}", r.text().await);
    assert_full(&persons(&app, list, &device).await[0].1);
    assert!(
        app.audit_actions(id, &f.staff.access)
            .await
            .contains(&"person.disclosed".to_owned())
    );

    // The stay's last day ends at midnight; a day later the institution sees the summary.
    let after_last_day = Tokyo
        .from_local_datetime(&(from + Duration::days(3)).and_hms_opt(0, 0, 0).unwrap())
        .unwrap()
        .with_timezone(&Utc);
    app.clock.set(after_last_day + Duration::hours(24));
    assert_full(&persons(&app, list, &device).await[0].1);
    app.clock.advance(Duration::minutes(1));
    assert_summary(&persons(&app, list, &device).await[0].1, age_today(&app));
}

#[tokio::test]
async fn staff_record_a_familys_contact_and_bad_details_are_refused_with_nothing_written() {
    let app = app().await;
    let f = family(&app, &[]).await;
    let household = app.record_contact(&f).await;
    let path = format!("/api/v1/staff/households/{household}/contact");
    let detail: Value = app
        .get(
            &format!("/api/v1/staff/households/{household}"),
            Some(&f.staff.access),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(detail["contact"], contact_body());
    let actions = app
        .audit_actions(&household.to_string(), &f.staff.access)
        .await;
    assert_eq!(actions[0], "household.contact_recorded");

    for (body, field) in [
        (
            json!({ "town": "東五反田", "address": "2-1-1", "phone": "12345" }),
            "phone",
        ),
        (
            json!({ "town": " ", "address": "2-1-1", "phone": "03-0000-1234" }),
            "town",
        ),
    ] {
        let r = app.put(&path, Some(&f.staff.access), &body).await;
        let p = assert_problem(r, 422, "invalid_field").await;
        assert_eq!(p["field"], field);
    }
    let r = app
        .put(
            &path,
            Some(&f.staff.access),
            &json!({ "town": "東五反田", "address": "2-1-1" }),
        )
        .await;
    assert_problem(r, 422, "invalid_body").await;
    let again: Value = app
        .get(
            &format!("/api/v1/staff/households/{household}"),
            Some(&f.staff.access),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(again["contact"], contact_body(), "nothing half-written");

    // A guardian cannot set it (staff only); an unknown household is 404.
    let r = app
        .put(&path, Some(&f.guardian.access), &contact_body())
        .await;
    assert_problem(r, 403, "forbidden_role").await;
    let r = app
        .put(
            &format!("/api/v1/staff/households/{}/contact", uuid::Uuid::new_v4()),
            Some(&f.staff.access),
            &contact_body(),
        )
        .await;
    assert_problem(r, 404, "household_not_found").await;
}
