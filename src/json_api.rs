//! The JSON-in, JSON-out twin of every function the wasm module exports, so `cargo test` exercises
//! exactly what JavaScript calls. Inputs that are not JSON become answers that say so, never panics.

use serde::Serialize;
use serde_json::{json, Value};

use crate::authorizer::Authorizer;
use crate::avp::Answer;
#[cfg(feature = "authoring")]
use crate::bundle;
use crate::bundle::LoadError;
#[cfg(feature = "authoring")]
use crate::diagnostics::{self, Diagnostic};
use crate::errors::{codes, ErrorItem};
#[cfg(feature = "authoring")]
use crate::policy_tests;
#[cfg(feature = "authoring")]
use crate::store::{self, StoreFiles};
use crate::token::TokenKind;

fn to_json<T: Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|e| json!({ "type": "failure", "errors": [e.to_string()] }).to_string())
}

#[cfg(feature = "authoring")]
/// A `{path: text}` object of store files.
pub fn parse_files(files_json: &str) -> Result<StoreFiles, LoadError> {
    serde_json::from_str(files_json).map_err(|e| LoadError {
        code: "store.invalid".into(),
        message: format!("store files must be a JSON object of path to text: {e}"),
        diagnostics: Vec::new(),
    })
}

#[cfg(feature = "authoring")]
/// `{bundle?, diagnostics}`.
pub fn build_bundle(files_json: &str) -> String {
    match parse_files(files_json) {
        Ok(files) => to_json(&bundle::build(&files)),
        Err(e) => to_json(&json!({ "diagnostics": [Diagnostic::error(&e.code, e.message)] })),
    }
}

#[cfg(feature = "authoring")]
/// Every diagnostic of a store, as a JSON list.
pub fn check_store(files_json: &str) -> String {
    match parse_files(files_json) {
        Ok(files) => to_json(&store::check(&files)),
        Err(e) => to_json(&vec![Diagnostic::error(&e.code, e.message)]),
    }
}

#[cfg(feature = "authoring")]
/// Diagnostics printed like a compiler's, with source lines from `files_json`.
pub fn render_diagnostics(diagnostics_json: &str, files_json: &str) -> String {
    let diagnostics: Vec<Diagnostic> = serde_json::from_str(diagnostics_json).unwrap_or_default();
    let files = parse_files(files_json).unwrap_or_default();
    diagnostics::render(&diagnostics, &|name| files.get(name).cloned())
}

pub fn load_authorizer_from_bundle(bundle_json: &str) -> Result<Authorizer, LoadError> {
    Authorizer::from_bundle_json(bundle_json)
}

#[cfg(feature = "authoring")]
pub fn load_authorizer_from_files(files_json: &str) -> Result<Authorizer, LoadError> {
    Authorizer::from_files(&parse_files(files_json)?)
}

/// A load error as the JSON the JavaScript side turns into an exception.
pub fn load_error_json(error: &LoadError) -> String {
    to_json(error)
}

fn malformed_input(e: serde_json::Error) -> ErrorItem {
    ErrorItem::new(codes::REQUEST_MALFORMED, format!("the request is not JSON: {e}"))
}

/// In test builds with the `fault-injection` feature, a request carrying `"__fault__": "trap"` panics,
/// which aborts (traps) the wasm instance.
fn inject_fault(input_json: &str) {
    #[cfg(feature = "fault-injection")]
    if input_json.contains("\"__fault__\":\"trap\"") {
        panic!("injected fault");
    }
    let _ = input_json;
}

pub fn is_authorized(authorizer: &Authorizer, input_json: &str) -> String {
    inject_fault(input_json);
    let answer = match serde_json::from_str::<Value>(input_json) {
        Ok(input) => authorizer.is_authorized(&input),
        Err(e) => Answer::deny(malformed_input(e)),
    };
    to_json(&answer)
}

pub fn batch_is_authorized(authorizer: &Authorizer, input_json: &str) -> String {
    match serde_json::from_str::<Value>(input_json) {
        Ok(input) => to_json(&authorizer.batch_is_authorized(&input)),
        Err(e) => to_json(&json!({ "results": [], "errors": [malformed_input(e)] })),
    }
}

/// The policy manifest: ids, kinds, effects, files and places.
pub fn manifest(authorizer: &Authorizer) -> String {
    to_json(&authorizer.manifest())
}

#[cfg(feature = "authoring")]
/// Runs a store's test files (`{path: text}`) against the authorizer: the report as JSON.
pub fn run_tests(authorizer: &Authorizer, files_json: &str) -> String {
    match parse_files(files_json) {
        Ok(files) => to_json(&policy_tests::run(authorizer, &files)),
        Err(e) => to_json(
            &json!({ "cases": [], "passed": 0, "failed": 0, "diagnostics": [Diagnostic::error(&e.code, e.message)] }),
        ),
    }
}

#[cfg(feature = "authoring")]
/// A test report (as returned by [`run_tests`]) as text.
pub fn render_test_report(report_json: &str) -> String {
    match serde_json::from_str::<policy_tests::TestReport>(report_json) {
        Ok(report) => policy_tests::render(&report),
        Err(e) => format!("not a test report: {e}\n"),
    }
}

fn token_kind(name: &str) -> Option<TokenKind> {
    match name {
        "identity" | "identityToken" | "id" => Some(TokenKind::Identity),
        "access" | "accessToken" => Some(TokenKind::Access),
        _ => None,
    }
}

/// Seconds since the epoch from a JavaScript number, or a DENY's reason when the clock is not a time.
fn seconds(now: f64) -> Result<u64, ErrorItem> {
    if now.is_finite() && now > 0.0 {
        Ok(now as u64)
    } else {
        Err(ErrorItem::new("internal.clock", format!("the clock reads {now}, not a time in seconds")))
    }
}

pub fn is_authorized_with_token(authorizer: &Authorizer, input_json: &str, now: f64) -> String {
    let answer = match serde_json::from_str::<Value>(input_json) {
        Ok(input) => match seconds(now) {
            Ok(now) => authorizer.is_authorized_with_token(&input, now),
            Err(e) => Answer::deny(e),
        },
        Err(e) => Answer::deny(malformed_input(e)),
    };
    to_json(&answer)
}

/// `IsAuthorizedWithToken` for callers that remember answers: `<validUntil>\n<answer JSON>`, where
/// `validUntil` is the second the verified token stops being accepted, or `-` when the token did not
/// verify (the answer must not be reused).
pub fn is_authorized_with_token_framed(authorizer: &Authorizer, input_json: &str, now: f64) -> String {
    inject_fault(input_json);
    let (answer, until) = match (serde_json::from_str::<Value>(input_json), seconds(now)) {
        (Ok(input), Ok(now)) => authorizer.is_authorized_with_token_until(&input, now),
        (Err(e), _) => (Answer::deny(malformed_input(e)), None),
        (_, Err(e)) => (Answer::deny(e), None),
    };
    format!("{}\n{}", until.map(|u| u.to_string()).unwrap_or_else(|| "-".into()), to_json(&answer))
}

pub fn batch_is_authorized_with_token(authorizer: &Authorizer, input_json: &str, now: f64) -> String {
    match (serde_json::from_str::<Value>(input_json), seconds(now)) {
        (Ok(input), Ok(now)) => to_json(&authorizer.batch_is_authorized_with_token(&input, now)),
        (Ok(input), Err(e)) => {
            let requests = input.get("requests").and_then(Value::as_array).cloned().unwrap_or_default();
            let results: Vec<_> = requests
                .into_iter()
                .map(|request| crate::avp::BatchResult { request, answer: Answer::deny(e.clone()) })
                .collect();
            to_json(&crate::avp::BatchAnswer { results })
        }
        (Err(e), _) => to_json(&json!({ "results": [], "errors": [malformed_input(e)] })),
    }
}

/// `{type: "success", issuer, keys, skipped}` or `{type: "failure", error}`.
pub fn set_jwks(authorizer: &mut Authorizer, issuer: &str, jwks_json: &str) -> String {
    let result = serde_json::from_str::<Value>(jwks_json)
        .map_err(|e| format!("the JWKS is not JSON: {e}"))
        .and_then(|jwks| authorizer.set_jwks(issuer, &jwks));
    match result {
        Ok(imported) => {
            let mut value = serde_json::to_value(imported).unwrap_or(Value::Null);
            value["type"] = json!("success");
            value.to_string()
        }
        Err(error) => json!({ "type": "failure", "error": error }).to_string(),
    }
}

/// Warnings about the store's configuration (it loaded all the same), as a JSON list of strings.
pub fn warnings(authorizer: &Authorizer) -> String {
    to_json(&authorizer.warnings())
}

pub fn issuers(authorizer: &Authorizer) -> String {
    to_json(&authorizer.issuers())
}

pub fn explain_token(authorizer: &Authorizer, token: &str, kind: &str, now: f64) -> String {
    match token_kind(kind) {
        Some(kind) => to_json(&authorizer.explain_token(token, kind, seconds(now).unwrap_or(0))),
        None => json!({ "verified": false, "error": { "code": "token.malformed", "message": format!("unknown token kind `{kind}`: use `identity` or `access`") } }).to_string(),
    }
}

/// `{hits, misses, entries}` of the verified-token cache.
pub fn token_cache_stats(authorizer: &Authorizer) -> String {
    let (hits, misses, entries) = authorizer.token_cache_stats();
    json!({ "hits": hits, "misses": misses, "entries": entries }).to_string()
}

/// `{hits, misses, entries}` of the merged entity-set cache.
pub fn entity_cache_stats(authorizer: &Authorizer) -> String {
    let (hits, misses, entries) = authorizer.entity_cache_stats();
    json!({ "hits": hits, "misses": misses, "entries": entries }).to_string()
}

/// An HTTP request through its route: the answer, `authenticated`, the route, and with `allRoutes` every
/// route's decision.
pub fn authorize_http(authorizer: &Authorizer, input_json: &str, now: f64) -> String {
    inject_fault(input_json);
    let answer = match (serde_json::from_str::<Value>(input_json), seconds(now)) {
        (Ok(input), Ok(now)) => return to_json(&authorizer.authorize_http(&input, now)),
        (Err(e), _) => malformed_input(e),
        (_, Err(e)) => e,
    };
    to_json(&json!({ "decision": "DENY", "determiningPolicies": [], "errors": [answer], "authenticated": false }))
}

/// An HTTP request verified and routed, not decided (for a decision cache's key).
pub fn prepare_http(authorizer: &Authorizer, input_json: &str, now: f64) -> String {
    let error = match (serde_json::from_str::<Value>(input_json), seconds(now)) {
        (Ok(input), Ok(now)) => return to_json(&authorizer.prepare_http(&input, now)),
        (Err(e), _) => malformed_input(e),
        (_, Err(e)) => e,
    };
    to_json(&json!({ "authenticated": false, "error": error }))
}

/// The store's routes.
pub fn routes(authorizer: &Authorizer) -> String {
    to_json(&authorizer.route_table())
}

/// A bundle (JSON text) compiled for runtimes that load compiled bundles only: the compiled bundle as
/// JSON, or `{type: "failure", error}`.
#[cfg(feature = "authoring")]
pub fn compile_bundle(bundle_json: &str) -> String {
    let compiled = crate::bundle::from_json_str(bundle_json).and_then(|b| crate::compiled::compile(&b));
    match compiled {
        Ok(compiled) => to_json(&compiled),
        Err(e) => json!({ "type": "failure", "error": e }).to_string(),
    }
}
