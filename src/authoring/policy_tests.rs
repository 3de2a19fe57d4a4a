//! Policy tests for users: files of requests with expected decisions, run against a store so teams can
//! unit-test their policies in their own CI.
//!
//! A test file (`tests/*.json` in a store) looks like
//!
//! ```json
//! {
//!   "description": "riders",
//!   "entities": [ ...shared by every case, Verified Permissions or Cedar form... ],
//!   "cases": [
//!     { "name": "a rider lists riders",
//!       "principal": {"entityType": "App::User", "entityId": "alice"},
//!       "action": {"actionType": "App::Action", "actionId": "get /riders"},
//!       "resource": {"entityType": "App::Application", "entityId": "App"},
//!       "context": {},
//!       "entities": [ ...this case only... ],
//!       "expect": { "decision": "ALLOW", "determiningPolicies": ["riders"], "errors": [] } }
//!   ]
//! }
//! ```
//!
//! `determiningPolicies` and `errors` (a list of error codes) are checked only when given.
//!
//! Instead of `principal`, a case may give `identityClaims` and/or `accessClaims`: the claims of an ID or
//! access token, mapped by the store's identity source exactly as a verified token's would be (signature,
//! time and audience checks aside), so token-based policies can be tested without keys.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::authorizer::Authorizer;
use crate::diagnostics::escape_controls;
use crate::errors::{Code, Error};
use crate::request::{Answer, Decision};
use crate::store::{StoreFiles, TESTS_DIR};
use crate::token::TokenKind;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(hashmap_as_object))]
#[serde(rename_all = "camelCase")]
pub struct Expectation {
    pub decision: Decision,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub determining_policies: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub errors: Option<Vec<String>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(hashmap_as_object))]
#[serde(rename_all = "camelCase")]
pub struct TestCase {
    pub name: String,
    pub expect: Expectation,
    /// Everything else: the request (`principal`, `action`, `resource`, `context`, `entities`).
    #[serde(flatten)]
    #[cfg_attr(target_arch = "wasm32", tsify(type = "Record<string, Value>"))]
    pub request: Map<String, Value>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(hashmap_as_object))]
#[serde(rename_all = "camelCase")]
pub struct TestFile {
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub entities: Vec<Value>,
    pub cases: Vec<TestCase>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(hashmap_as_object))]
#[serde(rename_all = "camelCase")]
pub struct CaseResult {
    pub file: String,
    pub name: String,
    pub passed: bool,
    pub request: Value,
    pub expect: Expectation,
    pub actual: Answer,
    /// One line per mismatch, empty when the case passed.
    pub differences: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(hashmap_as_object))]
#[serde(rename_all = "camelCase")]
pub struct TestReport {
    pub cases: Vec<CaseResult>,
    pub passed: usize,
    pub failed: usize,
    /// Test files that could not be read.
    pub diagnostics: Vec<Error>,
}

impl TestReport {
    pub fn ok(&self) -> bool {
        self.failed == 0 && self.diagnostics.is_empty()
    }
}

/// The test files of a store: `tests/*.json`.
pub fn test_files(files: &StoreFiles) -> Vec<(&String, &String)> {
    files.iter().filter(|(path, _)| path.starts_with(TESTS_DIR) && path.ends_with(".json")).collect()
}

/// Parses a test file: its cases, and a located diagnostic for each case that cannot be read (the others
/// still run). A file that is not JSON, or has no `cases` list, is one diagnostic and no cases.
pub fn parse_test_file(name: &str, text: &str) -> (Option<TestFile>, Vec<Error>) {
    #[derive(Deserialize)]
    struct RawFile<'a> {
        #[serde(default)]
        description: Option<String>,
        #[serde(default)]
        entities: Vec<Value>,
        #[serde(borrow)]
        cases: Vec<&'a serde_json::value::RawValue>,
    }
    let located = |e: &serde_json::Error, base: usize, within: &str, what: String| {
        let offset = base + crate::errors::offset_of(within, e.line(), e.column().max(1));
        Error::diagnostic(Code::TestsInvalid, what).in_file(name).at(text, offset, 1)
    };
    let raw: RawFile<'_> = match serde_json::from_str(text) {
        Ok(raw) => raw,
        Err(e) => return (None, vec![located(&e, 0, text, format!("invalid test file: {e}"))]),
    };
    let mut cases = Vec::with_capacity(raw.cases.len());
    let mut diagnostics = Vec::new();
    for (index, case) in raw.cases.iter().enumerate() {
        let within = case.get();
        let base = (within.as_ptr() as usize).saturating_sub(text.as_ptr() as usize);
        match serde_json::from_str::<TestCase>(within) {
            Ok(case) => cases.push(case),
            Err(e) => {
                let label = serde_json::from_str::<Value>(within)
                    .ok()
                    .and_then(|v| v.get("name").and_then(Value::as_str).map(|n| format!("`{n}`")))
                    .unwrap_or_else(|| format!("number {}", index + 1));
                let help = "a case has a `name`, the request, and `expect` with `decision` \"ALLOW\" or \"DENY\" (and optionally `determiningPolicies` and `errors`)";
                diagnostics.push(located(&e, base, within, format!("case {label} cannot be run: {e}")).with_help(help));
            }
        }
    }
    (Some(TestFile { description: raw.description, entities: raw.entities, cases }), diagnostics)
}

/// Runs one case: its request (with the file's shared entities added) against the authorizer.
pub fn run_case(authorizer: &Authorizer, file: &str, shared_entities: &[Value], case: &TestCase) -> CaseResult {
    let mut request = case.request.clone();
    if !shared_entities.is_empty() {
        let mut entities = shared_entities.to_vec();
        match request.get("entities") {
            Some(Value::Array(own)) => entities.extend(own.iter().cloned()),
            Some(Value::Object(own)) => {
                if let Some(Value::Array(list)) = own.get("entityList") {
                    entities.extend(list.iter().cloned())
                }
            }
            _ => {}
        }
        request.insert("entities".into(), Value::Array(entities));
    }
    let claim_sets: Vec<(TokenKind, &Map<String, Value>)> =
        [(TokenKind::Identity, "identityClaims"), (TokenKind::Access, "accessClaims")]
            .into_iter()
            .filter_map(|(kind, field)| case.request.get(field).and_then(Value::as_object).map(|claims| (kind, claims)))
            .collect();
    let actual = if claim_sets.is_empty() {
        authorizer.is_authorized(&Value::Object(request))
    } else {
        request.remove("identityClaims");
        request.remove("accessClaims");
        match authorizer.identity_from_claims(&claim_sets) {
            Ok(identity) => authorizer.authorize_identity(&identity, &Value::Object(request)),
            Err(e) => Answer::deny(e),
        }
    };
    let differences = compare(&case.expect, &actual);
    CaseResult {
        file: file.to_string(),
        name: case.name.clone(),
        passed: differences.is_empty(),
        request: Value::Object(case.request.clone()),
        expect: case.expect.clone(),
        actual,
        differences,
    }
}

/// Whether an error says the request itself could not be decided (invalid, malformed, a token that does
/// not map), rather than a policy's evaluation error: a DENY that carries one came from no policy.
fn refuses_the_request(error: &Error) -> bool {
    error.code() != Code::PolicyEvaluationError
}

fn compare(expect: &Expectation, actual: &Answer) -> Vec<String> {
    let mut differences = Vec::new();
    if expect.errors.is_none() && expect.decision == Decision::Deny && actual.decision == Decision::Deny {
        if let Some(error) = actual.errors.iter().find(|e| refuses_the_request(e)) {
            differences.push(format!(
                "the DENY comes from the request, not from a policy ({}: {}): fix the request, or expect that error with \"errors\": [\"{}\"]",
                error.code, error.error_description, error.code
            ));
        }
    }
    if expect.decision != actual.decision {
        differences.push(format!("decision: expected {}, got {}", expect.decision, actual.decision));
    }
    if let Some(expected) = &expect.determining_policies {
        let mut expected: Vec<&str> = expected.iter().map(String::as_str).collect();
        expected.sort_unstable();
        let got = actual.policy_ids();
        if expected != got {
            differences.push(format!("determiningPolicies: expected {expected:?}, got {got:?}"));
        }
    }
    if let Some(expected) = &expect.errors {
        let mut expected: Vec<&str> = expected.iter().map(String::as_str).collect();
        expected.sort_unstable();
        let mut got: Vec<&str> = actual.errors.iter().map(|e| e.code.as_str()).collect();
        got.sort_unstable();
        if expected != got {
            differences.push(format!("errors: expected {expected:?}, got {got:?}"));
        }
    }
    if differences.is_empty() {
        return differences;
    }
    for e in &actual.errors {
        differences.push(format!("  (answer error {e})"));
    }
    differences
}

/// Runs every test file of a store.
pub fn run(authorizer: &Authorizer, files: &StoreFiles) -> TestReport {
    let mut cases = Vec::new();
    let mut diagnostics = Vec::new();
    for (name, text) in test_files(files) {
        let (file, problems) = parse_test_file(name, text);
        diagnostics.extend(problems);
        for case in file.iter().flat_map(|f| f.cases.iter().map(move |c| (f, c))) {
            cases.push(run_case(authorizer, name, &case.0.entities, case.1));
        }
    }
    let passed = cases.iter().filter(|c| c.passed).count();
    TestReport { failed: cases.len() - passed, passed, cases, diagnostics }
}

/// A request's principal, action and resource in one short line: `User::"a" get /x App::"y"`.
pub fn request_summary(request: &Value) -> String {
    let part = |field: &str, type_key: &str, id_key: &str| {
        request
            .get(field)
            .and_then(|v| crate::request::entity_ref::EntityRef::from_value_with(v, type_key, id_key).ok())
            .map(|e| e.to_string())
            .unwrap_or_else(|| "-".into())
    };
    let action = request
        .get("action")
        .and_then(|v| crate::request::entity_ref::EntityRef::from_value_with(v, "actionType", "actionId").ok())
        .map(|e| e.id)
        .unwrap_or_else(|| "-".into());
    format!("{} {} {}", part("principal", "entityType", "entityId"), action, part("resource", "entityType", "entityId"))
}

/// The request with the principal a token case mapped to, for display.
fn principal_shown(case: &CaseResult) -> Value {
    let mut request = case.request.clone();
    if let (Some(map), Some(principal)) = (request.as_object_mut(), &case.actual.principal) {
        map.entry("principal").or_insert_with(|| serde_json::to_value(principal).unwrap_or(Value::Null));
    }
    request
}

/// The report as text: a line per case (PASS/FAIL, name, request, decision, determining policies), the
/// differences under each failure, and a summary.
///
/// Everything taken from the store or the answer (case names, policy ids, the request, the differences,
/// which quote values and error descriptions) is printed through [`escape_controls`], so that no control
/// character in a test file reaches the terminal; names are padded to the widest name as shown.
///
/// Test files or cases that could not be read are counted in the summary; their diagnostics are printed
/// apart, with the files' text (see `renderDiagnostics`).
pub fn render(report: &TestReport) -> String {
    let mut out = String::new();
    let names: Vec<_> = report.cases.iter().map(|c| escape_controls(&c.name)).collect();
    let width = names.iter().map(|n| n.chars().count()).max().unwrap_or(0);
    for (case, name) in report.cases.iter().zip(&names) {
        let codes: Vec<&str> = case.actual.errors.iter().map(|e| e.code.as_str()).collect();
        out.push_str(&format!(
            "{} {:width$}  {:5}  [{}]  {}{}\n",
            if case.passed { "PASS" } else { "FAIL" },
            name,
            case.actual.decision.to_string(),
            escape_controls(&case.actual.policy_ids().join(", ")),
            escape_controls(&request_summary(&principal_shown(case))),
            if codes.is_empty() { String::new() } else { format!("  errors: {}", codes.join(", ")) },
        ));
        for d in &case.differences {
            out.push_str(&format!("       {}\n", escape_controls(d)));
        }
    }
    let unread = report.diagnostics.len();
    out.push_str(&format!(
        "{} passed, {} failed{}\n",
        report.passed,
        report.failed,
        if unread == 0 {
            String::new()
        } else {
            format!(", {unread} test file(s) or case(s) not run (see the diagnostics)")
        }
    ));
    out
}
