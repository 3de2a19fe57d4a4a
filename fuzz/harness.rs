#![allow(dead_code)]
//! What each fuzz target does with its input, shared with `tests/fuzz_regressions.rs`, which replays the
//! inputs in `fuzz/regressions/<target>/` (crashes found by fuzzing) in `make test`. Every function must
//! return normally for every input: a panic is a crash.

use std::collections::BTreeMap;
use std::path::Path;

use cedar_authorizer::store::StoreFiles;
use cedar_authorizer::token::TokenKind;
use cedar_authorizer::Authorizer;
use serde_json::{json, Value};

const NOW: u64 = 1_800_000_000;
const ISSUER: &str = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_DemoPool1";

/// The JWK of the RSA test key the seed tokens are signed with (Keats' jsonwebtoken test key).
const RSA_JWK: &str = r#"{"kty":"RSA","kid":"rsa-1","alg":"RS256","use":"sig","n":"yRE6rHuNR0QbHO3H3Kt2pOKGVhQqGZXInOduQNxXzuKlvQTLUTv4l4sggh5_CYYi_cvI-SXVT9kPWSKXxJXBXd_4LkvcPuUakBoAkfh-eiFVMh2VrUyWyj3MFl0HTVF9KwRXLAcwkREiS3npThHRyIxuy0ZMeZfxVL5arMhw1SRELB8HoGfG_AtH89BIE9jDBHZ9dLelK9a184zAf8LwoPLxvJb3Il5nncqPcSfKDDodMFBIMc4lQzDKL5gvmiXLXB1AGLm8KBjfE8s3L5xqi-yUod-j8MtvIj812dkS4QMiRVN_by2h3ZY8LYVGrqZXZTcgn2ujn8uKjXLZVD5TdQ","e":"AQAB"}"#;

fn read_store(dir: &Path) -> StoreFiles {
    let mut files = StoreFiles::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if let Ok(text) = std::fs::read_to_string(&path) {
                let rel = path.strip_prefix(dir).map(|p| p.to_string_lossy().replace('\\', "/")).unwrap_or_default();
                files.insert(rel, text);
            }
        }
    }
    files
}

fn store(name: &str) -> Authorizer {
    // The repository root: this file is built from the fuzz crate (fuzz/) and from the main crate's tests.
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    let root = if manifest.join("policies").is_dir() { manifest } else { manifest.parent().unwrap_or(manifest) };
    let dir = root.join("policies").join(name);
    let mut authorizer = Authorizer::from_files(&read_store(&dir)).expect("example store");
    if name == "rides" {
        let jwk: Value = serde_json::from_str(RSA_JWK).expect("jwk");
        authorizer.set_jwks(ISSUER, &json!({ "keys": [jwk] })).expect("keys");
    }
    authorizer
}

thread_local! {
    // Built once per thread (the authorizer holds key verifiers that are not shared across threads).
    static RIDES: Authorizer = store("rides");
    static SAAS: Authorizer = store("saas-tenants");
}

fn with_rides<T>(f: impl FnOnce(&Authorizer) -> T) -> T {
    RIDES.with(f)
}

/// Tokens: any string as an ID or access token, through verification, mapping and the HTTP path; and
/// any JSON object as claims, through the mapping alone.
pub fn token(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    with_rides(|authorizer| token_with(authorizer, data, &text));
}

fn token_with(authorizer: &Authorizer, data: &[u8], text: &str) {
    if let Ok(Value::Object(claims)) = serde_json::from_slice::<Value>(data) {
        for kind in [TokenKind::Identity, TokenKind::Access] {
            if let Ok(identity) = authorizer.identity_from_claims(&[(kind, &claims)]) {
                let _ = authorizer.authorize_identity(&identity, &json!({ "action": { "actionType": "Rides::Action", "actionId": "get /riders" }, "resource": { "entityType": "Rides::Application", "entityId": "Rides" } }));
            }
        }
        return;
    }
    for field in ["identityToken", "accessToken"] {
        let request = json!({ field: text, "action": { "actionType": "Rides::Action", "actionId": "get /riders" }, "resource": { "entityType": "Rides::Application", "entityId": "Rides" } });
        let answer = authorizer.is_authorized_with_token(&request, NOW);
        assert!(!answer.is_allow() || answer.errors.is_empty(), "an Allow with errors");
    }
    let _ = authorizer.authorize_http(&json!({ "token": text, "http": { "method": "GET", "path": "/riders" } }), NOW);
    let _ = authorizer.explain_token(text, TokenKind::Identity, NOW);
}

/// Bundles: any JSON as a bundle or compiled bundle, and any `{path: text}` object as a store's files.
pub fn bundle(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = cedar_authorizer::ffi::load_text(text);
    if let Ok(files) = serde_json::from_str::<BTreeMap<String, String>>(text) {
        let diagnostics = cedar_authorizer::authoring::check(&files);
        let _ = cedar_authorizer::diagnostics::render(&diagnostics, &|name| files.get(name).cloned());
        if let Some(bundle) = cedar_authorizer::authoring::build_bundle(&files).bundle {
            let _ = cedar_authorizer::authoring::compile_bundle(&bundle).and_then(|c| Authorizer::from_compiled(&c));
        }
    }
}

/// Requests: any JSON through isAuthorized (Verified Permissions' typed values and Cedar JSON) and
/// batchIsAuthorized, indexed and not, which must agree.
pub fn request(data: &[u8]) {
    let Ok(value) = serde_json::from_slice::<Value>(data) else {
        return;
    };
    let check = |authorizer: &Authorizer| {
        // Decisions, determining policies and error codes must agree; descriptions may name a different
        // vertex of the same entity cycle (Cedar reports whichever it meets first).
        let summary = |a: &cedar_authorizer::Answer| {
            let codes: Vec<String> = a.errors.iter().map(|e| format!("{} {:?}", e.code, e.policy_id)).collect();
            (a.decision, a.policy_ids().iter().map(|p| p.to_string()).collect::<Vec<_>>(), codes)
        };
        let indexed = authorizer.is_authorized(&value);
        let full = authorizer.is_authorized_unindexed(&value);
        assert_eq!(summary(&indexed), summary(&full), "the index and full evaluation disagree");
        let _ = authorizer.batch_is_authorized(
            &json!({ "requests": [value.clone(), value.clone()], "entities": value.get("entities") }),
        );
    };
    SAAS.with(check);
    RIDES.with(check);
}

/// Routes: any `authorizer.json` routes with any HTTP request.
pub fn routes(data: &[u8]) {
    let Ok(value) = serde_json::from_slice::<Value>(data) else {
        return;
    };
    let config = value.get("config").cloned().unwrap_or(Value::Null);
    let http = value.get("http").cloned().unwrap_or(Value::Null);
    if let Ok(config) = serde_json::from_value::<cedar_authorizer::store::config::AuthorizerConfig>(config) {
        if let Ok(routes) = cedar_authorizer::authorizer::routes::Routes::from_config(&config, Some("Rides")) {
            if let Ok(request) = cedar_authorizer::authorizer::routes::HttpRequest::from_value(&http) {
                let _ = routes.find(&request);
            }
        }
    }
    with_rides(|a| a.authorize_http(&json!({ "token": "x.y.z", "http": http, "allRoutes": true }), NOW));
}
