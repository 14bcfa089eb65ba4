//! The spec's `ProblemCode` and `Problem` schemas, written from the code list and from the
//! members the conversions actually put on each code's problems.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value, json};

use super::Code;
use super::sources::ALL_SOURCES;

/// `ProblemCode`: every code, with its English title beside it for generated clients.
pub fn code_schema() -> Value {
    let codes: Vec<&str> = Code::ALL.iter().map(|c| c.as_str()).collect();
    let names: Vec<String> = Code::ALL.iter().map(|c| pascal(c.as_str())).collect();
    let titles: Vec<&str> = Code::ALL.iter().map(|c| c.title().0).collect();
    json!({
        "type": "string",
        "description": "A stable, machine-readable problem code: the app switches on it, never on the text. `/problems/{code}` explains each one.",
        "enum": codes,
        "x-enum-varnames": names,
        "x-enum-descriptions": titles,
    })
}

fn pascal(code: &str) -> String {
    code.split('_')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}

/// The JSON Schema type of a member's sample value.
fn type_of(v: &Value) -> Value {
    match v {
        Value::Number(_) => json!({ "type": "integer" }),
        Value::Array(_) => json!({ "type": "array", "items": { "type": "string" } }),
        Value::Bool(_) => json!({ "type": "boolean" }),
        _ => json!({ "type": "string" }),
    }
}

/// The members beyond RFC 9457's, each with the codes that carry it.
pub fn members() -> BTreeMap<String, (Value, BTreeSet<Code>)> {
    let mut out: BTreeMap<String, (Value, BTreeSet<Code>)> = BTreeMap::new();
    let samples = ALL_SOURCES
        .iter()
        .flat_map(|s| s.samples())
        .chain(super::ApiError::shared_samples());
    for e in samples {
        for (key, value) in &e.extra {
            out.entry(key.clone())
                .or_insert_with(|| (type_of(value), BTreeSet::new()))
                .1
                .insert(e.code);
        }
    }
    out
}

/// `Problem`: RFC 9457's members, the code as `ProblemCode`, and every extension member.
pub fn problem_schema() -> Value {
    let mut properties = Map::new();
    properties.insert(
        "type".into(),
        json!({
            "type": "string",
            "format": "uri-reference",
            "description": "A page about this code (`/problems/{code}`, relative to the service): what happened and what to do.",
            "examples": ["/problems/voucher_expired"],
        }),
    );
    properties.insert(
        "title".into(),
        json!({ "type": "string", "description": "Short summary of the problem type, in the requested language." }),
    );
    properties.insert(
        "status".into(),
        json!({ "type": "integer", "minimum": 400, "maximum": 599, "description": "The HTTP status code." }),
    );
    properties.insert(
        "code".into(),
        json!({ "$ref": "#/components/schemas/ProblemCode" }),
    );
    properties.insert(
        "detail".into(),
        json!({ "type": "string", "description": "What went wrong in this request, in the requested language." }),
    );
    properties.insert(
        "request_id".into(),
        json!({ "type": "string", "description": "The request id (also in the `x-request-id` header), for support calls." }),
    );
    for (key, (mut schema, codes)) in members() {
        let listed: Vec<String> = codes.iter().map(|c| format!("`{c}`")).collect();
        schema["description"] = json!(format!("Sent with {}.", listed.join(", ")));
        properties.insert(key, schema);
    }
    json!({
        "type": "object",
        "description": "An RFC 9457 problem (application/problem+json). `code` is what a client switches on; the other members beyond RFC 9457's are sent only with the codes their descriptions name.",
        "required": ["type", "title", "status", "code"],
        "properties": properties,
        "additionalProperties": true,
        "example": {
            "type": "/problems/enrollment_not_pending",
            "title": "The application has already been decided",
            "status": 409,
            "code": "enrollment_not_pending",
            "detail": "This application is already approved.",
            "current_status": "approved",
            "request_id": "0b7c6f1e-2f5a-4d64-9d52-93c1f0f3b2a1"
        },
    })
}
