use super::*;
use serde_json::json;

fn rides() -> crate::store::StoreFiles {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("policies/rides");
    let mut files = crate::store::StoreFiles::new();
    for name in ["schema.cedarschema", "rides.cedar", "authorizer.json"] {
        files.insert(name.into(), std::fs::read_to_string(root.join(name)).expect("rides"));
    }
    files
}

fn to_json<T: Serialize>(outcome: &Outcome<T>) -> Value {
    serde_json::to_value(outcome).expect("json")
}

const REQUEST: &str = r#"{
    "principal": { "entityType": "Rides::CognitoUser", "entityId": "us-east-1_DemoPool1|alice" },
    "action": { "actionType": "Rides::Action", "actionId": "get /riders" },
    "resource": { "entityType": "Rides::Application", "entityId": "Rides" },
    "entities": { "entityList": [{
        "identifier": { "entityType": "Rides::CognitoUser", "entityId": "us-east-1_DemoPool1|alice" },
        "parents": [{ "entityType": "Rides::CognitoUserGroup", "entityId": "us-east-1_DemoPool1|Riders" }] }] }
}"#;

#[test]
fn integers_beyond_2_53_are_found_outside_strings_only() {
    for (text, unsafe_) in [
        (r#"{"a":9007199254740991}"#, false),
        (r#"{"a":9007199254740992}"#, true),
        (r#"{"a":-12345678901234567890}"#, true),
        (r#"{"a":12345678901234567.5}"#, false),
        (r#"{"a":1e300}"#, false),
        (r#"{"a":"12345678901234567890"}"#, false),
        (r#"{"a":"\"12345678901234567890"}"#, false),
        (r#"{"a":"\\","b":12345678901234567890}"#, true),
        (r#"[1,2,3]"#, false),
    ] {
        assert_eq!(has_unsafe_integer(text), unsafe_, "{text}");
    }
}

#[test]
fn signatures_are_checked_with_one_key_and_refusals_have_codes() {
    let jwk = json!({ "kty": "EC", "crv": "P-256", "x": "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
        "y": "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0" });
    let check = |alg: &str, sig: &[u8]| to_json(&verify_signature(&jwk, alg, b"message", sig));
    let wrong = check("ES256", &[1; 64]);
    assert_eq!((wrong["type"].as_str(), wrong["verified"].as_bool()), (Some("success"), Some(false)));
    assert_eq!(wrong["verifier"], "rust-crypto");
    assert_eq!(check("ES384", &[1; 96])["errors"][0]["code"], "token.algorithm_mismatch");
    assert_eq!(check("HS256", &[1; 32])["errors"][0]["code"], "token.unsupported_algorithm");
    let off_curve = json!({ "kty": "EC", "crv": "P-256", "x": "AAAA", "y": "AAAA" });
    let refused = to_json(&verify_signature(&off_curve, "ES256", b"m", &[0; 64]));
    assert_eq!(refused["errors"][0]["code"], "jwks.invalid");
}

#[test]
fn constants_list_every_code_and_the_formats() {
    let value = to_json(&constants());
    assert_eq!(value["type"], "success");
    assert_eq!(value["bundleFormat"], BUNDLE_FORMAT);
    assert_eq!(value["tokenKinds"], json!(["identity", "access"]));
    assert_eq!(value["codes"].as_array().map(Vec::len), Some(Code::ALL.len()));
}

#[test]
fn every_function_answers_one_tagged_shape() {
    let files = rides();
    let built = build_bundle(&files);
    let bundle = serde_json::to_value(&built.clone().ok().expect("built").bundle).expect("json");
    assert_eq!(to_json(&built)["type"], "success");
    let mut authorizer = load(bundle.clone()).expect("loads");
    let text = bundle_text(&bundle, true).ok().expect("text").text;
    assert_eq!(load_text(&text).expect("loads from text").hash(), authorizer.hash());
    let compiled = compile_bundle(bundle.clone());
    let compiled_value = serde_json::to_value(&compiled.clone().ok().expect("compiled").bundle).expect("json");
    assert_eq!(load(compiled_value).expect("compiled loads").manifest(), authorizer.manifest());
    let input: Value = serde_json::from_str(REQUEST).expect("request");
    let answer = to_json(&is_authorized(&authorizer, &input));
    assert_eq!((answer["type"].as_str(), answer["decision"].as_str()), (Some("success"), Some("ALLOW")));
    let batch = to_json(&batch_is_authorized(&authorizer, &json!({ "requests": [input.clone(), input.clone()] })));
    assert_eq!(batch["results"].as_array().map(Vec::len), Some(2));
    let with_token = to_json(&is_authorized_with_token(&authorizer, &json!({ "identityToken": "x.y.z" }), 1.0e9));
    assert_eq!((with_token["type"].as_str(), with_token["decision"].as_str()), (Some("success"), Some("DENY")));
    assert!(with_token.get("validUntil").is_none(), "no validUntil for a token that did not verify");
    let clock = to_json(&is_authorized_with_token(&authorizer, &json!({ "identityToken": "x.y.z" }), f64::NAN));
    assert_eq!(clock["errors"][0]["code"], "internal.clock");
    let batch_token = to_json(&batch_is_authorized_with_token(&authorizer, &json!({ "requests": [{}] }), -1.0));
    assert_eq!(batch_token["results"][0]["errors"][0]["code"], "internal.clock");
    let http = to_json(&authorize_http(&authorizer, &json!({ "http": { "method": "GET", "path": "/riders" } }), 1.0e9));
    assert_eq!(
        (http["authenticated"].as_bool(), http["errors"][0]["code"].as_str()),
        (Some(false), Some("token.missing"))
    );
    let prepared = to_json(&prepare_http(&authorizer, &json!({ "token": "x.y.z" }), 1.0e9));
    assert_eq!(prepared["type"], "success");
    assert_eq!(prepared["authenticated"], false);
    let keys = to_json(&set_jwks(&mut authorizer, "https://not.an.issuer", &json!({ "keys": [] })));
    assert_eq!((keys["type"].as_str(), keys["errors"][0]["code"].as_str()), (Some("failure"), Some("jwks.invalid")));
    let explained = to_json(&explain_token(&authorizer, "x.y.z", "identity", 1.0e9));
    assert_eq!((explained["type"].as_str(), explained["verified"].as_bool()), (Some("success"), Some(false)));
    assert_eq!(to_json(&explain_token(&authorizer, "x", "refresh", 1.0))["type"], "failure");
    let described = to_json(&describe(&authorizer));
    assert_eq!(described["routes"].as_array().map(Vec::len), Some(6));
    assert_eq!(to_json(&stats(&authorizer))["type"], "success");
    let report = run_tests(&authorizer, &files).ok().expect("report");
    assert!(render_test_report(&report).ok().expect("text").text.contains("passed"));
    let checked = check_store(&files).ok().expect("checked");
    assert!(checked.diagnostics.is_empty());
    assert!(load_files(&files).is_ok());
}

#[test]
fn failures_carry_their_errors_and_nothing_is_thrown() {
    let mut broken = rides();
    broken.insert("bad.cedar".into(), "permit(principal, action, resource) when { nope };".into());
    let built = to_json(&build_bundle(&broken));
    assert_eq!(built["type"], "failure");
    assert_eq!(built["errors"][0]["code"], "policy.parse");
    assert_eq!(built["errors"][0]["file"], "bad.cedar");
    let rendered = render_diagnostics(build_bundle(&broken).errors(), &broken).ok().expect("text").text;
    assert!(rendered.contains("--> bad.cedar:1:"), "{rendered}");
    let failure = load(json!({ "format": "something" })).err().expect("refused");
    assert_eq!(failure.code(), Code::BundleFormat);
    assert_eq!(load_text("{ not json").err().map(|f| f.code()), Some(Code::BundleInvalid));
    assert_eq!(load_files(&broken).err().map(|f| f.code()), Some(Code::StoreInvalid));
    assert_eq!(to_json(&compile_bundle(json!([])))["type"], "failure");
}
