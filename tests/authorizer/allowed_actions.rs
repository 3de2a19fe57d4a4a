//! `allowed_actions`: every action of the schema that applies to the principal's and resource's types,
//! each answered exactly as `is_authorized` answers that action alone.

use crate::common::*;
use cedar_authorizer::Authorizer;
use jsonwebtoken::Algorithm;
use serde_json::{json, Value};

/// Each allowed-actions entry equals one `is_authorized` of its action, and the list is the schema's
/// actions for those types.
fn check_against_one_by_one(authorizer: &Authorizer, input: &Value, expected_actions: &[&str]) {
    let allowed = authorizer.allowed_actions(input, NOW);
    assert!(allowed.errors.is_empty(), "{:?}", allowed.errors);
    let ids: Vec<&str> = allowed.actions.iter().map(|a| a.action["actionId"].as_str().unwrap_or("")).collect();
    assert_eq!(ids, expected_actions);
    for entry in &allowed.actions {
        let mut one = input.clone();
        one["action"] = entry.action.clone();
        assert_eq!(entry.answer, authorizer.is_authorized(&one), "{}", entry.action);
    }
}

#[test]
fn every_action_for_the_types_each_decided_as_alone() {
    let authorizer = Authorizer::from_files(&example("rides")).expect("rides");
    let rider = json!({
        "principal": { "entityType": "Rides::CognitoUser", "entityId": "us-east-1_DemoPool1|alice" },
        "resource": { "entityType": "Rides::Application", "entityId": "Rides" },
        "entities": { "entityList": [{
            "identifier": { "entityType": "Rides::CognitoUser", "entityId": "us-east-1_DemoPool1|alice" },
            "parents": [{ "entityType": "Rides::CognitoUserGroup", "entityId": "us-east-1_DemoPool1|Riders" }]
        }]}
    });
    let all = ["get /rider", "get /riders", "get /trainer", "get /trainers", "get /unicorn", "get /unicorns"];
    check_against_one_by_one(&authorizer, &rider, &all);
    let allowed = authorizer.allowed_actions(&rider, NOW);
    let yes: Vec<&str> = allowed
        .actions
        .iter()
        .filter(|a| a.answer.is_allow())
        .map(|a| a.action["actionId"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(yes, ["get /rider", "get /riders", "get /unicorn", "get /unicorns"]);

    // Another store: photos, its template links among the determining policies.
    let photos = Authorizer::from_files(&example("photos")).expect("photos");
    let ben = json!({
        "principal": { "entityType": "Photos::User", "entityId": "ben" },
        "resource": { "entityType": "Photos::Photo", "entityId": "beach.jpg" },
    });
    let allowed = photos.allowed_actions(&ben, NOW);
    assert!(allowed.errors.is_empty(), "{:?}", allowed.errors);
    assert!(!allowed.actions.is_empty());
    for entry in &allowed.actions {
        let mut one = ben.clone();
        one["action"] = entry.action.clone();
        assert_eq!(entry.answer, photos.is_authorized(&one));
    }
}

#[test]
fn a_token_names_the_principal() {
    let minter = Minter::new();
    let mut authorizer = Authorizer::from_files(&example("rides")).expect("rides");
    authorizer.set_jwks(COGNITO_ISSUER, &minter.jwks()).expect("keys");
    let token = minter.sign(Algorithm::RS256, "rsa-1", &id_claims("trainer-7", &["Trainers"]));
    let input =
        json!({ "identityToken": token, "resource": { "entityType": "Rides::Application", "entityId": "Rides" } });
    let allowed = authorizer.allowed_actions(&input, NOW);
    assert!(allowed.errors.is_empty(), "{:?}", allowed.errors);
    assert_eq!(
        allowed.principal,
        json!({ "entityType": "Rides::CognitoUser", "entityId": "us-east-1_DemoPool1|trainer-7" })
    );
    for entry in &allowed.actions {
        let mut one = input.clone();
        one["action"] = entry.action.clone();
        assert_eq!(entry.answer, with_token(&authorizer, &one, NOW), "{}", entry.action);
    }
    assert!(allowed.actions.iter().any(|a| a.answer.is_allow()));
    assert!(allowed.actions.iter().any(|a| !a.answer.is_allow()));
}

#[test]
fn refusals_name_what_is_missing_and_unknown_types_have_no_actions() {
    let authorizer = Authorizer::from_files(&example("rides")).expect("rides");
    let no_resource = authorizer
        .allowed_actions(&json!({ "principal": { "entityType": "Rides::CognitoUser", "entityId": "x" } }), NOW);
    assert_eq!(no_resource.errors[0].code.as_str(), "request.invalid");
    assert!(no_resource.actions.is_empty());
    let expired = Minter::new().sign(Algorithm::RS256, "rsa-1", &json!({ "exp": 1 }));
    let bad_token = authorizer.allowed_actions(
        &json!({ "identityToken": expired, "resource": { "entityType": "Rides::Application", "entityId": "Rides" } }),
        NOW,
    );
    assert!(!bad_token.errors.is_empty());
    assert!(bad_token.actions.is_empty());
    let unknown = authorizer.allowed_actions(
        &json!({ "principal": { "entityType": "Rides::Nobody", "entityId": "x" }, "resource": { "entityType": "Rides::Application", "entityId": "Rides" } }),
        NOW,
    );
    assert!(unknown.actions.is_empty());
    assert!(authorizer.allowed_actions(&json!([1, 2]), NOW).errors[0].code.as_str() == "request.malformed");
}
