//! Households and children: staff set up a family, the guardian registers children and sees
//! only their own household.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{assert_problem, child_body, spawn_app};

#[tokio::test]
async fn staff_create_a_household_invite_a_guardian_who_then_registers_a_child() {
    let app = spawn_app().await;
    let staff = app.staff().await;
    let guardian = app.guardian(&staff).await;
    let r = app
        .post("/api/v1/children", Some(&guardian.access), &child_body())
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let child: Value = r.json().await.unwrap();
    assert_eq!(child["family_name_kana"], "しながわ");
    assert_eq!(
        child["care_needs"],
        json!(["ventilator", "suction", "wheelchair"])
    );
    assert_eq!(
        child["household_id"],
        guardian.household_id.unwrap().to_string()
    );

    let mine: Value = app
        .get("/api/v1/household", Some(&guardian.access))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(mine["children"].as_array().unwrap().len(), 1);
    assert_eq!(mine["guardians"][0]["email"], guardian.email);

    let list: Value = app
        .get("/api/v1/children", Some(&guardian.access))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["items"].as_array().unwrap().len(), 1);

    let seen_by_staff: Value = app
        .get(
            &format!(
                "/api/v1/staff/households/{}",
                guardian.household_id.unwrap()
            ),
            Some(&staff.access),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(seen_by_staff["children"][0]["id"], child["id"]);
}

#[tokio::test]
async fn a_guardian_gets_404_for_another_households_child_so_ids_do_not_leak() {
    let app = spawn_app().await;
    let staff = app.staff().await;
    let mine = app.guardian(&staff).await;
    let theirs = app.guardian(&staff).await;
    let their_child = app.child(&theirs).await;
    let r = app
        .get(
            &format!("/api/v1/children/{their_child}"),
            Some(&mine.access),
        )
        .await;
    let other = assert_problem(r, 404, "child_not_found").await;
    let r = app
        .get(
            &format!("/api/v1/children/{}", uuid::Uuid::new_v4()),
            Some(&mine.access),
        )
        .await;
    let missing = assert_problem(r, 404, "child_not_found").await;
    assert_eq!(other["title"], missing["title"]);
    let list: Value = app
        .get("/api/v1/children", Some(&mine.access))
        .await
        .json()
        .await
        .unwrap();
    assert!(list["items"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn children_need_kana_readings_and_a_birth_date_in_the_past() {
    let app = spawn_app().await;
    let staff = app.staff().await;
    let guardian = app.guardian(&staff).await;
    let mut body = child_body();
    body["given_name_kana"] = json!("Sakura");
    let r = app
        .post("/api/v1/children", Some(&guardian.access), &body)
        .await;
    assert_eq!(
        assert_problem(r, 422, "invalid_field").await["field"],
        "given_name_kana"
    );

    let mut body = child_body();
    body["birth_date"] = json!("2999-01-01");
    let r = app
        .post("/api/v1/children", Some(&guardian.access), &body)
        .await;
    assert_eq!(
        assert_problem(r, 422, "invalid_field").await["field"],
        "birth_date"
    );

    let mut body = child_body();
    body["family_name"] = json!("   ");
    let r = app
        .post("/api/v1/children", Some(&guardian.access), &body)
        .await;
    assert_eq!(
        assert_problem(r, 422, "invalid_field").await["field"],
        "family_name"
    );

    let mut body = child_body();
    body["care_needs"] = json!(["levitation"]);
    let r = app
        .post("/api/v1/children", Some(&guardian.access), &body)
        .await;
    assert_problem(r, 422, "invalid_body").await;

    assert_eq!(app.count("children").await, 0);
}

#[tokio::test]
async fn staff_register_a_child_at_the_counter_and_unknown_households_are_404() {
    let app = spawn_app().await;
    let staff = app.staff().await;
    let guardian = app.guardian(&staff).await;
    let r = app
        .post(
            &format!(
                "/api/v1/staff/households/{}/children",
                guardian.household_id.unwrap()
            ),
            Some(&staff.access),
            &child_body(),
        )
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
    let r = app
        .post(
            &format!("/api/v1/staff/households/{}/children", uuid::Uuid::new_v4()),
            Some(&staff.access),
            &child_body(),
        )
        .await;
    assert_problem(r, 404, "household_not_found").await;
    let r = app
        .get(
            &format!("/api/v1/staff/households/{}", uuid::Uuid::new_v4()),
            Some(&staff.access),
        )
        .await;
    assert_problem(r, 404, "household_not_found").await;
    let r = app
        .post(
            &format!(
                "/api/v1/staff/households/{}/invitations",
                uuid::Uuid::new_v4()
            ),
            Some(&staff.access),
            &json!({ "email": "x@example.jp", "display_name": "X" }),
        )
        .await;
    assert_problem(r, 404, "household_not_found").await;
}

#[tokio::test]
async fn households_are_listed_in_pages_of_the_requested_size() {
    let app = spawn_app().await;
    let staff = app.staff().await;
    for i in 0..3 {
        let r = app
            .post(
                "/api/v1/staff/households",
                Some(&staff.access),
                &json!({ "name": format!("家{i}") }),
            )
            .await;
        assert_eq!(r.status(), StatusCode::CREATED);
    }
    let page: Value = app
        .get("/api/v1/staff/households?limit=2", Some(&staff.access))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page["items"].as_array().unwrap().len(), 2);
    assert_eq!(page["next_offset"], 2);
    let page: Value = app
        .get(
            "/api/v1/staff/households?limit=2&offset=2",
            Some(&staff.access),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page["items"].as_array().unwrap().len(), 1);
    assert_eq!(page["next_offset"], Value::Null);
    let r = app
        .get("/api/v1/staff/households?limit=101", Some(&staff.access))
        .await;
    assert_problem(r, 400, "invalid_query").await;
    let r = app
        .get("/api/v1/staff/households?limit=0", Some(&staff.access))
        .await;
    assert_problem(r, 400, "invalid_query").await;
}
