use super::*;

fn files(list: &[(&str, &str)]) -> StoreFiles {
    list.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

const SCHEMA: &str = r#"namespace App {
        entity User in [Group];
        entity Group;
        entity Doc { owner: User };
        action view appliesTo { principal: User, resource: Doc };
    }"#;

#[test]
fn spans_follow_policies_and_skip_comments_and_strings() {
    let text = "// a; comment\n@id(\"x;y\")\npermit(principal, action, resource);\n\nforbid(principal, action, resource) when { \"a;b\" == \"c\" };";
    let spans = policy_spans(text);
    assert_eq!(spans.len(), 2);
    assert!(text[spans[0].0..spans[0].1].starts_with("@id(\"x;y\")"));
    assert!(text[spans[1].0..spans[1].1].starts_with("forbid"));
    assert!(text[spans[1].0..spans[1].1].ends_with("};"));
}

#[test]
fn ids_come_from_annotation_or_file_stem_and_index() {
    let f = files(&[
        (SCHEMA_FILE, SCHEMA),
        (
            "docs.cedar",
            "permit(principal, action == App::Action::\"view\", resource);\n@id(\"owner-can-view\")\npermit(principal, action == App::Action::\"view\", resource) when { resource.owner == principal };\npermit(principal in ?principal, action, resource);",
        ),
    ]);
    let sources = sources_from_files(&f).expect("sources");
    let (compiled, diagnostics) = parse_store(&sources, true);
    assert!(!has_errors(&diagnostics), "{diagnostics:?}");
    let ids: Vec<_> = compiled.expect("compiled").manifest.iter().map(|e| (e.id.clone(), e.kind)).collect();
    assert_eq!(
        ids,
        vec![
            ("docs.0".to_string(), PolicyKind::Static),
            ("owner-can-view".to_string(), PolicyKind::Static),
            ("docs.2".to_string(), PolicyKind::Template),
        ]
    );
}

#[test]
fn validation_errors_point_into_the_file() {
    let f = files(&[
        (SCHEMA_FILE, SCHEMA),
        (
            "bad.cedar",
            "permit(principal, action == App::Action::\"view\", resource)\nwhen { resource.ownr == principal };",
        ),
    ]);
    let diagnostics = check(&f);
    let e = diagnostics.iter().find(|d| d.code == "policy.validation").expect("a validation error");
    assert_eq!(e.file.as_deref(), Some("bad.cedar"));
    assert_eq!(e.policy_id.as_deref(), Some("bad.0"));
    assert_eq!(e.start.map(|p| p.line), Some(2));
    assert!(e.to_string().contains("ownr"), "{e}");
}

#[test]
fn parse_errors_point_into_the_file() {
    let f = files(&[(SCHEMA_FILE, SCHEMA), ("bad.cedar", "permit(principal, action, resource)\nwhen { principal. };")]);
    let diagnostics = check(&f);
    let e = diagnostics.iter().find(|d| d.code == "policy.parse").expect("a parse error");
    assert_eq!(e.file.as_deref(), Some("bad.cedar"));
    assert_eq!(e.start.map(|p| p.line), Some(2));
}

#[test]
fn duplicate_ids_and_bad_links_are_errors() {
    let f = files(&[
        (SCHEMA_FILE, SCHEMA),
        ("a.cedar", "@id(\"x\") permit(principal, action, resource);"),
        ("b.cedar", "@id(\"x\") permit(principal, action, resource);"),
        (LINKS_FILE, r#"[{"id": "l1", "templateId": "nope", "principal": {"type": "App::User", "id": "a"}}]"#),
    ]);
    let diagnostics = check(&f);
    assert!(diagnostics.iter().any(|d| d.code == "policy.duplicate_id" && d.file.as_deref() == Some("b.cedar")));
    assert!(diagnostics.iter().any(|d| d.code == "links.invalid"));
}

#[test]
fn missing_schema_and_bad_json_are_reported() {
    let diagnostics = check(&files(&[("a.cedar", "permit(principal, action, resource);")]));
    assert!(diagnostics.iter().any(|d| d.code == "store.schema"));
    let diagnostics = check(&files(&[(SCHEMA_FILE, SCHEMA), (ENTITIES_FILE, "[\n  {\"uid\": }\n]")]));
    let d = diagnostics.iter().find(|d| d.code == "store.json").expect("json error");
    assert_eq!(d.start.map(|p| p.line), Some(2));
}
