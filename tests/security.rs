//! Attacks on the identity sources and on what a caller may add to a token request, each tried in every
//! form the input can take: docs/security.md names these tests beside the claims they prove.

mod common;

use cedar_authorizer::token::keys::{check_rsa_key, has_roca_fingerprint, KeySet};
use cedar_authorizer::{Authorizer, Decision};
use common::*;
use jsonwebtoken::Algorithm;
use serde_json::{json, Value};

fn rides_with(extra_policy: Option<&str>) -> (Authorizer, Minter) {
    let minter = Minter::new();
    let mut files = example("rides");
    if let Some(policy) = extra_policy {
        files.insert("extra.cedar".into(), policy.into());
    }
    let mut authorizer = Authorizer::from_files(&files).expect("rides loads");
    authorizer.set_jwks(COGNITO_ISSUER, &minter.jwks()).expect("keys");
    (authorizer, minter)
}

fn with_config(store: &str, change: impl Fn(&mut Value)) -> cedar_authorizer::store::StoreFiles {
    let mut files = example(store);
    let mut config: Value = serde_json::from_str(&files["authorizer.json"]).expect("json");
    change(&mut config);
    files.insert("authorizer.json".into(), config.to_string());
    files
}

fn oidc_source(issuer: &str, prefix: Option<&str>, principal_type: &str, group_type: &str) -> Value {
    let mut configuration = json!({
        "issuer": issuer,
        "groupConfiguration": { "groupClaim": "groups", "groupEntityType": group_type },
        "tokenSelection": { "identityTokenOnly": { "clientIds": ["web"], "principalIdClaim": "email" } }
    });
    if let Some(prefix) = prefix {
        configuration["entityIdPrefix"] = json!(prefix);
    }
    json!({ "principalEntityType": principal_type, "configuration": { "openIdConnectConfiguration": configuration } })
}

fn load_error(files: &cedar_authorizer::store::StoreFiles) -> String {
    match Authorizer::from_files(files) {
        Ok(_) => String::new(),
        Err(e) => e.to_string(),
    }
}

#[test]
fn two_identity_sources_that_could_mint_the_same_principal_or_group_are_refused_at_load() {
    let colliding: [(Option<&str>, &str, &str); 5] = [
        (None, "Rides::CognitoUser", "Rides::CognitoUserGroup"),
        (Some("us-east-1_DemoPool1"), "Rides::CognitoUser", "Rides::CognitoUserGroup"),
        (Some("us-east-1_DemoPool1|x"), "Rides::CognitoUser", "Rides::CognitoUserGroup"),
        (Some("us-east-1_DemoPool1"), "Rides::Other", "Rides::CognitoUserGroup"),
        (None, "Rides::CognitoUserGroup", "Rides::Other"),
    ];
    for (prefix, principal, group) in colliding {
        let files = with_config("rides", |c| {
            c["identitySources"].as_array_mut().expect("list").push(oidc_source(
                "https://idp.example",
                prefix,
                principal,
                group,
            ));
        });
        let mut files = files;
        let schema = files["schema.cedarschema"]
            .replace("entity Application;", "entity Application; entity Other in [CognitoUserGroup];");
        files.insert("schema.cedarschema".into(), schema);
        let error = load_error(&files);
        assert!(
            error.contains("identitySources[0]") && error.contains("identitySources[1]"),
            "{prefix:?} {principal} {group}: {error}"
        );
        assert!(
            error.contains("https://idp.example") && error.contains("cognito-idp.us-east-1.amazonaws.com"),
            "the message names both sources: {error}"
        );
    }
    // Distinct prefixes, neither the other followed by `|`: both load.
    let files = with_config("rides", |c| {
        c["identitySources"].as_array_mut().expect("list").push(oidc_source(
            "https://idp.example",
            Some("partners"),
            "Rides::CognitoUser",
            "Rides::CognitoUserGroup",
        ));
    });
    assert_eq!(load_error(&files), "");
}

#[test]
fn an_oidc_user_cannot_become_a_cognito_user_or_join_its_groups() {
    // The attack of a store that trusted both issuers with colliding ids: refused at load, so no token of
    // the OIDC issuer ever reaches the mapping. This checks what the attacker's token would have mapped to.
    let files = with_config("rides", |c| {
        c["identitySources"].as_array_mut().expect("list").push(oidc_source(
            "https://idp.example",
            None,
            "Rides::CognitoUser",
            "Rides::CognitoUserGroup",
        ));
    });
    let error = load_error(&files);
    assert!(error.contains("can both name a `Rides::CognitoUser` entity"), "{error}");
}

#[test]
fn a_caller_may_not_set_context_token_with_any_token_in_any_form() {
    let policy = r#"@id("scope") permit(principal, action == Rides::Action::"get /trainers", resource)
                    when { context has token && context.token has scope && context.token.scope.contains("admin") };"#;
    let (authorizer, minter) = rides_with(Some(policy));
    let id = minter.sign(Algorithm::RS256, "rsa-1", &id_claims("rider", &["Riders"]));
    let access = minter.sign(Algorithm::RS256, "rsa-1", &access_claims("rider", &["Riders"]));
    let forged = json!({ "scope": ["admin"] });
    let contexts = [
        json!({ "token": forged }),
        json!({ "contextMap": { "token": { "record": { "scope": { "set": [{ "string": "admin" }] } } } } }),
        json!({ "cedarJson": json!({ "token": forged }).to_string() }),
    ];
    for (kind, token) in [("identityToken", &id), ("accessToken", &access)] {
        for context in &contexts {
            let input = json!({
                kind: token,
                "action": { "actionType": "Rides::Action", "actionId": "get /trainers" },
                "resource": { "entityType": "Rides::Application", "entityId": "Rides" },
                "context": context,
            });
            let answer = with_token(&authorizer, &input, NOW);
            assert_eq!(answer.decision, Decision::Deny, "{kind} {context}");
            assert_eq!(answer.errors[0].code, "request.invalid_context", "{kind} {context}");
            let batch = json!({ kind: token, "requests": [{ "action": input["action"], "resource": input["resource"], "context": context }] });
            let results = authorizer.batch_is_authorized_with_token(&batch, NOW).results;
            assert_eq!(results[0].answer.errors[0].code, "request.invalid_context", "batch {kind} {context}");
        }
    }
}

#[test]
fn caller_entities_of_a_principal_or_group_type_are_refused_in_every_form() {
    let (authorizer, minter) = rides_with(None);
    // A token with no groups: the refusal is by the configured types, not by the token's groups.
    let id = minter.sign(Algorithm::RS256, "rsa-1", &id_claims("nobody", &[]));
    let victim = json!({ "type": "Rides::CognitoUser", "id": "us-east-1_DemoPool1|nobody" });
    let admin_group = json!({ "type": "Rides::CognitoUserGroup", "id": "us-east-1_DemoPool1|Admin" });
    let forms = [
        json!([{ "uid": victim, "attrs": {}, "parents": [admin_group] }]),
        json!([{ "uid": { "__entity": victim }, "attrs": {}, "parents": [admin_group] }]),
        json!({ "cedarJson": json!([{ "uid": victim, "attrs": {}, "parents": [admin_group] }]).to_string() }),
        json!({ "entityList": [{ "identifier": { "entityType": "Rides::CognitoUser", "entityId": "us-east-1_DemoPool1|nobody" }, "parents": [{ "entityType": "Rides::CognitoUserGroup", "entityId": "us-east-1_DemoPool1|Admin" }] }] }),
        json!([{ "uid": admin_group, "attrs": {}, "parents": [] }]),
        json!([{ "uid": { "__entity": admin_group }, "attrs": {}, "parents": [] }]),
        json!({ "cedarJson": json!([{ "uid": admin_group, "attrs": {}, "parents": [] }]).to_string() }),
    ];
    for entities in forms {
        let input = json!({
            "identityToken": id,
            "action": { "actionType": "Rides::Action", "actionId": "get /trainers" },
            "resource": { "entityType": "Rides::Application", "entityId": "Rides" },
            "entities": entities,
        });
        let answer = with_token(&authorizer, &input, NOW);
        assert_eq!(answer.decision, Decision::Deny, "{entities}");
        assert_eq!(answer.errors[0].code, "request.invalid_entities", "{entities}: {answer:?}");
        let http = json!({ "token": id, "http": { "method": "GET", "path": "/trainers" }, "entities": entities });
        assert_eq!(
            authorizer.authorize_http(&http, NOW).answer.errors[0].code,
            "request.invalid_entities",
            "http {entities}"
        );
    }
}

#[test]
fn an_id_token_aud_list_is_accepted_when_any_member_is_a_client_id_in_either_order() {
    let (authorizer, minter) = rides_with(None);
    for aud in [json!(["ridesdemoclient", "other"]), json!(["other", "ridesdemoclient"]), json!("ridesdemoclient")] {
        let mut claims = id_claims("admin", &["Admin"]);
        claims["aud"] = aud.clone();
        let token = minter.sign(Algorithm::RS256, "rsa-1", &claims);
        let input = json!({ "identityToken": token, "action": { "actionType": "Rides::Action", "actionId": "get /riders" }, "resource": { "entityType": "Rides::Application", "entityId": "Rides" } });
        assert_eq!(with_token(&authorizer, &input, NOW).decision, Decision::Allow, "{aud}");
    }
    for aud in [json!(["other", "another"]), json!([]), json!("other")] {
        let mut claims = id_claims("admin", &["Admin"]);
        claims["aud"] = aud.clone();
        let token = minter.sign(Algorithm::RS256, "rsa-1", &claims);
        let input = json!({ "identityToken": token, "action": { "actionType": "Rides::Action", "actionId": "get /riders" }, "resource": { "entityType": "Rides::Application", "entityId": "Rides" } });
        assert_eq!(with_token(&authorizer, &input, NOW).errors[0].code, "token.wrong_audience", "{aud}");
    }
}

#[test]
fn a_user_pool_arn_must_have_a_region_and_pool_id_of_the_documented_shape() {
    for arn in [
        "arn:aws:cognito-idp:evil.example#:123456789012:userpool/evil.example#_x",
        "arn:aws:cognito-idp:us-east-1/x:123456789012:userpool/us-east-1/x_abc",
        "arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_abc/../x",
        "arn:aws:cognito-idp:us-east-1:1234:userpool/us-east-1_abc",
        "arn:aws:cognito-idp:us-east-1:123456789012:userpool/eu-west-1_abc",
    ] {
        let files = with_config("rides", |c| {
            c["identitySources"][0]["configuration"]["cognitoUserPoolConfiguration"]["userPoolArn"] = json!(arn)
        });
        let error = load_error(&files);
        assert!(error.contains("user pool"), "{arn}: {error}");
    }
}

#[test]
fn the_json_schema_writes_the_user_pool_arn_rule_as_the_loader_does() {
    let schema: Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("js/schema/authorizer.schema.json")).expect("schema"),
    )
    .expect("json");
    let text = schema.to_string();
    let pattern = serde_json::to_string(cedar_authorizer::token::sources::USER_POOL_ARN_PATTERN).expect("json");
    assert!(
        text.contains(&format!("\"pattern\":{pattern}")),
        "js/schema/authorizer.schema.json must use the loader's pattern {pattern}"
    );
}

#[test]
fn sources_that_accept_any_client_warn_and_an_empty_audience_list_is_refused() {
    let files = with_config("rides", |c| {
        c["identitySources"][0]["configuration"]["cognitoUserPoolConfiguration"]["clientIds"] = json!([])
    });
    let authorizer = Authorizer::from_files(&files).expect("loads");
    assert_eq!(authorizer.warnings().len(), 1);
    assert!(authorizer.warnings()[0].contains("no `clientIds`"), "{:?}", authorizer.warnings());
    let diagnostics = cedar_authorizer::authoring::check(&files);
    assert!(diagnostics.iter().any(|d| d.code == "config.any_audience"), "`validate` shows it too");
    assert!(Authorizer::from_files(&example("rides")).expect("rides").warnings().is_empty());

    let mut oidc = read_store(&root().join("tests/fixtures/oidc-store"));
    let mut config: Value = serde_json::from_str(&oidc["authorizer.json"]).expect("json");
    config["identitySources"][1]["configuration"]["openIdConnectConfiguration"]["tokenSelection"]["accessTokenOnly"]
        ["audiences"] = json!([]);
    oidc.insert("authorizer.json".into(), config.to_string());
    assert!(load_error(&oidc).contains("`accessTokenOnly.audiences` is empty"), "{}", load_error(&oidc));
}

/// A 2048-bit modulus of the shape the ROCA generator makes: `p = k * M + (65537^a mod M)`, `M` the
/// product of the first primes. It need not be a product of real primes for the fingerprint test.
fn roca_shaped_modulus() -> Vec<u8> {
    // Work in base 2^32 with schoolbook arithmetic: M = product of the primes up to 167 (each factor of
    // p and q is congruent to a power of 65537 modulo every one of them).
    fn mul_small(a: &mut Vec<u32>, m: u32) {
        let mut carry = 0u64;
        for limb in a.iter_mut() {
            let v = u64::from(*limb) * u64::from(m) + carry;
            *limb = v as u32;
            carry = v >> 32;
        }
        if carry > 0 {
            a.push(carry as u32);
        }
    }
    fn add_small(a: &mut Vec<u32>, m: u32) {
        let mut carry = u64::from(m);
        for limb in a.iter_mut() {
            let v = u64::from(*limb) + carry;
            *limb = v as u32;
            carry = v >> 32;
            if carry == 0 {
                return;
            }
        }
        if carry > 0 {
            a.push(carry as u32);
        }
    }
    fn mul(a: &[u32], b: &[u32]) -> Vec<u32> {
        let mut out = vec![0u32; a.len() + b.len()];
        for (i, x) in a.iter().enumerate() {
            let mut carry = 0u64;
            for (j, y) in b.iter().enumerate() {
                let v = u64::from(out[i + j]) + u64::from(*x) * u64::from(*y) + carry;
                out[i + j] = v as u32;
                carry = v >> 32;
            }
            out[i + b.len()] = carry as u32;
        }
        out
    }
    let primes = [
        3u32, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83, 89, 97, 101, 103, 107,
        109, 113, 127, 131, 137, 139, 149, 151, 157, 163, 167,
    ];
    // factor = k * M + 65537 (65537 = 65537^1 mod M), with k making it about 1024 bits.
    let factor = |k: u32| {
        let mut f = vec![1u32];
        for p in primes {
            mul_small(&mut f, p);
        }
        mul_small(&mut f, 2);
        while f.len() < 33 {
            mul_small(&mut f, 0xffff_fff1);
        }
        mul_small(&mut f, k);
        add_small(&mut f, 65537);
        f
    };
    let n = mul(&factor(3), &factor(7));
    let mut bytes: Vec<u8> = n.iter().rev().flat_map(|limb| limb.to_be_bytes()).collect();
    while bytes.first() == Some(&0) {
        bytes.remove(0);
    }
    bytes
}

#[test]
fn rsa_keys_with_the_roca_fingerprint_or_a_bad_exponent_are_refused_at_import() {
    let roca = roca_shaped_modulus();
    assert!(roca.len() * 8 >= 2048, "{} bits", roca.len() * 8);
    assert!(has_roca_fingerprint(&roca));
    let e = [1u8, 0, 1];
    assert!(check_rsa_key(&roca, &e).unwrap_err().contains("ROCA"));
    // The test keys of ../shared (and any random modulus) do not have it.
    let jwks = Minter::new().jwks();
    let n = base64::Engine::decode(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD,
        jwks["keys"][0]["n"].as_str().expect("n"),
    )
    .expect("b64");
    assert!(!has_roca_fingerprint(&n));
    assert_eq!(check_rsa_key(&n, &e), Ok(()));
    for (exponent, why) in [
        (vec![1u8], "below 3"),
        (vec![2u8], "below 3"),
        (vec![], "below 3"),
        (vec![1, 0, 0], "even"),
        (vec![0, 0, 4], "even"),
    ] {
        assert!(check_rsa_key(&n, &exponent).unwrap_err().contains(why), "{exponent:?}");
    }
    // A key set whose every key is refused says so, and why.
    let b64 = |bytes: &[u8]| base64::Engine::encode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, bytes);
    let weak = json!({ "keys": [
        { "kty": "RSA", "kid": "roca", "n": b64(&roca), "e": "AQAB", "alg": "RS256", "use": "sig" },
        { "kty": "RSA", "kid": "even", "n": b64(&n), "e": b64(&[2]), "alg": "RS256", "use": "sig" },
    ]});
    let error = KeySet::from_jwks(&weak).unwrap_err();
    assert!(
        error.contains("every key of the key set was refused")
            && error.contains("`roca`")
            && error.contains("ROCA")
            && error.contains("`even`"),
        "{error}"
    );
    let (mut authorizer, _) = rides_with(None);
    assert!(authorizer.set_jwks(COGNITO_ISSUER, &weak).unwrap_err().error_description.contains("ROCA"));
}

#[test]
fn a_declared_claim_that_does_not_fit_its_type_is_left_out_with_a_warning() {
    let mut files = example("rides");
    let schema = files["schema.cedarschema"]
        .replace("\"custom:department\"?: String,", "\"custom:department\"?: String,\n    \"custom:ip\"?: ipaddr,");
    files.insert("schema.cedarschema".into(), schema);
    let minter = Minter::new();
    let mut authorizer = Authorizer::from_files(&files).expect("loads");
    authorizer.set_jwks(COGNITO_ISSUER, &minter.jwks()).expect("keys");
    for (ip, left_out) in [("10.0.0.1", false), ("not an address", true), ("10.0.0.300", true)] {
        let mut claims = id_claims("admin", &["Admin"]);
        claims["custom:ip"] = json!(ip);
        let token = minter.sign(Algorithm::RS256, "rsa-1", &claims);
        let input = json!({ "identityToken": token, "action": { "actionType": "Rides::Action", "actionId": "get /riders" }, "resource": { "entityType": "Rides::Application", "entityId": "Rides" } });
        let answer = with_token(&authorizer, &input, NOW);
        assert_eq!(answer.decision, Decision::Allow, "{ip}: the request is decided without the claim: {answer:?}");
        assert_eq!(
            answer
                .warnings
                .iter()
                .any(|w| w.code == "mapping.claim_skipped" && w.error_description.contains("custom:ip")),
            left_out,
            "{ip}: {answer:?}"
        );
    }
}

#[test]
fn malformed_public_keys_of_every_type_are_skipped_never_a_panic() {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine;
    let b64 = |len: usize, byte: u8| URL_SAFE_NO_PAD.encode(vec![byte; len]);
    let mut keys = Vec::new();
    for (crv, alg, size) in [("P-256", "ES256", 32), ("P-384", "ES384", 48), ("P-521", "ES512", 66)] {
        for len in [0, 1, 3, size - 1, size + 1, 2 * size] {
            for with_alg in [true, false] {
                let mut jwk = json!({ "kty": "EC", "crv": crv, "x": b64(len, 7), "y": b64(size, 7) });
                if with_alg {
                    jwk["alg"] = json!(alg);
                }
                keys.push(jwk.clone());
                jwk["x"] = json!(b64(size, 7));
                jwk["y"] = json!(b64(len, 7));
                keys.push(jwk);
            }
        }
        keys.push(json!({ "kty": "EC", "crv": crv, "x": "not base64!", "y": "AAAA" }));
        keys.push(json!({ "kty": "EC", "crv": crv, "x": 7, "y": [] }));
    }
    for len in [0, 1, 31, 33, 64] {
        keys.push(json!({ "kty": "OKP", "crv": "Ed25519", "x": b64(len, 9) }));
    }
    for (n, e) in [(0, 3), (1, 3), (256, 0), (256, 9), (512, 1)] {
        keys.push(json!({ "kty": "RSA", "n": b64(n, 0xc3), "e": b64(e, 1) }));
    }
    keys.push(json!({ "kty": "RSA", "n": "", "e": "" }));
    let mut skipped = 0;
    for jwk in keys {
        // Each key alone: a refusal with a reason (a panic would fail the test).
        match KeySet::from_jwks(&json!({ "keys": [jwk.clone()] })) {
            Err(reason) => {
                assert!(reason.contains("refused"), "{jwk}: {reason}");
                skipped += 1;
            }
            Ok(set) => assert!(set.keys.is_empty() || jwk["kty"] == "RSA", "{jwk} was imported"),
        }
    }
    assert!(skipped > 70, "{skipped}");
}
