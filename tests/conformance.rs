//! Cedar's conformance corpus (`../shared/corpora/cedar`): 22 hand-written tests and 7,809 generated
//! ones, 62,546 requests, each through the Rust API. Decision, determining policies and erroring
//! policies must match; strict validation must pass exactly when `shouldValidate` says so.
//!
//! The generated corpus is the extracted `corpus-tests.tar.gz` (`make corpus` puts it in
//! `build/corpus`; `CEDAR_CORPUS_DIR` points elsewhere).

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use cedar_authorizer::authorizer::merge::{merge_with_closure, Merger};
use cedar_authorizer::request::decode_request;
use cedar_authorizer::store::{self, StoreFiles};
use cedar_authorizer::{Authorizer, Decision};
use serde_json::{json, Value};

fn shared_cedar() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpora/cedar")
}

fn generated_root() -> PathBuf {
    std::env::var_os("CEDAR_CORPUS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("build/corpus"))
}

/// Test descriptions: `(root their paths are relative to, test file)`.
fn test_files() -> Vec<(PathBuf, PathBuf)> {
    let mut out = Vec::new();
    let hand = shared_cedar();
    for group in ["decimal", "example_use_cases", "ip", "multi"] {
        let dir = hand.join("tests").join(group);
        let mut files: Vec<PathBuf> = fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|e| e.expect("entry").path())
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        files.sort();
        out.extend(files.into_iter().map(|f| (hand.clone(), f)));
    }
    let generated = generated_root();
    let dir = generated.join("corpus-tests");
    let mut files: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e} (run `make corpus` to extract the generated corpus)", dir.display()))
        .map(|e| e.expect("entry").path())
        .filter(|p| p.to_string_lossy().ends_with(".json") && !p.to_string_lossy().ends_with(".entities.json"))
        .collect();
    files.sort();
    out.extend(files.into_iter().map(|f| (generated.clone(), f)));
    out
}

fn read(root: &Path, rel: &str) -> String {
    fs::read_to_string(root.join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

#[derive(Default)]
struct Counts {
    tests: usize,
    requests: usize,
    allow: usize,
    deny: usize,
    validation_checked: usize,
    compiled_checked: usize,
    unindexed_checked: usize,
    text_read: usize,
    merge_checked: usize,
    merged_without_repair: usize,
    mismatches: Vec<String>,
}

/// The store's entities without the principal's, and the principal's as a request entity: each test's
/// principals are passed with the request instead, merged both without a closure repair and through
/// Cedar's own merge (src/authorizer/merge.rs). The two sets must be the same, and the decision on them the
/// corpus's.
struct PrincipalSplit {
    schema: cedar_policy::Schema,
    entities: Vec<Value>,
    splits: std::collections::HashMap<String, Option<(cedar_policy::Entities, Vec<cedar_policy::Entity>)>>,
}

impl PrincipalSplit {
    fn new(schema_text: &str, json_schema: bool, entities_text: &str) -> Option<PrincipalSplit> {
        let schema = if json_schema {
            cedar_policy::Schema::from_json_str(schema_text).ok()?
        } else {
            cedar_policy::Schema::from_cedarschema_str(schema_text).ok()?.0
        };
        let entities = serde_json::from_str::<Value>(entities_text).ok()?.as_array()?.clone();
        Some(PrincipalSplit { schema, entities, splits: Default::default() })
    }

    /// The store without `principal` (a `{type, id}`), and `principal` alone; `None` if the store lacks it.
    fn split(&mut self, principal: &Value) -> Option<&(cedar_policy::Entities, Vec<cedar_policy::Entity>)> {
        let key = principal.to_string();
        if !self.splits.contains_key(&key) {
            let is_it = |e: &&Value| e["uid"]["type"] == principal["type"] && e["uid"]["id"] == principal["id"];
            let split = self.entities.iter().find(is_it).and_then(|own| {
                let rest: Vec<Value> = self.entities.iter().filter(|e| !is_it(e)).cloned().collect();
                let statics = cedar_policy::Entities::from_json_value(Value::Array(rest), Some(&self.schema)).ok()?;
                let own = cedar_policy::Entity::from_json_value(own.clone(), Some(&self.schema)).ok()?;
                Some((statics, vec![own]))
            });
            self.splits.insert(key.clone(), split);
        }
        self.splits.get(&key).and_then(Option::as_ref)
    }
}

/// Two entity sets are the same: the same uids, each entity deep-equal (attributes and ancestors).
fn same_entities(a: &cedar_policy::Entities, b: &cedar_policy::Entities) -> bool {
    a.iter().count() == b.iter().count()
        && a.iter().all(|x| {
            b.get(&x.uid()).is_some_and(|y| AsRef::<cedar_policy_core::ast::Entity>::as_ref(x).deep_eq(y.as_ref()))
        })
}

fn run_test(root: &Path, file: &Path, counts: &mut Counts) {
    let test: Value = serde_json::from_str(&fs::read_to_string(file).expect("test file")).expect("test JSON");
    let name = file.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
    let schema_file = if test.get("schemaFormat").and_then(Value::as_str) == Some("json") {
        store::SCHEMA_JSON_FILE
    } else {
        store::SCHEMA_FILE
    };
    let files_with = |mode: &str| -> StoreFiles {
        [
            (schema_file.to_string(), read(root, test["schema"].as_str().expect("schema"))),
            ("policy.cedar".to_string(), read(root, test["policies"].as_str().expect("policies"))),
            (store::ENTITIES_FILE.to_string(), read(root, test["entities"].as_str().expect("entities"))),
            (store::CONFIG_FILE.to_string(), json!({"validationSettings": {"mode": mode}}).to_string()),
        ]
        .into_iter()
        .collect()
    };
    counts.tests += 1;
    // Strict validation agrees with `shouldValidate`.
    let should_validate = test["shouldValidate"].as_bool().expect("shouldValidate");
    let diagnostics = cedar_authorizer::authoring::check(&files_with("STRICT"));
    let validates = !diagnostics.iter().any(|d| d.code == "policy.validation");
    let other_errors: Vec<_> =
        diagnostics.iter().filter(|d| !d.is_warning() && d.code != "policy.validation").collect();
    counts.validation_checked += 1;
    if validates != should_validate || !other_errors.is_empty() {
        counts.mismatches.push(format!(
            "{name}: validates={validates}, shouldValidate={should_validate}, other errors {other_errors:?}"
        ));
    }
    let bundle = match cedar_authorizer::authoring::build_bundle(&files_with("OFF")).bundle {
        Some(bundle) => bundle,
        None => {
            counts.mismatches.push(format!("{name}: does not bundle"));
            return;
        }
    };
    let authorizer = match Authorizer::from_bundle(&bundle) {
        Ok(a) => a,
        Err(e) => {
            counts.mismatches.push(format!("{name}: does not load: {e}"));
            return;
        }
    };
    // The same store as a compiled bundle (policy set and schema JSON, no text parsing) must agree.
    let compiled =
        match cedar_authorizer::authoring::compile_bundle(&bundle).and_then(|c| Authorizer::from_compiled(&c)) {
            Ok(a) => a,
            Err(e) => {
                counts.mismatches.push(format!("{name}: the compiled bundle does not load: {e}"));
                return;
            }
        };
    let mut split = PrincipalSplit::new(
        &read(root, test["schema"].as_str().expect("schema")),
        schema_file == store::SCHEMA_JSON_FILE,
        &read(root, test["entities"].as_str().expect("entities")),
    );
    // Our ids are `policy.<index>`; the corpus's `policy<index>`.
    let corpus_id = |ours: &str| -> String {
        let index = authorizer.manifest().iter().position(|e| e.id == ours).unwrap_or(usize::MAX);
        format!("policy{index}")
    };
    for request in test["requests"].as_array().expect("requests") {
        counts.requests += 1;
        let input = json!({
            "principal": request["principal"],
            "action": request["action"],
            "resource": request["resource"],
            "context": request["context"],
        });
        let answer = authorizer.is_authorized(&input);
        counts.unindexed_checked += 1;
        if authorizer.is_authorized_unindexed(&input) != answer {
            counts.mismatches.push(format!(
                "{name} {}: the policy index answers differently from full evaluation",
                request["description"]
            ));
        }
        // The same request as JSON text, read without a `Value` of the whole request: it must be read that
        // way (the corpus writes its references in the common form) and answered the same.
        match compiled.is_authorized_text(&input.to_string()) {
            Some(text_answer) if text_answer == answer => counts.text_read += 1,
            Some(_) => counts
                .mismatches
                .push(format!("{name} {}: the request read from its text answers differently", request["description"])),
            None => {}
        }
        counts.compiled_checked += 1;
        if compiled.is_authorized(&input) != answer {
            counts
                .mismatches
                .push(format!("{name} {}: the compiled bundle answers differently", request["description"]));
        }
        if let Some((statics, own)) = split.as_mut().and_then(|s| s.split(&request["principal"])) {
            counts.merge_checked += 1;
            let merger = Merger::new(statics);
            counts.merged_without_repair += usize::from(merger.merge_without_repair(statics, own).is_some());
            let ours = merger.merge(statics, own.clone());
            let cedars = merge_with_closure(statics, own.clone());
            let agree = match (&ours, &cedars) {
                (Ok(ours), Ok(cedars)) => {
                    let parts = decode_request(&input).expect("request");
                    same_entities(ours, cedars) && authorizer.decide(parts, ours) == answer
                }
                (Err(_), Err(_)) => true,
                _ => false,
            };
            if !agree {
                counts.mismatches.push(format!(
                    "{name} {}: with the principal as a request entity: ours {:?}, Cedar's {:?}",
                    request["description"],
                    ours.map(|_| "merged"),
                    cedars.map(|_| "merged")
                ));
            }
        }
        let expected_decision = if request["decision"] == "allow" { Decision::Allow } else { Decision::Deny };
        match expected_decision {
            Decision::Allow => counts.allow += 1,
            Decision::Deny => counts.deny += 1,
        }
        let reasons: BTreeSet<String> = answer.policy_ids().into_iter().map(corpus_id).collect();
        let expected_reasons: BTreeSet<String> =
            request["reason"].as_array().expect("reason").iter().filter_map(|v| v.as_str().map(String::from)).collect();
        let errors: BTreeSet<String> = answer
            .errors
            .iter()
            .map(|e| e.policy_id.as_deref().map(corpus_id).unwrap_or_else(|| format!("<{e}>")))
            .collect();
        let expected_errors: BTreeSet<String> =
            request["errors"].as_array().expect("errors").iter().filter_map(|v| v.as_str().map(String::from)).collect();
        if answer.decision != expected_decision || reasons != expected_reasons || errors != expected_errors {
            counts.mismatches.push(format!(
                "{name} {}: expected {expected_decision} {expected_reasons:?} errors {expected_errors:?}, got {} {reasons:?} errors {errors:?}",
                request["description"], answer.decision
            ));
        }
    }
}

#[test]
fn conformance_corpus_agrees_through_the_rust_api() {
    let mut counts = Counts::default();
    for (root, file) in test_files() {
        run_test(&root, &file, &mut counts);
    }
    println!(
        "cedar conformance (Rust API): {} tests, {} requests ({} allow, {} deny), {} validation checks, {} compiled-bundle checks, {} indexed-versus-full checks, {} read from text, {} principal-as-request-entity checks ({} merged without a closure repair), {} mismatches",
        counts.tests,
        counts.requests,
        counts.allow,
        counts.deny,
        counts.validation_checked,
        counts.compiled_checked,
        counts.unindexed_checked,
        counts.text_read,
        counts.merge_checked,
        counts.merged_without_repair,
        counts.mismatches.len()
    );
    for m in counts.mismatches.iter().take(20) {
        println!("  {m}");
    }
    assert_eq!(counts.tests, 22 + 7_809);
    assert_eq!(counts.requests, 62_546);
    assert_eq!(counts.compiled_checked, 62_546);
    assert_eq!(counts.unindexed_checked, 62_546);
    assert_eq!(counts.text_read, 62_546);
    // Most requests' principals are store entities; most of those merge without a repair.
    assert!(counts.merge_checked > 30_000, "{}", counts.merge_checked);
    assert!(counts.merged_without_repair > counts.merge_checked / 2, "{}", counts.merged_without_repair);
    assert!(counts.mismatches.is_empty(), "{} mismatches", counts.mismatches.len());
}
