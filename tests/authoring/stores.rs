//! Every example store in `policies/` builds, and its test files pass through the Rust API.

use std::fs;
use std::path::Path;

use crate::common::read_store;
use cedar_authorizer::authoring::policy_tests;
use cedar_authorizer::Authorizer;

#[test]
fn example_stores_build_and_pass_their_tests() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("policies");
    let mut stores = 0;
    for entry in fs::read_dir(&root).expect("policies/") {
        let dir = entry.expect("entry").path();
        if !dir.is_dir() {
            continue;
        }
        stores += 1;
        let files = read_store(&dir);
        let authorizer = Authorizer::from_files(&files).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        let report = policy_tests::run(&authorizer, &files);
        let text = policy_tests::render(&report);
        assert!(report.ok(), "{}:\n{text}", dir.display());
        assert!(report.passed >= 9, "{}: only {} cases", dir.display(), report.passed);
    }
    assert_eq!(stores, 3, "rides, saas-tenants and photos");
}

#[test]
fn a_failing_expectation_fails_with_a_diff() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("policies/photos");
    let mut files = read_store(&root);
    let broken = files["tests/sharing.json"].replacen("\"ALLOW\"", "\"DENY\"", 1);
    files.insert("tests/sharing.json".into(), broken);
    let authorizer = Authorizer::from_files(&files).expect("loads");
    let report = policy_tests::run(&authorizer, &files);
    assert_eq!(report.failed, 1);
    let text = policy_tests::render(&report);
    assert!(text.contains("FAIL a friend views a shared vacation photo"), "{text}");
    assert!(text.contains("decision: expected DENY, got ALLOW"), "{text}");
}
