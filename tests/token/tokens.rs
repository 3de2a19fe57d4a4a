//! Tokens through the Rust API: tokens minted at test time with the shared test keys, the table of
//! hostile and broken tokens (each a DENY with its code), and the verified-token cache.

use crate::common::*;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use cedar_authorizer::{Authorizer, Decision};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{json, Value};

fn rides() -> (Authorizer, Minter) {
    let minter = Minter::new();
    let mut authorizer = Authorizer::from_files(&example("rides")).expect("rides loads");
    let imported = authorizer.set_jwks(COGNITO_ISSUER, &minter.jwks()).expect("keys");
    assert_eq!(imported.keys, ["rsa-1", "rsa-any", "ec-1", "ed-1"], "{:?}", imported.skipped);
    (authorizer, minter)
}

fn request(kind: &str, token: &str, route: &str) -> Value {
    json!({
        kind: token,
        "action": { "actionType": "Rides::Action", "actionId": route },
        "resource": { "entityType": "Rides::Application", "entityId": "Rides" },
    })
}

fn b64(value: &Value) -> String {
    URL_SAFE_NO_PAD.encode(value.to_string())
}

fn with_claims(claims: &Value, change: &[(&str, Value)]) -> Value {
    let mut claims = claims.clone();
    for (k, v) in change {
        if v.is_null() {
            claims.as_object_mut().expect("object").remove(*k);
        } else {
            claims[*k] = v.clone();
        }
    }
    claims
}

pub fn minted_tokens_of_every_algorithm_decide() {
    let (authorizer, minter) = rides();
    let claims = id_claims("admin-sub", &["Admin"]);
    for (alg, kid) in [
        (Algorithm::RS256, "rsa-1"),
        (Algorithm::RS384, "rsa-any"),
        (Algorithm::RS512, "rsa-any"),
        (Algorithm::PS256, "rsa-any"),
        (Algorithm::PS384, "rsa-any"),
        (Algorithm::PS512, "rsa-any"),
        (Algorithm::ES256, "ec-1"),
        (Algorithm::EdDSA, "ed-1"),
    ] {
        let token = minter.sign(alg, kid, &claims);
        let answer = with_token(&authorizer, &request("identityToken", &token, "get /trainers"), NOW);
        assert_eq!(answer.decision, Decision::Allow, "{alg:?}: {answer:?}");
        assert_eq!(answer.policy_ids(), ["admin-all-routes"]);
        // The request in its common form is read from its text (so `with_token` compared both ways).
        let text = request("identityToken", &token, "get /trainers").to_string();
        assert!(authorizer.is_authorized_with_token_text(&text, NOW).is_some(), "{alg:?}: not read from text");
        assert_eq!(
            answer.principal.as_ref().map(|p| (p.entity_type.as_str(), p.entity_id.clone())),
            Some(("Rides::CognitoUser", format!("{POOL}|admin-sub")))
        );
    }
}

pub fn the_six_routes_for_each_group_with_id_and_access_tokens() {
    let (authorizer, minter) = rides();
    let routes = ["get /rider", "get /riders", "get /trainer", "get /trainers", "get /unicorn", "get /unicorns"];
    for (group, allowed) in [
        ("Admin", routes.to_vec()),
        ("Riders", vec!["get /rider", "get /riders", "get /unicorn", "get /unicorns"]),
        ("Trainers", vec!["get /trainer", "get /trainers", "get /unicorn", "get /unicorns"]),
    ] {
        let id = minter.sign(Algorithm::RS256, "rsa-1", &id_claims(&format!("{group}-sub"), &[group]));
        let access = minter.sign(Algorithm::RS256, "rsa-1", &access_claims(&format!("{group}-sub"), &[group]));
        for route in routes {
            let expected = if allowed.contains(&route) { Decision::Allow } else { Decision::Deny };
            for (kind, token) in [("identityToken", &id), ("accessToken", &access)] {
                let answer = with_token(&authorizer, &request(kind, token, route), NOW);
                assert_eq!(answer.decision, expected, "{group} {kind} {route}: {answer:?}");
                assert!(answer.errors.is_empty(), "{answer:?}");
            }
            let both = json!({ "identityToken": id, "accessToken": access, "action": {"actionType": "Rides::Action", "actionId": route}, "resource": {"entityType": "Rides::Application", "entityId": "Rides"} });
            assert_eq!(with_token(&authorizer, &both, NOW).decision, expected, "{group} both {route}");
        }
    }
}

pub fn hostile_and_broken_tokens_are_denied_with_their_code() {
    let (authorizer, minter) = rides();
    let id = id_claims("admin-sub", &["Admin"]);
    let access = access_claims("admin-sub", &["Admin"]);
    let good = minter.sign(Algorithm::RS256, "rsa-1", &id);
    let parts: Vec<&str> = good.split('.').collect();
    let public_pem =
        std::fs::read(root().join("../shared/corpora/jose/keats-jsonwebtoken-test-keys/rsa/public_rsa_key_pkcs1.pem"))
            .expect("pem");
    let hs256_with_public_key = jsonwebtoken::encode(
        &Header { kid: Some("rsa-1".into()), ..Header::new(Algorithm::HS256) },
        &id,
        &EncodingKey::from_secret(&public_pem),
    )
    .expect("hs256");
    let mut embedded_jwk = Header::new(Algorithm::RS256);
    embedded_jwk.kid = Some("rsa-1".into());
    embedded_jwk.jwk = serde_json::from_value(minter.jwks()["keys"][0].clone()).ok();
    let mut jku = Header::new(Algorithm::RS256);
    jku.kid = Some("rsa-1".into());
    jku.jku = Some("https://attacker.example/jwks.json".into());
    let mut x5u = Header::new(Algorithm::RS256);
    x5u.kid = Some("rsa-1".into());
    x5u.x5u = Some("https://attacker.example/cert.pem".into());
    let mut crit = Header::new(Algorithm::RS256);
    crit.kid = Some("rsa-1".into());
    crit.crit = Some(vec!["exp".into()]);
    let flip = |s: &str| {
        let mut c: Vec<char> = s.chars().collect();
        let i = c.len() / 2;
        c[i] = if c[i] == 'A' { 'B' } else { 'A' };
        c.into_iter().collect::<String>()
    };

    let cases: Vec<(&str, &str, String, &str)> = vec![
        (
            "alg none",
            "identityToken",
            format!("{}.{}.", b64(&json!({"alg": "none", "kid": "rsa-1"})), b64(&id)),
            "token.unsupported_algorithm",
        ),
        ("HS256 signed with the RSA public key", "identityToken", hs256_with_public_key, "token.unsupported_algorithm"),
        ("unknown kid", "identityToken", minter.sign(Algorithm::RS256, "rsa-9", &id), "jwks.no_matching_key"),
        (
            "PS256 with a key bound to RS256",
            "identityToken",
            minter.sign(Algorithm::PS256, "rsa-1", &id),
            "token.algorithm_mismatch",
        ),
        (
            "ES256 claimed, RSA key named",
            "identityToken",
            minter.sign(Algorithm::ES256, "rsa-1", &id),
            "token.algorithm_mismatch",
        ),
        (
            "tampered header",
            "identityToken",
            format!("{}.{}.{}", b64(&json!({"alg": "RS256", "kid": "rsa-any"})), parts[1], parts[2]),
            "token.bad_signature",
        ),
        (
            "tampered payload",
            "identityToken",
            format!(
                "{}.{}.{}",
                parts[0],
                b64(&with_claims(&id, &[("cognito:groups", json!(["Admin", "Riders"]))])),
                parts[2]
            ),
            "token.bad_signature",
        ),
        (
            "tampered signature",
            "identityToken",
            format!("{}.{}.{}", parts[0], parts[1], flip(parts[2])),
            "token.bad_signature",
        ),
        (
            "expired",
            "identityToken",
            minter.sign(Algorithm::RS256, "rsa-1", &with_claims(&id, &[("exp", json!(NOW - 61))])),
            "token.expired",
        ),
        (
            "no exp",
            "identityToken",
            minter.sign(Algorithm::RS256, "rsa-1", &with_claims(&id, &[("exp", Value::Null)])),
            "token.invalid_claim",
        ),
        (
            "not yet valid",
            "identityToken",
            minter.sign(Algorithm::RS256, "rsa-1", &with_claims(&id, &[("nbf", json!(NOW + 120))])),
            "token.not_yet_valid",
        ),
        (
            "issued in the future",
            "identityToken",
            minter.sign(Algorithm::RS256, "rsa-1", &with_claims(&id, &[("iat", json!(NOW + 120))])),
            "token.issued_in_future",
        ),
        (
            "wrong issuer",
            "identityToken",
            minter.sign(
                Algorithm::RS256,
                "rsa-1",
                &with_claims(&id, &[("iss", json!("https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Other"))]),
            ),
            "token.wrong_issuer",
        ),
        (
            "wrong audience on an ID token",
            "identityToken",
            minter.sign(Algorithm::RS256, "rsa-1", &with_claims(&id, &[("aud", json!("otherclient"))])),
            "token.wrong_audience",
        ),
        (
            "wrong client id on an access token",
            "accessToken",
            minter.sign(Algorithm::RS256, "rsa-1", &with_claims(&access, &[("client_id", json!("otherclient"))])),
            "token.wrong_audience",
        ),
        ("ID token where an access token is required", "accessToken", good.clone(), "token.wrong_use"),
        (
            "access token where an ID token is required",
            "identityToken",
            minter.sign(Algorithm::RS256, "rsa-1", &access),
            "token.wrong_use",
        ),
        (
            "missing sub",
            "identityToken",
            minter.sign(Algorithm::RS256, "rsa-1", &with_claims(&id, &[("sub", Value::Null)])),
            "mapping.missing_claim",
        ),
        (
            "cognito:groups not a list of strings",
            "identityToken",
            minter.sign(Algorithm::RS256, "rsa-1", &with_claims(&id, &[("cognito:groups", json!("Admin"))])),
            "mapping.invalid",
        ),
        (
            "cognito:groups with a number",
            "identityToken",
            minter.sign(Algorithm::RS256, "rsa-1", &with_claims(&id, &[("cognito:groups", json!(["Admin", 7]))])),
            "mapping.invalid",
        ),
        ("truncated", "identityToken", format!("{}.{}", parts[0], parts[1]), "token.malformed"),
        ("signature cut off", "identityToken", format!("{}.{}.", parts[0], parts[1]), "token.bad_signature"),
        ("not base64url", "identityToken", "e30=.e30=.e30=".into(), "token.malformed"),
        ("not base64 at all", "identityToken", "@@@.###.$$$".into(), "token.malformed"),
        (
            "header not JSON",
            "identityToken",
            format!("{}.{}.{}", URL_SAFE_NO_PAD.encode("not json"), parts[1], parts[2]),
            "token.malformed",
        ),
        ("five parts (JWE)", "identityToken", format!("{good}.AAAA.BBBB"), "token.encrypted"),
        (
            "oversized",
            "identityToken",
            minter.sign(Algorithm::RS256, "rsa-1", &with_claims(&id, &[("custom:blob", json!("x".repeat(20_000)))])),
            "token.too_large",
        ),
        ("embedded jwk header", "identityToken", minter.sign_header(&embedded_jwk, &id), "token.embedded_key"),
        ("jku header", "identityToken", minter.sign_header(&jku, &id), "token.embedded_key"),
        ("x5u header", "identityToken", minter.sign_header(&x5u, &id), "token.embedded_key"),
        ("crit header", "identityToken", minter.sign_header(&crit, &id), "token.crit_header"),
        ("empty", "identityToken", String::new(), "token.missing"),
    ];
    assert!(cases.len() >= 30);
    for (name, kind, token, code) in cases {
        let answer = with_token(&authorizer, &request(kind, &token, "get /riders"), NOW);
        assert_eq!(answer.decision, Decision::Deny, "{name}: {answer:?}");
        assert_eq!(answer.errors.len(), 1, "{name}: {answer:?}");
        assert_eq!(answer.errors[0].code, code, "{name}: {}", answer.errors[0]);
        assert!(
            !answer.errors[0].error_description.contains(&token[..token.len().min(40)]) || token.len() < 20,
            "{name}: the error quotes the token"
        );
    }
    // Missing token fields, and a token of the wrong type.
    let none = json!({"action": {"actionType": "Rides::Action", "actionId": "get /riders"}, "resource": {"entityType": "Rides::Application", "entityId": "Rides"}});
    assert_eq!(with_token(&authorizer, &none, NOW).errors[0].code, "token.missing");
    assert_eq!(with_token(&authorizer, &json!({"identityToken": 42}), NOW).errors[0].code, "token.malformed");
}

pub fn keys_missing_for_an_issuer_name_the_issuer() {
    let minter = Minter::new();
    let authorizer = Authorizer::from_files(&example("rides")).expect("rides loads");
    let token = minter.sign(Algorithm::RS256, "rsa-1", &id_claims("a", &["Admin"]));
    let answer = with_token(&authorizer, &request("identityToken", &token, "get /riders"), NOW);
    assert_eq!(answer.errors[0].code, "jwks.unavailable");
    assert_eq!(answer.errors[0].issuer.as_deref(), Some(COGNITO_ISSUER));
}

pub fn verified_tokens_are_cached_until_exp_and_dropped_with_their_keys() {
    // Called directly, not through `with_token`, which would ask twice and double the cache's counts.
    let (mut authorizer, minter) = rides();
    let token = minter.sign(
        Algorithm::RS256,
        "rsa-1",
        &with_claims(&id_claims("r", &["Riders"]), &[("exp", json!(NOW + 100))]),
    );
    let req = request("identityToken", &token, "get /riders");
    assert!(authorizer.is_authorized_with_token(&req, NOW).is_allow());
    assert!(authorizer.is_authorized_with_token(&req, NOW + 1).is_allow());
    let (hits, misses, entries) = authorizer.token_cache_stats();
    assert_eq!((hits, misses, entries), (1, 1, 1));
    // Past exp + leeway the cached identity is not used: the token is verified again, and refused.
    let late = authorizer.is_authorized_with_token(&req, NOW + 100 + 61);
    assert_eq!(late.errors[0].code, "token.expired");
    // A tampered copy never hits the cache entry of the genuine token.
    let tampered = format!("{}x", token);
    assert_eq!(
        authorizer.is_authorized_with_token(&request("identityToken", &tampered, "get /riders"), NOW).decision,
        Decision::Deny
    );
    // New keys drop the issuer's cached tokens: with the signing key gone, the same token fails at once.
    assert!(authorizer.is_authorized_with_token(&req, NOW).is_allow());
    let rotated = json!({"keys": [minter.jwks()["keys"][2].clone()]});
    authorizer.set_jwks(COGNITO_ISSUER, &rotated).expect("rotate");
    assert_eq!(authorizer.is_authorized_with_token(&req, NOW).errors[0].code, "jwks.no_matching_key");
}

pub fn batch_with_token_verifies_once_and_answers_each_request() {
    let (authorizer, minter) = rides();
    let token = minter.sign(Algorithm::ES256, "ec-1", &access_claims("t", &["Trainers"]));
    let requests: Vec<Value> = ["get /rider", "get /trainer", "get /unicorns"]
        .iter()
        .map(|r| json!({"action": {"actionType": "Rides::Action", "actionId": r}, "resource": {"entityType": "Rides::Application", "entityId": "Rides"}}))
        .collect();
    let batch = authorizer.batch_is_authorized_with_token(&json!({"accessToken": token, "requests": requests}), NOW);
    let decisions: Vec<Decision> = batch.results.iter().map(|r| r.answer.decision).collect();
    assert_eq!(decisions, [Decision::Deny, Decision::Allow, Decision::Allow]);
    assert!(batch.results.iter().all(|r| r.answer.principal.is_some()));
    let bad = authorizer.batch_is_authorized_with_token(&json!({"accessToken": "x.y.z", "requests": requests}), NOW);
    assert!(bad
        .results
        .iter()
        .all(|r| r.answer.decision == Decision::Deny && r.answer.errors[0].code == "token.malformed"));
}

pub fn access_token_claims_fill_context_token() {
    let (authorizer, minter) = rides();
    // A policy on context.token: add one to the store and check the scope set and client id arrive.
    let mut files = example("rides");
    files.insert(
        "scopes.cedar".into(),
        r#"@id("read-scope") permit(principal, action == Rides::Action::"get /rider", resource)
           when { context has token && context.token has scope && context.token.scope.contains("rides/read")
                  && context.token has client_id && context.token.client_id == "ridesdemoclient" };"#
            .into(),
    );
    let mut with_scopes = Authorizer::from_files(&files).expect("loads");
    with_scopes.set_jwks(COGNITO_ISSUER, &minter.jwks()).expect("keys");
    let token = minter.sign(Algorithm::RS256, "rsa-1", &access_claims("nogroup", &[]));
    let answer = with_token(&with_scopes, &request("accessToken", &token, "get /rider"), NOW);
    assert_eq!(answer.policy_ids(), ["read-scope"], "{answer:?}");
    // The caller may not set context.token itself.
    let mut forged = request("accessToken", &token, "get /rider");
    forged["context"] = json!({"token": {"client_id": "x"}});
    assert_eq!(with_token(&with_scopes, &forged, NOW).errors[0].code, "request.invalid_context");
    // And an ID token does not fill it.
    let id = minter.sign(Algorithm::RS256, "rsa-1", &id_claims("nogroup", &[]));
    assert_eq!(with_token(&with_scopes, &request("identityToken", &id, "get /rider"), NOW).decision, Decision::Deny);
    drop(authorizer);
}

pub fn openid_connect_sources_check_audiences_and_token_selection() {
    let minter = Minter::new();
    let mut authorizer = Authorizer::from_files(&read_store(&root().join("tests/fixtures/oidc-store"))).expect("loads");
    authorizer.set_jwks("https://login.corp.example", &minter.jwks()).expect("keys");
    authorizer.set_jwks("https://api-login.corp.example", &minter.jwks()).expect("keys");
    let read = |kind: &str, token: &str| json!({ kind: token, "action": {"actionType": "Corp::Action", "actionId": "read"}, "resource": {"entityType": "Corp::Doc", "entityId": "d"} });
    let id = json!({"iss": "https://login.corp.example", "aud": ["other", "portal"], "employee_id": "e1", "email": "e1@corp.example", "teams": ["platform"], "exp": NOW + 60});
    let access =
        json!({"iss": "https://api-login.corp.example", "employee_id": "e1", "teams": "platform", "exp": NOW + 60});
    let sign = |claims: &Value| minter.sign(Algorithm::ES256, "ec-1", claims);
    let cases = [
        ("ID token with one accepted audience", "identityToken", sign(&id), Ok("corp|e1")),
        (
            "ID token for another client",
            "identityToken",
            sign(&with_claims(&id, &[("aud", json!("other"))])),
            Err("token.wrong_audience"),
        ),
        (
            "ID token to an access-token-only source",
            "accessToken",
            sign(&with_claims(&id, &[("iss", json!("https://api-login.corp.example"))])),
            Err("token.wrong_audience"),
        ),
        (
            "access token, audience from `cid`",
            "accessToken",
            sign(&with_claims(&access, &[("cid", json!("https://api.corp.example"))])),
            Ok("corp-api|e1"),
        ),
        (
            "access token, audience from `client_id`",
            "accessToken",
            sign(&with_claims(&access, &[("client_id", json!("https://api.corp.example"))])),
            Ok("corp-api|e1"),
        ),
        (
            "access token with `aud` for another API",
            "accessToken",
            sign(&with_claims(
                &access,
                &[("aud", json!("https://other.example")), ("cid", json!("https://api.corp.example"))],
            )),
            Err("token.wrong_audience"),
        ),
        ("access token with no audience at all", "accessToken", sign(&access), Err("token.wrong_audience")),
        (
            "access token passed as an ID token",
            "identityToken",
            sign(&with_claims(&access, &[("cid", json!("https://api.corp.example"))])),
            Err("token.wrong_use"),
        ),
        (
            "OIDC token claiming token_use id to an access source",
            "accessToken",
            sign(&with_claims(&access, &[("cid", json!("https://api.corp.example")), ("token_use", json!("id"))])),
            Err("token.wrong_use"),
        ),
    ];
    for (name, kind, token, expected) in cases {
        let answer = with_token(&authorizer, &read(kind, &token), NOW);
        match expected {
            Ok(principal) => {
                assert!(answer.errors.is_empty(), "{name}: {answer:?}");
                assert_eq!(answer.principal.as_ref().map(|p| p.entity_id.as_str()), Some(principal), "{name}");
                assert_eq!(answer.decision, Decision::Allow, "{name}: member of its issuer's `platform` team");
            }
            Err(code) => assert_eq!(answer.errors.first().map(|e| e.code.as_str()), Some(code), "{name}: {answer:?}"),
        }
    }
}

pub fn bearer_tokens_pick_their_own_kind_and_pass_that_kinds_checks() {
    let (authorizer, minter) = rides();
    let http = |token: &str, kind: Option<&str>| {
        let mut input = json!({ "token": token, "http": { "method": "GET", "path": "/riders" } });
        if let Some(kind) = kind {
            input["tokenKind"] = json!(kind);
        }
        input
    };
    let code = |input: &Value| {
        let answer = authorizer.authorize_http(input, NOW);
        assert!(!answer.authenticated, "{answer:?}");
        answer.answer.errors.first().map(|e| e.code.as_str().to_string()).unwrap_or_default()
    };
    let id = minter.sign(Algorithm::RS256, "rsa-1", &id_claims("r-sub", &["Riders"]));
    let access = minter.sign(Algorithm::RS256, "rsa-1", &access_claims("r-sub", &["Riders"]));
    for token in [&id, &access] {
        // Twice: verified, then from the verified-token cache.
        for _ in 0..2 {
            let answer = authorizer.authorize_http(&http(token, None), NOW);
            assert!(answer.authenticated, "{answer:?}");
            assert_eq!(answer.answer.decision, Decision::Allow, "{answer:?}");
        }
    }
    // A token that picked its own kind is still only that kind: asked for as the other, it is refused,
    // whatever the cache holds for it.
    assert_eq!(code(&http(&id, Some("access"))), "token.wrong_use");
    assert_eq!(code(&http(&access, Some("identity"))), "token.wrong_use");
    // A Cognito token without a usable `token_use` picks nothing.
    for token_use in [Value::Null, json!("refresh"), json!("ID")] {
        let claims = with_claims(&id_claims("r-sub", &["Riders"]), &[("token_use", token_use.clone())]);
        let token = minter.sign(Algorithm::RS256, "rsa-1", &claims);
        assert_eq!(code(&http(&token, None)), "token.wrong_use", "token_use {token_use}");
    }
    // The digest an answer cache keys by: one per token and kind asked for.
    let digest = |input: &Value| authorizer.prepare_http(input, NOW).token_digest.expect("a verified token");
    assert_eq!(digest(&http(&id, None)), digest(&http(&id, None)));
    assert_ne!(digest(&http(&id, None)), digest(&http(&id, Some("identity"))));
    assert_ne!(digest(&http(&id, None)), digest(&http(&access, None)));
    // A forged signature is refused whichever way the kind was picked.
    let mut forged = id.clone().into_bytes();
    let middle = id.rfind('.').expect("a signature") + 20;
    forged[middle] = if forged[middle] == b'A' { b'B' } else { b'A' };
    let forged = String::from_utf8(forged).expect("ascii");
    assert_eq!(code(&http(&forged, None)), "token.bad_signature");
}
