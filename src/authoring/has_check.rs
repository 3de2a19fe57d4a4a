//! A warning Cedar's validator cannot give: a `has` test of an attribute the schema never declares.
//!
//! Strict validation types `principal has emial` as `false` when `emial` is not declared, so a policy
//! guarded by a misspelt `has` validates clean and then never applies: the store denies everything it
//! was meant to permit. Where the tested value's type is known from the policy's scope (the principal,
//! the resource, the context, and attributes reached from them), a `has` of an attribute that none of its
//! possible types declares is reported with the nearest declared name.

use std::collections::BTreeSet;

use cedar_policy::{EntityUid, Schema};
use serde_json::Value;

use crate::diagnostics::closest;
use crate::errors::{Code, Error};
use crate::store::schema_types::{CedarType, RecordType, SchemaTypes};
use crate::store::{PolicyEntry, PolicyKind, SourceFile};

/// Warnings for every `has` of an undeclared attribute in the store's policies and templates.
pub fn undeclared_has(
    schema: &Schema,
    types: &SchemaTypes,
    policies: &cedar_policy::PolicySet,
    manifest: &[PolicyEntry],
    files: &[SourceFile],
) -> Vec<Error> {
    let mut warnings = Vec::new();
    for entry in manifest {
        let id = cedar_policy::PolicyId::new(&entry.id);
        let json = match entry.kind {
            PolicyKind::Static => policies.policy(&id).and_then(|p| p.to_json().ok()),
            PolicyKind::Template => policies.template(&id).and_then(|t| t.to_json().ok()),
            PolicyKind::Link => None,
        };
        let Some(json) = json else { continue };
        let scope = Scope::of(&json, schema, types);
        let mut found = Vec::new();
        visit(&json, &mut |left, attrs| scope.check(left, attrs, &mut found));
        let source = files.iter().find(|f| f.file == entry.file);
        let mut searched_from = entry.offset.unwrap_or(0);
        for (attr, near) in found {
            let mut warning = Error::warning(
                Code::PolicyUndeclaredAttribute,
                format!("`has {attr}` is always false: no type this value can have declares `{attr}`"),
            )
            .for_policy(&entry.id)
            .in_file(&entry.file);
            warning = match near {
                Some(near) => warning.with_help(format!("did you mean `{near}`?")),
                None => warning.with_help("declare the attribute in the schema, or test one it declares"),
            };
            if let Some(source) = source {
                let end = entry.offset.zip(entry.length).map(|(o, l)| o + l).unwrap_or(source.text.len());
                match find_has(&source.text, searched_from, end, &attr) {
                    Some((at, len)) => {
                        searched_from = at + len;
                        warning = warning.at(&source.text, at, len);
                    }
                    None => {
                        if let (Some(o), Some(l)) = (entry.offset, entry.length) {
                            warning = warning.at(&source.text, o, l);
                        }
                    }
                }
            }
            warnings.push(warning);
        }
    }
    warnings
}

/// Calls `f(left, attrs)` for every `has` in a policy's JSON (EST) form.
fn visit(json: &Value, f: &mut dyn FnMut(&Value, Vec<String>)) {
    match json {
        Value::Object(map) => {
            if let Some(Value::Object(has)) = map.get("has") {
                let attrs = match has.get("attr") {
                    Some(Value::String(a)) => vec![a.clone()],
                    Some(Value::Array(list)) => list.iter().filter_map(Value::as_str).map(str::to_string).collect(),
                    _ => Vec::new(),
                };
                if let (Some(left), false) = (has.get("left"), attrs.is_empty()) {
                    f(left, attrs);
                }
            }
            for value in map.values() {
                visit(value, f);
            }
        }
        Value::Array(list) => list.iter().for_each(|v| visit(v, f)),
        _ => {}
    }
}

/// The types a policy's variables can have, from its scope and the schema.
struct Scope<'s> {
    types: &'s SchemaTypes,
    principals: Vec<String>,
    resources: Vec<String>,
    contexts: Vec<&'s RecordType>,
}

impl<'s> Scope<'s> {
    fn of(policy: &Value, schema: &Schema, types: &'s SchemaTypes) -> Scope<'s> {
        let actions = scope_actions(policy.get("action"), schema);
        let applicable = |which: fn(&Schema, &EntityUid) -> Vec<String>| -> Vec<String> {
            let all: BTreeSet<String> = actions.iter().flat_map(|a| which(schema, a)).collect();
            all.into_iter().collect()
        };
        let principals = scope_type(policy.get("principal"))
            .map(|t| vec![t])
            .unwrap_or_else(|| applicable(|s, a| names(s.principals_for_action(a))));
        let resources = scope_type(policy.get("resource"))
            .map(|t| vec![t])
            .unwrap_or_else(|| applicable(|s, a| names(s.resources_for_action(a))));
        let contexts = actions.iter().filter_map(|a| types.action_context(&a.to_string())).collect();
        Scope { types, principals, resources, contexts }
    }

    /// Records what is wrong with `left has a.b.c`: the first attribute no possible type declares.
    fn check(&self, left: &Value, attrs: Vec<String>, found: &mut Vec<(String, Option<String>)>) {
        let Some(mut records) = self.records_of(left) else { return };
        for attr in attrs {
            if records.is_empty() {
                return;
            }
            if !records.iter().any(|r| r.contains_key(&attr)) {
                let declared: BTreeSet<&str> = records.iter().flat_map(|r| r.keys().map(String::as_str)).collect();
                let near = closest(&attr, declared).map(str::to_string);
                found.push((attr, near));
                return;
            }
            records = records.iter().filter_map(|r| r.get(&attr)).filter_map(|(t, _)| self.record_of(t)).collect();
        }
    }

    /// The record types an expression can have, when all are known.
    fn records_of(&self, expr: &Value) -> Option<Vec<&'s RecordType>> {
        if let Some(var) = expr.get("Var").and_then(Value::as_str) {
            return match var {
                "principal" => self.shapes(&self.principals),
                "resource" => self.shapes(&self.resources),
                "context" => Some(self.contexts.clone()),
                _ => None,
            };
        }
        let get = expr.get(".")?;
        let attr = get.get("attr")?.as_str()?;
        let records = self.records_of(get.get("left")?)?;
        let reached: Vec<_> = records.iter().filter_map(|r| r.get(attr)).collect();
        // An attribute some possible type lacks, or one that is not a record or an entity: unknown.
        if reached.len() != records.len() {
            return None;
        }
        reached.into_iter().map(|(t, _)| self.record_of(t)).collect()
    }

    fn record_of(&self, ty: &'s CedarType) -> Option<&'s RecordType> {
        match ty {
            CedarType::Record(r) => Some(r),
            CedarType::Entity(name) => self.types.entity_shape(name),
            _ => None,
        }
    }

    fn shapes(&self, names: &[String]) -> Option<Vec<&'s RecordType>> {
        if names.is_empty() {
            return None;
        }
        names.iter().map(|n| self.types.entity_shape(n)).collect()
    }
}

fn names<'a>(types: Option<impl Iterator<Item = &'a cedar_policy::EntityTypeName>>) -> Vec<String> {
    types.into_iter().flatten().map(|t| t.to_string()).collect()
}

/// The one entity type a principal or resource scope fixes (`== T::"id"`, `is T`), if it fixes one.
fn scope_type(scope: Option<&Value>) -> Option<String> {
    let scope = scope?;
    match scope.get("op")?.as_str()? {
        "==" => scope.get("entity")?.get("type")?.as_str().map(str::to_string),
        "is" => scope.get("entity_type")?.as_str().map(str::to_string),
        _ => None,
    }
}

/// The actions a policy's action scope allows; every action of the schema when it names a group or none.
fn scope_actions(scope: Option<&Value>, schema: &Schema) -> Vec<EntityUid> {
    let all = || schema.actions().cloned().collect::<Vec<_>>();
    let Some(scope) = scope else { return all() };
    let listed: Vec<&Value> = match scope.get("op").and_then(Value::as_str) {
        Some("==") => scope.get("entity").into_iter().collect(),
        Some("in") => match (scope.get("entity"), scope.get("entities")) {
            (Some(one), _) => vec![one],
            (None, Some(Value::Array(many))) => many.iter().collect(),
            _ => Vec::new(),
        },
        _ => Vec::new(),
    };
    let groups: BTreeSet<EntityUid> = schema.action_groups().cloned().collect();
    let mut actions = Vec::new();
    for value in listed {
        let Ok(uid) = EntityUid::from_json(serde_json::json!({ "__entity": value })) else { return all() };
        if groups.contains(&uid) {
            return all();
        }
        actions.push(uid);
    }
    if actions.is_empty() {
        all()
    } else {
        actions
    }
}

/// Where `has <attr>` (or `has "<attr>"`, or a path `has x.<attr>`) is written in `text[from..end]`.
fn find_has(text: &str, from: usize, end: usize, attr: &str) -> Option<(usize, usize)> {
    let region = text.get(from..end.min(text.len()))?;
    let mut offset = 0;
    while let Some(i) = region[offset..].find("has") {
        let at = offset + i;
        offset = at + 3;
        let before_ok = at == 0 || !region.as_bytes()[at - 1].is_ascii_alphanumeric();
        let rest = &region[at + 3..];
        if !before_ok || !rest.starts_with(|c: char| c.is_whitespace()) {
            continue;
        }
        let path = rest.trim_start();
        let path_start = at + 3 + (rest.len() - path.len());
        let path_end =
            path.find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '.' || c == '"')).unwrap_or(path.len());
        let written = &path[..path_end];
        if written.split('.').any(|part| part.trim_matches('"') == attr) {
            return Some((from + at, path_start + path_end - at));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use crate::store::{StoreFiles, SCHEMA_FILE};

    const SCHEMA: &str = r#"namespace App {
        type Address = { city: String, zip?: String };
        entity Group;
        entity User in [Group] { email?: String, address?: Address, manager?: User };
        entity Doc { owner: User, title?: String };
        action view appliesTo { principal: User, resource: Doc, context: { mfa?: Bool } };
    }"#;

    fn warnings(policy: &str) -> Vec<crate::errors::Error> {
        let files: StoreFiles =
            [(SCHEMA_FILE.to_string(), SCHEMA.to_string()), ("p.cedar".to_string(), policy.to_string())]
                .into_iter()
                .collect();
        crate::authoring::check(&files).into_iter().filter(|d| d.code == "policy.undeclared_attribute").collect()
    }

    #[test]
    fn misspelt_has_is_reported_where_it_is_written_with_the_nearest_name() {
        let w = warnings("permit(principal, action == App::Action::\"view\", resource)\nwhen { principal has emial && principal.emial like \"*@example.com\" };");
        assert_eq!(w.len(), 1, "{w:?}");
        assert_eq!(w[0].help.as_deref(), Some("did you mean `email`?"));
        assert_eq!(w[0].start.map(|p| (p.line, p.column)), Some((2, 18)));
        assert!(w[0].is_warning());
    }

    #[test]
    fn paths_contexts_and_resources_are_followed() {
        assert_eq!(warnings("permit(principal, action, resource) when { principal has address.zpi };").len(), 1);
        assert_eq!(warnings("permit(principal, action, resource) when { principal.manager has emial };").len(), 1);
        assert_eq!(warnings("permit(principal, action, resource) when { context has mfaa };").len(), 1);
        assert_eq!(warnings("permit(principal, action, resource is App::Doc) when { resource has titel };").len(), 1);
    }

    #[test]
    fn declared_and_unknowable_attributes_are_left_alone() {
        for policy in [
            "permit(principal, action, resource) when { principal has email && principal has address.zip };",
            "permit(principal, action, resource) when { context has mfa && resource has title };",
            "permit(principal, action, resource) when { principal.address has zip };",
            // A record built in the policy: its type is not followed.
            "permit(principal, action, resource) when { {a: 1} has b };",
        ] {
            assert!(warnings(policy).is_empty(), "{policy}: {:?}", warnings(policy));
        }
    }
}
