//! The mobile contract: the checked-in OpenAPI document is the generated one, and every
//! operation is fully described.
//!
//! Regenerate after an API change with:
//!     cargo run -q -- openapi > mobile-api-spec/openapi.json

use serde_json::Value;

const SPEC_PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/mobile-api-spec/openapi.json");

#[test]
fn the_checked_in_spec_is_the_one_the_code_generates() {
    let generated = carepass::openapi_document();
    let checked_in: Value =
        serde_json::from_str(&std::fs::read_to_string(SPEC_PATH).expect("spec file"))
            .expect("spec parses");
    assert!(
        generated == checked_in,
        "mobile-api-spec/openapi.json is out of date; regenerate with: cargo run -q -- openapi > mobile-api-spec/openapi.json"
    );
}

#[test]
fn every_operation_has_an_id_a_summary_a_security_requirement_and_problem_responses() {
    let spec = carepass::openapi_document();
    let mut ids = std::collections::HashSet::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let where_ = format!("{method} {path}");
            let id = op["operationId"]
                .as_str()
                .unwrap_or_else(|| panic!("{where_}: no operationId"));
            assert!(
                ids.insert(id.to_owned()),
                "{where_}: duplicate operationId {id}"
            );
            assert!(
                op["summary"].as_str().is_some_and(|s| !s.is_empty()),
                "{where_}: no summary"
            );
            assert!(
                op["security"].is_array(),
                "{where_}: no security requirement"
            );
            let responses = op["responses"].as_object().unwrap();
            assert!(
                responses.keys().any(|k| k.starts_with('2')),
                "{where_}: no success response"
            );
            assert!(
                responses.contains_key("500") && responses.contains_key("503"),
                "{where_}"
            );
            for (status, r) in responses {
                if status.starts_with('4') || status.starts_with('5') {
                    assert_eq!(
                        r["content"]["application/problem+json"]["schema"]["$ref"],
                        "#/components/schemas/Problem",
                        "{where_} {status}"
                    );
                }
            }
            if op["requestBody"].is_object() {
                assert!(
                    op["requestBody"]["content"]["application/json"]["schema"].is_object(),
                    "{where_}"
                );
            }
        }
    }
    assert!(ids.len() >= 30, "only {} operations", ids.len());
}
