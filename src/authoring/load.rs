//! Reading a store's files and compiling them: parsing the schema and policies, assigning policy ids,
//! linking templates, parsing static entities, and strict validation.

use std::collections::{HashMap, HashSet};
use std::str::FromStr;

use cedar_policy::{Entities, EntityUid, PolicyId, PolicySet, Schema, SlotId, Validator};
use serde_json::Value;

use crate::errors::position_of;
use crate::errors::{Code, Error, Severity};
use crate::store::config::{AuthorizerConfig, ValidationMode};
use crate::store::*;

/// Picks the store's parts out of its files. Files it does not know are ignored, except that a
/// misspelled known name is reported.
pub fn sources_from_files(files: &StoreFiles) -> Result<StoreSources, Vec<Error>> {
    let mut diagnostics = Vec::new();
    let schema = match (files.get(SCHEMA_FILE), files.get(SCHEMA_JSON_FILE)) {
        (Some(text), None) => {
            Some(SchemaSource { file: SCHEMA_FILE.into(), format: SchemaFormat::Cedar, text: text.clone() })
        }
        (None, Some(text)) => {
            Some(SchemaSource { file: SCHEMA_JSON_FILE.into(), format: SchemaFormat::Json, text: text.clone() })
        }
        (Some(_), Some(_)) => {
            diagnostics.push(
                Error::diagnostic(
                    Code::StoreSchema,
                    format!("the store has both `{SCHEMA_FILE}` and `{SCHEMA_JSON_FILE}`"),
                )
                .with_help("keep one schema file"),
            );
            None
        }
        (None, None) => {
            diagnostics.push(
                Error::diagnostic(Code::StoreSchema, "the store has no schema")
                    .with_help(format!("add `{SCHEMA_FILE}` (Cedar schema syntax) or `{SCHEMA_JSON_FILE}`")),
            );
            None
        }
    };
    let policy_files: Vec<SourceFile> = files
        .iter()
        .filter(|(path, _)| path.ends_with(".cedar") && !path.starts_with(TESTS_DIR))
        .map(|(path, text)| SourceFile { file: path.clone(), text: text.clone() })
        .collect();
    if policy_files.is_empty() {
        diagnostics.push(
            Error::warning(Code::StoreNoPolicies, "the store has no `.cedar` policy files")
                .with_help("without policies every request is denied"),
        );
    }
    let links = match files.get(LINKS_FILE) {
        Some(text) => match parse_json_file::<Vec<TemplateLink>>(LINKS_FILE, text) {
            Ok(links) => links,
            Err(d) => {
                diagnostics.push(
                    d.with_help("`links.json` is a list of {\"id\", \"templateId\", \"principal\", \"resource\"}"),
                );
                Vec::new()
            }
        },
        None => Vec::new(),
    };
    let entities = match files.get(ENTITIES_FILE) {
        Some(text) => match parse_json_file::<Vec<Value>>(ENTITIES_FILE, text) {
            Ok(entities) => entities,
            Err(d) => {
                diagnostics.push(d.with_help("`entities.json` is a list of entities in Cedar's entity JSON form"));
                Vec::new()
            }
        },
        None => Vec::new(),
    };
    let authorizer = match files.get(CONFIG_FILE) {
        Some(text) => match parse_json_file::<AuthorizerConfig>(CONFIG_FILE, text) {
            Ok(config) => config,
            Err(d) => {
                diagnostics.push(d.with_help("see js/schema/authorizer.schema.json for the file's shape"));
                AuthorizerConfig::default()
            }
        },
        None => AuthorizerConfig::default(),
    };
    for path in files.keys() {
        let lower = path.to_ascii_lowercase();
        let known = [SCHEMA_FILE, SCHEMA_JSON_FILE, LINKS_FILE, ENTITIES_FILE, CONFIG_FILE];
        if !known.contains(&path.as_str()) && known.contains(&lower.as_str()) {
            diagnostics.push(
                Error::diagnostic(Code::StoreFileName, format!("`{path}` is not read: names are case-sensitive"))
                    .with_help(format!("rename it to `{lower}`")),
            );
        }
    }
    match schema {
        Some(schema) if !has_errors(&diagnostics) => {
            Ok(StoreSources { schema, policy_files, links, entities, authorizer })
        }
        _ => Err(diagnostics),
    }
}

fn parse_json_file<T: serde::de::DeserializeOwned>(file: &str, text: &str) -> Result<T, Error> {
    serde_json::from_str(text).map_err(|e| {
        Error::diagnostic(Code::StoreJson, format!("invalid `{file}`: {}", strip_position(&e)))
            .in_file(file)
            .at_line_column(text, e.line(), e.column().max(1))
    })
}

/// serde_json appends " at line L column C" to its messages; the diagnostic carries the place instead.
fn strip_position(e: &serde_json::Error) -> String {
    let text = e.to_string();
    match text.rfind(" at line ") {
        Some(i) => text[..i].to_string(),
        None => text,
    }
}

pub fn has_errors(diagnostics: &[Error]) -> bool {
    diagnostics.iter().any(|d| !d.is_warning())
}

/// Turns store sources into Cedar objects. With `validate`, every policy, template and link is checked
/// against the schema in strict mode (unless the store's `validationSettings.mode` is `OFF`). Returns the
/// compiled store when there are no errors, and every diagnostic (errors and warnings) either way.
pub fn parse_store(sources: &StoreSources, validate: bool) -> (Option<PolicyStore>, Vec<Error>) {
    let mut diagnostics = Vec::new();
    let schema = parse_schema(&sources.schema, &mut diagnostics);
    let (policies, manifest) = parse_policies(sources, &mut diagnostics);
    let Some(schema) = schema else {
        return (None, diagnostics);
    };
    let namespace = sources.authorizer.namespace.clone().or_else(|| action_namespace(&schema));
    let entities = match Entities::from_json_value(Value::Array(sources.entities.clone()), Some(&schema)) {
        Ok(entities) => Some(entities),
        Err(e) => {
            diagnostics.extend(
                crate::diagnostics::from_miette(Code::EntitiesInvalid, Severity::Error, &e, None)
                    .into_iter()
                    .map(|d| d.in_file(ENTITIES_FILE).with_help("each entity must match its type in the schema")),
            );
            None
        }
    };
    let types = super::schema_types(&sources.schema);
    for problem in crate::token::sources::check_against_schema(&sources.authorizer, &types) {
        diagnostics.push(Error::diagnostic(Code::ConfigInvalid, problem).in_file(CONFIG_FILE));
    }
    if let Ok(resolved) = crate::token::sources::resolve(&sources.authorizer) {
        for warning in crate::token::sources::warnings(&resolved) {
            diagnostics.push(Error::warning(Code::ConfigAnyAudience, warning).in_file(CONFIG_FILE));
        }
    }
    let schema_actions: HashSet<EntityUid> = schema.actions().cloned().collect();
    let route_problems = match crate::authorizer::routes::Routes::from_config(&sources.authorizer, namespace.as_deref())
    {
        Ok(routes) => routes.check_against_schema(&schema_actions, &types),
        Err(errors) => errors,
    };
    for problem in route_problems {
        diagnostics.push(Error::diagnostic(Code::ConfigRoutes, problem).in_file(CONFIG_FILE));
    }
    let strict = validate && sources.authorizer.validation_settings.mode == ValidationMode::Strict;
    // Validate whatever parsed, so one run reports every problem of the store.
    if strict {
        validate_policies(&schema, &policies, &manifest, sources, &mut diagnostics);
        diagnostics.extend(super::has_check::undeclared_has(
            &schema,
            &types,
            &policies,
            &manifest,
            &sources.policy_files,
        ));
    }
    if has_errors(&diagnostics) {
        return (None, diagnostics);
    }
    let Some(entities) = entities else {
        return (None, diagnostics);
    };
    let compiled = PolicyStore {
        schema,
        policies,
        entities,
        config: sources.authorizer.clone(),
        manifest,
        namespace,
        actions: schema_actions,
    };
    (Some(compiled), diagnostics)
}

fn parse_schema(source: &SchemaSource, diagnostics: &mut Vec<Error>) -> Option<Schema> {
    let file = Some((source.file.as_str(), source.text.as_str()));
    match source.format {
        SchemaFormat::Cedar => match Schema::from_cedarschema_str(&source.text) {
            Ok((schema, warnings)) => {
                for w in warnings {
                    diagnostics.extend(crate::diagnostics::from_miette(
                        Code::SchemaWarning,
                        Severity::Warning,
                        &w,
                        file,
                    ));
                }
                Some(schema)
            }
            Err(e) => {
                diagnostics.extend(crate::diagnostics::from_miette(Code::SchemaParse, Severity::Error, &e, file));
                None
            }
        },
        SchemaFormat::Json => match Schema::from_json_str(&source.text) {
            Ok(schema) => Some(schema),
            Err(e) => {
                diagnostics.extend(crate::diagnostics::from_miette(Code::SchemaParse, Severity::Error, &e, file));
                None
            }
        },
    }
}

/// The namespace of the schema's actions, when they all share one.
fn action_namespace(schema: &Schema) -> Option<String> {
    let namespaces: HashSet<String> = schema.actions().map(|a| a.type_name().namespace()).collect();
    match namespaces.into_iter().collect::<Vec<_>>().as_slice() {
        [one] if !one.is_empty() => Some(one.clone()),
        _ => None,
    }
}

/// The stem of a policy file's name: `policies/admin.cedar` gives `admin`.
fn file_stem(path: &str) -> &str {
    let name = path.rsplit('/').next().unwrap_or(path);
    name.strip_suffix(".cedar").unwrap_or(name)
}

fn parse_policies(sources: &StoreSources, diagnostics: &mut Vec<Error>) -> (PolicySet, Vec<PolicyEntry>) {
    let mut set = PolicySet::new();
    let mut manifest: Vec<PolicyEntry> = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    for source in &sources.policy_files {
        let file = Some((source.file.as_str(), source.text.as_str()));
        // Measured before Cedar parses the file: its parser, too, recurses once per level.
        let too_deep = too_deep_policies(source);
        if !too_deep.is_empty() {
            diagnostics.extend(too_deep);
            continue;
        }
        let parsed = match PolicySet::from_str(&source.text) {
            Ok(parsed) => parsed,
            Err(errors) => {
                for e in errors.iter() {
                    diagnostics.extend(crate::diagnostics::from_miette(Code::PolicyParse, Severity::Error, e, file));
                }
                continue;
            }
        };
        let spans = policy_spans(&source.text);
        // `from_str` numbers policies and templates `policy0`, `policy1`, ... in source order.
        let mut items: Vec<(usize, Item)> = parsed
            .policies()
            .map(|p| (auto_index(p.id()), Item::Static(p.clone())))
            .chain(parsed.templates().map(|t| (auto_index(t.id()), Item::Template(t.clone()))))
            .collect();
        items.sort_by_key(|(i, _)| *i);
        for (index, item) in items {
            let annotated = item.annotation("id").map(str::to_string);
            let id = annotated.clone().unwrap_or_else(|| format!("{}.{index}", file_stem(&source.file)));
            let span = spans.get(index).cloned();
            let mut entry = PolicyEntry {
                id: id.clone(),
                kind: item.kind(),
                effect: item.effect(),
                file: source.file.clone(),
                template_id: None,
                offset: None,
                length: None,
                start: None,
                end: None,
            };
            if let Some((start, end)) = span {
                entry.offset = Some(start);
                entry.length = Some(end - start);
                entry.start = Some(position_of(&source.text, start));
                entry.end = Some(position_of(&source.text, end));
            }
            let located = |d: Error| match span {
                Some((start, end)) => d.in_file(&source.file).at(&source.text, start, end - start),
                None => d.in_file(&source.file),
            };
            if annotated.as_deref() == Some("") {
                diagnostics.push(located(Error::diagnostic(Code::PolicyId, "`@id` annotation is empty")));
                continue;
            }
            if let Some(&previous) = seen.get(&id) {
                let other = &manifest[previous];
                let place = match other.start {
                    Some(p) => format!("{}:{}:{}", other.file, p.line, p.column),
                    None => other.file.clone(),
                };
                diagnostics.push(located(
                    Error::diagnostic(Code::PolicyDuplicateId, format!("policy id `{id}` is already used at {place}"))
                        .with_help("give each policy a unique `@id(\"...\")` annotation"),
                ));
                continue;
            }
            let result = match item {
                Item::Static(p) => set.add(p.new_id(PolicyId::new(&id))),
                Item::Template(t) => set.add_template(t.new_id(PolicyId::new(&id))),
            };
            if let Err(e) = result {
                diagnostics.extend(
                    crate::diagnostics::from_miette(Code::PolicyInvalid, Severity::Error, &e, None)
                        .into_iter()
                        .map(located),
                );
                continue;
            }
            seen.insert(id, manifest.len());
            manifest.push(entry);
        }
    }
    for link in &sources.links {
        let mut values = HashMap::new();
        let mut bad = false;
        for (slot, value) in [(SlotId::principal(), &link.principal), (SlotId::resource(), &link.resource)] {
            if let Some(value) = value {
                match value.to_uid() {
                    Ok(uid) => {
                        values.insert(slot, uid);
                    }
                    Err(message) => {
                        diagnostics.push(
                            Error::diagnostic(Code::LinksInvalid, format!("link `{}`: {message}", link.id))
                                .in_file(LINKS_FILE),
                        );
                        bad = true;
                    }
                }
            }
        }
        if bad {
            continue;
        }
        if seen.contains_key(&link.id) {
            diagnostics.push(
                Error::diagnostic(Code::LinksDuplicateId, format!("link id `{}` is already used by a policy", link.id))
                    .in_file(LINKS_FILE),
            );
            continue;
        }
        let template_file = manifest
            .iter()
            .find(|e| e.id == link.template_id)
            .map(|e| e.file.clone())
            .unwrap_or_else(|| LINKS_FILE.to_string());
        match set.link(PolicyId::new(&link.template_id), PolicyId::new(&link.id), values) {
            Ok(()) => {
                let effect = set
                    .template(&PolicyId::new(&link.template_id))
                    .map(|t| effect_name(t.effect()))
                    .unwrap_or_default();
                seen.insert(link.id.clone(), manifest.len());
                manifest.push(PolicyEntry {
                    id: link.id.clone(),
                    kind: PolicyKind::Link,
                    effect,
                    file: template_file,
                    template_id: Some(link.template_id.clone()),
                    offset: None,
                    length: None,
                    start: None,
                    end: None,
                });
            }
            Err(e) => diagnostics.push(
                Error::diagnostic(
                    Code::LinksInvalid,
                    format!("link `{}`: {}", link.id, crate::diagnostics::error_chain(&e)),
                )
                .in_file(LINKS_FILE)
                .with_help("each link names a template of the store and a value for each of its slots"),
            ),
        }
    }
    (set, manifest)
}

/// A diagnostic for each policy of a file whose conditions nest deeper than the engine's stack allows.
fn too_deep_policies(source: &SourceFile) -> Vec<Error> {
    policy_spans(&source.text)
        .into_iter()
        .filter_map(|(start, end)| {
            let depth = super::depth::condition_depth(&source.text[start..end]).err()?;
            Some(
                Error::diagnostic(
                    Code::PolicyTooDeep,
                    format!(
                        "this policy's condition nests at least {depth} levels deep, over the limit of {}: the engine recurses once per level and would run out of stack",
                        super::depth::MAX_DEPTH
                    ),
                )
                .in_file(&source.file)
                .at(&source.text, start, end - start)
                .with_help("split the policy, or test membership with a set: `[\"a\", \"b\"].contains(x)` instead of a chain of `||`"),
            )
        })
        .collect()
}

enum Item {
    Static(cedar_policy::Policy),
    Template(cedar_policy::Template),
}

impl Item {
    fn annotation(&self, key: &str) -> Option<&str> {
        match self {
            Item::Static(p) => p.annotation(key),
            Item::Template(t) => t.annotation(key),
        }
    }
    fn kind(&self) -> PolicyKind {
        match self {
            Item::Static(_) => PolicyKind::Static,
            Item::Template(_) => PolicyKind::Template,
        }
    }
    fn effect(&self) -> String {
        match self {
            Item::Static(p) => effect_name(p.effect()),
            Item::Template(t) => effect_name(t.effect()),
        }
    }
}

fn effect_name(effect: cedar_policy::Effect) -> String {
    match effect {
        cedar_policy::Effect::Permit => "permit".into(),
        cedar_policy::Effect::Forbid => "forbid".into(),
    }
}

fn auto_index(id: &PolicyId) -> usize {
    id.to_string().strip_prefix("policy").and_then(|n| n.parse().ok()).unwrap_or(usize::MAX)
}

/// Byte ranges of the policies in a policy file, in order: from each policy's first token (its first
/// annotation, or `permit`/`forbid`) to its closing `;`. `;` ends a policy wherever it appears outside a
/// string or comment, since Cedar's grammar uses it nowhere else.
pub fn policy_spans(text: &str) -> Vec<(usize, usize)> {
    let bytes = text.as_bytes();
    let mut spans = Vec::new();
    let mut start: Option<usize> = None;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'/' if bytes.get(i + 1) == Some(&b'/') => {
                while i < bytes.len() && bytes[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            b'"' => {
                start.get_or_insert(i);
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
            }
            b';' => {
                if let Some(s) = start.take() {
                    spans.push((s, i + 1));
                }
            }
            b if b.is_ascii_whitespace() => {}
            _ => {
                start.get_or_insert(i);
            }
        }
        i += 1;
    }
    spans
}

fn validate_policies(
    schema: &Schema,
    policies: &PolicySet,
    manifest: &[PolicyEntry],
    sources: &StoreSources,
    diagnostics: &mut Vec<Error>,
) {
    let validator = Validator::new(schema.clone());
    let result = validator.validate(policies, cedar_policy::ValidationMode::Strict);
    let file_of = |id: &str| -> Option<(&str, &str)> {
        let entry = manifest.iter().find(|e| e.id == id)?;
        let source = sources.policy_files.iter().find(|f| f.file == entry.file)?;
        Some((source.file.as_str(), source.text.as_str()))
    };
    for e in result.validation_errors() {
        let id = e.policy_id().to_string();
        diagnostics.extend(
            crate::diagnostics::from_miette(Code::PolicyValidation, Severity::Error, e, file_of(&id))
                .into_iter()
                .map(|d| d.for_policy(&id)),
        );
    }
    for w in result.validation_warnings() {
        let id = w.policy_id().to_string();
        // A policy whose scope matches no action applicable to its principal and resource can never
        // apply: almost always a misspelt action or entity type. Strict bundles reject it, as Cedar's
        // validator did before 4.11 and as the conformance corpus expects.
        let (code, severity) = match w {
            cedar_policy::ValidationWarning::InvalidActionApplication(_) => (Code::PolicyValidation, Severity::Error),
            _ => (Code::PolicyValidationWarning, Severity::Warning),
        };
        diagnostics.extend(crate::diagnostics::from_miette(code, severity, w, file_of(&id)).into_iter().map(|d| {
            let d = d.for_policy(&id);
            if severity == Severity::Error && d.help.is_none() {
                d.with_help(
                    "check the action names and the principal and resource types against the schema's `appliesTo`",
                )
            } else {
                d
            }
        }));
    }
}

/// Checks a store without building anything: every diagnostic, errors and warnings.
pub fn check(files: &StoreFiles) -> Vec<Error> {
    let mut diagnostics = match sources_from_files(files) {
        Ok(sources) => parse_store(&sources, true).1,
        Err(diagnostics) => diagnostics,
    };
    super::locate::locate_in_files(&mut diagnostics, files);
    diagnostics
}

/// Parses an entity uid written in Cedar syntax, such as `App::User::"alice"`.
pub fn parse_uid(text: &str) -> Result<EntityUid, String> {
    EntityUid::from_str(text)
        .map_err(|e| format!("`{text}` is not an entity uid: {}", crate::diagnostics::error_chain(&e)))
}

#[cfg(test)]
mod tests {
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
        let f =
            files(&[(SCHEMA_FILE, SCHEMA), ("bad.cedar", "permit(principal, action, resource)\nwhen { principal. };")]);
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
}

#[cfg(test)]
mod located_json_diagnostics {
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
        let f =
            files(&[(SCHEMA_FILE, SCHEMA), ("p.cedar", "permit(principal, action, resource);"), (CONFIG_FILE, config)]);
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
}
