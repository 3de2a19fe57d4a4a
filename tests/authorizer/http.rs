//! HTTP requests through routes to decisions: what every API Gateway and CloudFront adapter calls.

use crate::common::*;
use cedar_authorizer::{Authorizer, Decision};
use jsonwebtoken::Algorithm;
use serde_json::{json, Value};

fn rides() -> (Authorizer, Minter) {
    let minter = Minter::new();
    let mut authorizer = Authorizer::from_files(&example("rides")).expect("rides");
    authorizer.set_jwks(COGNITO_ISSUER, &minter.jwks()).expect("keys");
    (authorizer, minter)
}

fn get(token: &str, path: &str) -> Value {
    json!({ "token": token, "http": { "method": "GET", "path": path, "headers": {}, "sourceIp": "203.0.113.9" } })
}

#[test]
fn routes_decide_for_each_group_and_token_kind() {
    let (authorizer, minter) = rides();
    let paths = ["/rider", "/riders", "/trainer", "/trainers", "/unicorn", "/unicorns"];
    for (group, allowed) in [("Admin", 6), ("Riders", 4), ("Trainers", 4)] {
        for claims in [id_claims(group, &[group]), access_claims(group, &[group])] {
            let token = minter.sign(Algorithm::RS256, "rsa-1", &claims);
            let allows =
                paths.iter().filter(|p| authorizer.authorize_http(&get(&token, p), NOW).answer.is_allow()).count();
            assert_eq!(allows, allowed, "{group} {}", claims["token_use"]);
        }
    }
    let token = minter.sign(Algorithm::RS256, "rsa-1", &id_claims("r", &["Riders"]));
    let answer = authorizer.authorize_http(&get(&token, "/riders"), NOW);
    let route = answer.route.expect("route");
    assert_eq!(route.route_key, "GET /riders");
    assert_eq!(route.action.id, "get /riders");
    assert_eq!(route.resource.to_string(), "Rides::Application::\"Rides\"");
    assert!(answer.authenticated);
}

#[test]
fn missing_bad_and_unrouted_requests_deny_with_the_right_status() {
    let (authorizer, minter) = rides();
    let token = minter.sign(Algorithm::RS256, "rsa-1", &id_claims("a", &["Admin"]));
    let none = authorizer.authorize_http(&json!({ "http": { "method": "GET", "path": "/riders" } }), NOW);
    assert!(!none.authenticated);
    assert_eq!(none.answer.errors[0].code, "token.missing");
    let bad = authorizer.authorize_http(&get("not.a.token", "/riders"), NOW);
    assert!(!bad.authenticated);
    assert_eq!(bad.answer.errors[0].code, "token.malformed");
    let unrouted = authorizer.authorize_http(&get(&token, "/stables"), NOW);
    assert!(unrouted.authenticated, "a verified token on an unknown route is a 403, not a 401");
    assert_eq!(unrouted.answer.decision, Decision::Deny);
    assert_eq!(unrouted.answer.errors[0].code, "route.not_found");
    let post =
        authorizer.authorize_http(&json!({ "token": token, "http": { "method": "POST", "path": "/riders" } }), NOW);
    assert_eq!(post.answer.errors[0].code, "route.not_found");
    let no_http = authorizer.authorize_http(&json!({ "token": token }), NOW);
    assert_eq!(no_http.answer.errors[0].code, "request.malformed");
}

#[test]
fn all_routes_gives_every_route_decision_for_the_principal() {
    let (authorizer, minter) = rides();
    let token = minter.sign(Algorithm::RS256, "rsa-1", &id_claims("t", &["Trainers"]));
    let mut input = get(&token, "/trainers");
    input["allRoutes"] = json!(true);
    let answer = authorizer.authorize_http(&input, NOW);
    let routes = answer.routes.expect("routes");
    let table: Vec<(String, String, Option<Decision>)> =
        routes.iter().map(|r| (r.method.clone(), r.arn_path.clone(), r.decision)).collect();
    assert_eq!(table.len(), 6);
    assert!(table.contains(&("GET".into(), "trainers".into(), Some(Decision::Allow))));
    assert!(table.contains(&("GET".into(), "riders".into(), Some(Decision::Deny))));
    assert_eq!(table.iter().filter(|r| r.2 == Some(Decision::Allow)).count(), 4);
    let policy = answer.cache_policy.expect("cache policy");
    let mut allow = policy.allow.clone();
    allow.sort();
    assert_eq!(allow, ["GET/trainer", "GET/trainers", "GET/unicorn", "GET/unicorns"]);
    let mut deny = policy.deny.clone();
    deny.sort();
    assert_eq!(deny, ["GET/rider", "GET/riders"], "literal routes only: no patterns, so no more is needed");
}

#[test]
fn prepare_gives_the_cache_key_parts_only_after_verification() {
    let (authorizer, minter) = rides();
    let token = minter.sign(Algorithm::RS256, "rsa-1", &id_claims("a", &["Admin"]));
    let prepared = authorizer.prepare_http(&get(&token, "/riders"), NOW);
    assert!(prepared.authenticated);
    assert_eq!(prepared.token_digest.as_ref().map(String::len), Some(64));
    assert_eq!(prepared.valid_until, Some(NOW + 3600 + 60));
    assert_eq!(prepared.route.expect("route").action.id, "get /riders");
    let forged = format!("{}x", token);
    let refused = authorizer.prepare_http(&get(&forged, "/riders"), NOW);
    assert!(!refused.authenticated);
    assert!(refused.token_digest.is_none(), "no digest, so no cache lookup, for an unverified token");
}

#[test]
fn routes_that_name_missing_actions_fail_the_bundle() {
    let mut files = example("rides");
    let config = files["authorizer.json"].replace(
        "\"path\": \"/unicorns\" }",
        "\"path\": \"/unicorns\" },\n    { \"method\": \"DELETE\", \"path\": \"/unicorns/{id}\" }",
    );
    files.insert("authorizer.json".into(), config);
    let diagnostics = cedar_authorizer::authoring::check(&files);
    let error = diagnostics.iter().find(|d| d.code == "config.routes").expect("route error");
    assert!(error.error_description.contains("delete /unicorns/{id}"), "{}", error.error_description);
}

#[test]
fn an_event_route_that_disagrees_with_the_store_route_takes_the_stricter_answer() {
    let (authorizer, minter) = routes_store();
    let rider = minter.sign(Algorithm::RS256, "rsa-1", &id_claims("r", &["Riders"]));
    let admin = minter.sign(Algorithm::RS256, "rsa-1", &id_claims("a", &["Admin"]));
    // API Gateway with one `/{proxy+}` resource: riders may use the catch-all, not `/admin/...`.
    let event = |token: &str, path: &str, all_routes: bool| {
        json!({ "token": token, "allRoutes": all_routes, "http": {
            "method": "GET", "path": path, "routeKey": "/{proxy+}", "pathParameters": { "proxy": &path[1..] } } })
    };
    let denied = authorizer.authorize_http(&event(&rider, "/admin/x", false), NOW);
    assert_eq!(denied.answer.decision, Decision::Deny);
    assert_eq!(denied.route.expect("route").route_key, "GET /admin/{proxy+}", "the route that denied");
    let mismatch = denied.route_mismatch.expect("mismatch");
    assert_eq!((mismatch.event_route.as_str(), mismatch.path_route.as_str()), ("ANY /{proxy+}", "GET /admin/{proxy+}"));
    assert!(authorizer.authorize_http(&event(&admin, "/admin/x", false), NOW).answer.is_allow());
    assert!(authorizer.authorize_http(&event(&rider, "/riders", false), NOW).answer.is_allow(), "both allow");
    // Without a route key (a TOKEN authorizer) the store's route decides alone, as before.
    assert_eq!(authorizer.authorize_http(&get(&rider, "/admin/x"), NOW).answer.decision, Decision::Deny);
    // An all-routes policy for a mismatched request covers its own ARN alone.
    let allowed = authorizer.authorize_http(&event(&rider, "/riders", true), NOW);
    let policy = allowed.cache_policy.expect("policy");
    assert_eq!((policy.allow, policy.deny), (vec!["GET/riders".to_string()], Vec::<String>::new()));
    let refused = authorizer.authorize_http(&event(&rider, "/admin/x", true), NOW).cache_policy.expect("policy");
    assert!(refused.allow.is_empty());
    // prepareHttp names both routes, for the decision cache's key.
    let prepared = authorizer.prepare_http(&event(&rider, "/admin/x", false), NOW);
    assert_eq!(prepared.route.expect("route").route_key, "GET /admin/{proxy+}");
    assert_eq!(prepared.other_routes.iter().map(|r| r.route_key.as_str()).collect::<Vec<_>>(), ["ANY /{proxy+}"]);
    // A base path in the event's path: API Gateway's parameters describe `/admin/x`, which riders may not use.
    let based = json!({ "token": rider, "http": {
        "method": "GET", "path": "/v1/admin/x", "routeKey": "/{proxy+}", "pathParameters": { "proxy": "admin/x" } } });
    let answer = authorizer.authorize_http(&based, NOW);
    assert_eq!(answer.answer.decision, Decision::Deny);
    assert_eq!(answer.route.expect("route").route_key, "GET /admin/{proxy+}");
}

#[test]
fn an_answer_names_the_tokens_jti_and_sub_and_whether_the_verified_token_cache_answered() {
    let (authorizer, minter) = rides();
    let mut claims = id_claims("rider-7", &["Riders"]);
    claims["jti"] = json!("token-id-7");
    let token = minter.sign(Algorithm::RS256, "rsa-1", &claims);
    let first = authorizer.authorize_http(&get(&token, "/riders"), NOW).token.expect("token facts");
    assert_eq!(first.id.as_deref(), Some("token-id-7"));
    assert_eq!(first.subject.as_deref(), Some("rider-7"));
    assert!(!first.cached, "the first request verifies the signature");
    let second = authorizer.authorize_http(&get(&token, "/trainers"), NOW).token.expect("token facts");
    assert!(second.cached, "the second is answered by the verified-token cache");
    let prepared = authorizer.prepare_http(&get(&token, "/riders"), NOW).token.expect("token facts");
    assert!(prepared.cached);
    // Without a jti the id is absent, and an unverified token has no facts at all.
    let plain = minter.sign(Algorithm::RS256, "rsa-1", &id_claims("rider-8", &["Riders"]));
    let facts = authorizer.authorize_http(&get(&plain, "/riders"), NOW).token.expect("token facts");
    assert_eq!((facts.id, facts.subject.as_deref()), (None, Some("rider-8")));
    assert!(authorizer.authorize_http(&get(&format!("{plain}x"), "/riders"), NOW).token.is_none());
}
