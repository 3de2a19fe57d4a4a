//! Request validation with an empty context: the authorizer checks only the scope (principal, action and
//! resource types, enumerated ids) on each request, having checked each action's empty context when it was
//! built. Every combination of scope and context must be answered as Cedar's own validation of the whole
//! request answers it.

use std::str::FromStr;

use cedar_authorizer::store::StoreFiles;
use cedar_authorizer::Authorizer;
use cedar_policy::{Context, EntityUid, Request, Schema};
use serde_json::{json, Value};

const SCHEMA: &str = r#"namespace S {
    entity User;
    entity Team;
    entity Doc;
    entity Color enum ["red", "blue"];
    action open appliesTo { principal: [User, Team], resource: Doc };
    action paint appliesTo { principal: User, resource: Color, context: { note?: String } };
    action sign appliesTo { principal: User, resource: Doc, context: { reason: String } };
}"#;

#[test]
fn scope_checks_with_an_empty_context_answer_as_cedars_request_validation() {
    let mut files = StoreFiles::new();
    files.insert("schema.cedarschema".into(), SCHEMA.into());
    files.insert("policies.cedar".into(), "permit(principal, action, resource);".into());
    files.insert("authorizer.json".into(), r#"{"validationSettings": {"mode": "OFF"}}"#.into());
    let authorizer = Authorizer::from_files(&files).expect("store loads");
    let (schema, _) = Schema::from_cedarschema_str(SCHEMA).expect("schema");

    let principals = [("S::User", "u"), ("S::Team", "t"), ("S::Doc", "d"), ("S::Color", "red"), ("S::Nope", "x")];
    let resources = [("S::Doc", "d"), ("S::Color", "red"), ("S::Color", "green"), ("S::User", "u"), ("S::Nope", "x")];
    let actions = ["open", "paint", "sign"];
    let mut allowed = 0;
    for (pt, pid) in principals {
        for action in actions {
            for (rt, rid) in resources {
                let request = json!({
                    "principal": { "type": pt, "id": pid },
                    "action": { "type": "S::Action", "id": action },
                    "resource": { "type": rt, "id": rid },
                });
                let uid = |t: &str, id: &str| EntityUid::from_str(&format!("{t}::{}", Value::from(id))).expect("uid");
                let cedars =
                    Request::new(uid(pt, pid), uid("S::Action", action), uid(rt, rid), Context::empty(), Some(&schema));
                for answer in [
                    authorizer.is_authorized(&request),
                    authorizer.is_authorized_text(&request.to_string()).expect("read"),
                ] {
                    match &cedars {
                        Ok(_) => {
                            assert!(answer.is_allow(), "{request}: Cedar accepts it, we answer {answer:?}");
                        }
                        Err(e) => {
                            assert!(!answer.is_allow(), "{request}: Cedar refuses it ({e}), we allow it");
                            let ours = answer.errors.first().map(|e| e.to_string()).unwrap_or_default();
                            if action == "sign" {
                                // An empty context lacks `reason`: read against the schema, it fails first.
                                assert!(ours.starts_with("request.invalid_context:"), "{request}: {ours}");
                            } else {
                                assert!(ours.contains(&e.to_string()), "{request}: Cedar says `{e}`, we say `{ours}`");
                            }
                        }
                    }
                }
                allowed += usize::from(cedars.is_ok());
            }
        }
    }
    // User and Team may open a Doc; a User may paint red (not green: an enumerated id).
    assert_eq!(allowed, 3);
}
