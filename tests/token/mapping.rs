//! Claim-mapping golden files (`tests/fixtures/mapping/*.json`): claims in; principal, entities (with
//! parents and attributes), `context.token` and skipped claims out. `UPDATE_GOLDEN=1 cargo test --test
//! token mapping` rewrites the `expected` member of each file after a deliberate change.

use std::fs;

use crate::common::*;
use cedar_authorizer::token::mapping;
use cedar_authorizer::token::TokenKind;
use cedar_authorizer::Authorizer;
use serde_json::{json, Map, Value};

fn mapped(fixture: &Value) -> Value {
    let authorizer = Authorizer::from_files(&read_store(&root().join(fixture["store"].as_str().expect("store"))))
        .expect("store loads");
    let tokens = &fixture["tokens"];
    let mut sets: Vec<(TokenKind, &Map<String, Value>)> = Vec::new();
    if let Some(claims) = tokens.get("identity").and_then(Value::as_object) {
        sets.push((TokenKind::Identity, claims));
    }
    if let Some(claims) = tokens.get("access").and_then(Value::as_object) {
        sets.push((TokenKind::Access, claims));
    }
    let identity = match authorizer.identity_from_claims(&sets) {
        Ok(identity) => identity,
        Err(e) => return json!({ "error": e }),
    };
    let context_token = identity.mapped.access_claims.as_ref().map(|claims| {
        match mapping::context_token(claims, authorizer.schema_types(), fixture["action"].as_str().expect("action")) {
            Ok(Some((token, skipped))) => json!({ "token": token, "skipped": skipped }),
            Ok(None) => Value::Null,
            Err(e) => json!({ "error": e }),
        }
    });
    json!({
        "principal": identity.mapped.principal,
        "entities": identity.mapped.entities_json(&|_| false),
        "contextToken": context_token,
        "skipped": identity.mapped.skipped,
    })
}

#[test]
fn mapping_matches_the_golden_files() {
    let dir = root().join("tests/fixtures/mapping");
    let update = std::env::var_os("UPDATE_GOLDEN").is_some();
    let mut names: Vec<_> = fs::read_dir(&dir).expect("fixtures").map(|e| e.expect("entry").path()).collect();
    names.sort();
    assert!(names.len() >= 5);
    for path in names {
        let mut fixture: Value = serde_json::from_str(&fs::read_to_string(&path).expect("read")).expect("JSON");
        let got = mapped(&fixture);
        if update {
            fixture["expected"] = got;
            fs::write(&path, serde_json::to_string_pretty(&fixture).expect("json") + "\n").expect("write");
            continue;
        }
        assert_eq!(
            got,
            fixture["expected"],
            "{}: rerun with UPDATE_GOLDEN=1 if the change is intended",
            path.display()
        );
    }
}
