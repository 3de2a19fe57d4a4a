use super::*;

const SCHEMA: &str = r#"namespace App {
        entity User;
        entity Doc;
        action view appliesTo { principal: User, resource: Doc };
    }"#;

fn files(list: &[(&str, &str)]) -> StoreFiles {
    list.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

/// The first diagnostic of `code`: its line, column and the text it points at.
fn at(files: &StoreFiles, code: &str) -> (usize, usize, String) {
    at_about(files, code, "")
}

fn at_about(files: &StoreFiles, code: &str, about: &str) -> (usize, usize, String) {
    let diagnostics = check(files);
    let d = diagnostics
        .iter()
        .find(|d| d.code == code && d.error_description.contains(about))
        .unwrap_or_else(|| panic!("no {code} about {about}: {diagnostics:?}"));
    let text = &files[d.file.as_deref().expect("a file")];
    let (o, l) = (d.offset.expect("an offset"), d.length.expect("a length"));
    let p = d.start.expect("a place");
    (p.line, p.column, text[o..o + l].to_string())
}

#[test]
fn an_unknown_entity_type_in_entities_json() {
    let f = files(&[
        (SCHEMA_FILE, SCHEMA),
        ("p.cedar", "permit(principal, action, resource);"),
        (
            ENTITIES_FILE,
            "[\n  {\"uid\": {\"type\": \"App::User\", \"id\": \"a\"}, \"attrs\": {}, \"parents\": []},\n  {\"uid\": {\"type\": \"App::Usr\", \"id\": \"b\"}, \"attrs\": {}, \"parents\": []}\n]",
        ),
    ]);
    let (line, _, text) = at(&f, "entities.invalid");
    assert_eq!(line, 3);
    assert!(text.contains("App::Usr") || text == "\"b\"", "{text}");
}

#[test]
fn a_route_naming_a_missing_action_and_a_misspelt_principal_type() {
    let config = r#"{
  "identitySources": [
    {
      "principalEntityType": "App::Usr",
      "configuration": { "openIdConnectConfiguration": { "issuer": "https://issuer.example", "tokenSelection": { "identityTokenOnly": { "principalIdClaim": "sub", "clientIds": ["c"] } } } }
    }
  ],
  "routes": [
    { "method": "GET", "path": "/docs", "action": "view" },
    { "method": "GET", "path": "/docs/{id}", "action": "veiw" }
  ]
}"#;
    let f = files(&[(SCHEMA_FILE, SCHEMA), ("p.cedar", "permit(principal, action, resource);"), (CONFIG_FILE, config)]);
    assert_eq!(at_about(&f, "config.routes", "veiw"), (10, 56, "\"veiw\"".to_string()));
    let (line, _, text) = at_about(&f, "config.routes", "resource type");
    assert_eq!(line, 9, "{text}");
    let (line, column, text) = at(&f, "config.invalid");
    assert_eq!((line, column, text.as_str()), (4, 30, "\"App::Usr\""));
    let d = check(&f).into_iter().find(|d| d.code == "config.invalid").expect("config.invalid");
    assert!(d.error_description.ends_with("did you mean `App::User`?"), "{}", d.error_description);
}

#[test]
fn a_link_to_a_missing_template() {
    let f = files(&[
        (SCHEMA_FILE, SCHEMA),
        ("p.cedar", "@id(\"t\") permit(principal == ?principal, action, resource);"),
        (
            LINKS_FILE,
            "[\n  {\"id\": \"ok\", \"templateId\": \"t\", \"principal\": \"App::User::\\\"a\\\"\"},\n  {\"id\": \"bad\", \"templateId\": \"tt\", \"principal\": \"App::User::\\\"a\\\"\"}\n]",
        ),
    ]);
    let (line, _, text) = at(&f, "links.invalid");
    assert_eq!(line, 3, "{text}");
}

#[test]
fn a_type_error_in_a_json_schema() {
    let schema = r#"{
  "App": {
    "entityTypes": {
      "User": { "shape": { "type": "Record", "attributes": { "age": { "type": "Lnog" } } } }
    },
    "actions": {}
  }
}"#;
    let f = files(&[(SCHEMA_JSON_FILE, schema), ("p.cedar", "permit(principal, action, resource);")]);
    let diagnostics = check(&f);
    let d = diagnostics.iter().find(|d| !d.is_warning()).expect("an error");
    let p = d.start.expect("placed");
    assert_eq!((p.line, p.column, &schema[d.offset.unwrap_or(0)..][..6]), (4, 79, "\"Lnog\""), "{d:?}");
}
