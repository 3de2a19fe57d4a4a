//! What a policy editor needs from the engine: policies formatted by Cedar's own formatter, a schema
//! converted between the Cedar and JSON forms by Cedar's own conversion, and an outline of a schema
//! (entity types with their attributes and parents, actions with the principal, resource and context
//! they apply to) for completion and hover.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::diagnostics::error_chain;
use crate::errors::{Code, Error, Failure};
use crate::store::SchemaFormat;

/// Policies as Cedar's formatter writes them (comments kept). `line_width` defaults to 80, `indent` to 2.
pub fn format_policies(text: &str, line_width: Option<usize>, indent: Option<usize>) -> Result<String, Failure> {
    let config = cedar_policy_formatter::Config {
        line_width: line_width.unwrap_or(80),
        indent_width: indent.and_then(|i| isize::try_from(i).ok()).unwrap_or(2),
    };
    cedar_policy_formatter::policies_str_to_pretty(text, &config)
        .map_err(|e| Failure::of(Code::PolicyParse, format!("the policies cannot be formatted until they parse: {e}")))
}

/// A schema in the other form: Cedar text to pretty JSON, or JSON to Cedar text.
pub fn convert_schema(text: &str, from: SchemaFormat) -> Result<String, Failure> {
    let invalid = |e: String| Failure::of(Code::SchemaParse, e);
    match from {
        SchemaFormat::Cedar => {
            let (fragment, _) =
                cedar_policy::SchemaFragment::from_cedarschema_str(text).map_err(|e| invalid(error_chain(&e)))?;
            let json = fragment.to_json_value().map_err(|e| invalid(error_chain(&e)))?;
            serde_json::to_string_pretty(&json).map_err(|e| invalid(e.to_string()))
        }
        SchemaFormat::Json => {
            let fragment = cedar_policy::SchemaFragment::from_json_str(text).map_err(|e| invalid(error_chain(&e)))?;
            fragment.to_cedarschema().map_err(|e| invalid(error_chain(&e)))
        }
    }
}

/// An attribute of an entity type or a context record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(hashmap_as_object))]
#[serde(rename_all = "camelCase")]
pub struct AttributeInfo {
    pub name: String,
    /// The type as Cedar's schema syntax writes it: `String`, `Set<Long>`, `App::User`, `{ city: String }`.
    #[serde(rename = "type")]
    pub type_name: String,
    pub required: bool,
    /// A record's own attributes (for `context.address.` and the like); empty otherwise.
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub attributes: Vec<AttributeInfo>,
    /// The entity type named by the type, or by a set's elements, whose attributes follow a `.`.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub entity_type: Option<String>,
}

/// An entity type: its attributes, the types it may be a member of, its ids if it is an enumeration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(hashmap_as_object))]
#[serde(rename_all = "camelCase")]
pub struct EntityTypeInfo {
    pub name: String,
    pub attributes: Vec<AttributeInfo>,
    pub member_of: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub enum_ids: Option<Vec<String>>,
    /// The type of its tags, where it has tags.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub tags: Option<String>,
}

/// An action: the entity `Namespace::Action::"id"`, what it applies to, its context, its groups.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(hashmap_as_object))]
#[serde(rename_all = "camelCase")]
pub struct ActionInfo {
    /// The action entity's type (`App::Action`).
    #[serde(rename = "type")]
    pub type_name: String,
    pub id: String,
    pub principal_types: Vec<String>,
    pub resource_types: Vec<String>,
    pub context: Vec<AttributeInfo>,
    pub member_of: Vec<String>,
}

/// A schema's outline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(hashmap_as_object))]
#[serde(rename_all = "camelCase")]
pub struct SchemaOutline {
    pub entity_types: Vec<EntityTypeInfo>,
    pub actions: Vec<ActionInfo>,
}

/// The outline of a schema in either form, every common type resolved.
pub fn outline(text: &str, format: SchemaFormat) -> Result<SchemaOutline, Error> {
    let cedar_text = match format {
        SchemaFormat::Cedar => text.to_string(),
        SchemaFormat::Json => convert_schema(text, SchemaFormat::Json).map_err(|f| {
            f.errors.into_iter().next().unwrap_or_else(|| Error::new(Code::SchemaParse, "the schema does not parse"))
        })?,
    };
    let (json, _) = cedar_policy::schema_str_to_json_with_resolved_types(&cedar_text)
        .map_err(|e| Error::new(Code::SchemaParse, error_chain(&e)))?;
    let mut outline = SchemaOutline { entity_types: Vec::new(), actions: Vec::new() };
    // Common types by qualified name, inlined wherever they are named.
    let mut common: Map<String, Value> = Map::new();
    for (namespace, body) in json.as_object().into_iter().flatten() {
        for (name, ty) in body.get("commonTypes").and_then(Value::as_object).into_iter().flatten() {
            let qualified = if namespace.is_empty() { name.clone() } else { format!("{namespace}::{name}") };
            common.insert(qualified, ty.clone());
            common.entry(name.clone()).or_insert_with(|| ty.clone());
        }
    }
    let json = inline_common(&json, &common, 0);
    for (namespace, body) in json.as_object().into_iter().flatten() {
        let qualify = |name: &str| {
            if namespace.is_empty() || name.contains("::") {
                name.to_string()
            } else {
                format!("{namespace}::{name}")
            }
        };
        let declared: Vec<String> =
            body.get("entityTypes").and_then(Value::as_object).into_iter().flatten().map(|(n, _)| n.clone()).collect();
        let type_name = |name: &str| {
            let name = name.strip_prefix("__cedar::").unwrap_or(name);
            if declared.iter().any(|d| d == name) {
                qualify(name)
            } else {
                name.to_string()
            }
        };
        for (name, def) in body.get("entityTypes").and_then(Value::as_object).into_iter().flatten() {
            let attributes = def
                .get("shape")
                .and_then(|s| s.get("attributes"))
                .and_then(Value::as_object)
                .map(|attrs| attributes_of(attrs, &type_name))
                .unwrap_or_default();
            let strings = |v: Option<&Value>| -> Vec<String> {
                v.and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str).map(&type_name).collect()
            };
            outline.entity_types.push(EntityTypeInfo {
                name: qualify(name),
                attributes,
                member_of: strings(def.get("memberOfTypes")),
                enum_ids: def
                    .get("enum")
                    .and_then(Value::as_array)
                    .map(|ids| ids.iter().filter_map(Value::as_str).map(str::to_string).collect()),
                tags: def.get("tags").map(|t| display(t, &type_name)),
            });
        }
        for (id, def) in body.get("actions").and_then(Value::as_object).into_iter().flatten() {
            let applies = def.get("appliesTo");
            let strings = |key: &str| -> Vec<String> {
                applies
                    .and_then(|a| a.get(key))
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                    .map(&type_name)
                    .collect()
            };
            let context = applies
                .and_then(|a| a.get("context"))
                .and_then(|c| c.get("attributes"))
                .and_then(Value::as_object)
                .map(|attrs| attributes_of(attrs, &type_name))
                .unwrap_or_default();
            let member_of = def
                .get("memberOf")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|m| {
                    let group = m.get("id")?.as_str()?;
                    let ty = m.get("type").and_then(Value::as_str).map(&qualify).unwrap_or_else(|| qualify("Action"));
                    Some(format!("{ty}::{}", Value::String(group.to_string())))
                })
                .collect();
            outline.actions.push(ActionInfo {
                type_name: qualify("Action"),
                id: id.clone(),
                principal_types: strings("principalTypes"),
                resource_types: strings("resourceTypes"),
                context,
                member_of,
            });
        }
    }
    outline.entity_types.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(outline)
}

/// The schema JSON with every `EntityOrCommon` (or `Entity`) name of a common type replaced by that type.
fn inline_common(value: &Value, common: &Map<String, Value>, depth: usize) -> Value {
    match value {
        Value::Object(map) if depth < 32 => {
            let kind = map.get("type").and_then(Value::as_str);
            let name = map.get("name").and_then(Value::as_str);
            // Resolved schemas name a common type as the `type` itself (`{"type": "App::Address"}`); others
            // as an `EntityOrCommon` name.
            let target = match kind {
                Some("EntityOrCommon") => name.and_then(|n| common.get(n)),
                Some(other) => common.get(other),
                None => None,
            };
            if let Some(target) = target {
                let mut inlined = inline_common(target, common, depth + 1);
                if let (Value::Object(out), Some(required)) = (&mut inlined, map.get("required")) {
                    out.insert("required".into(), required.clone());
                }
                return inlined;
            }
            Value::Object(map.iter().map(|(k, v)| (k.clone(), inline_common(v, common, depth + 1))).collect())
        }
        Value::Array(items) => Value::Array(items.iter().map(|v| inline_common(v, common, depth + 1)).collect()),
        other => other.clone(),
    }
}

fn attributes_of(attrs: &Map<String, Value>, type_name: &dyn Fn(&str) -> String) -> Vec<AttributeInfo> {
    attrs
        .iter()
        .map(|(name, ty)| {
            let nested = ty
                .get("attributes")
                .and_then(Value::as_object)
                .map(|a| attributes_of(a, type_name))
                .unwrap_or_default();
            AttributeInfo {
                name: name.clone(),
                type_name: display(ty, type_name),
                required: ty.get("required").and_then(Value::as_bool).unwrap_or(true),
                attributes: nested,
                entity_type: entity_of(ty, type_name),
            }
        })
        .collect()
}

/// The entity type a value of this type is (or a set of): what follows a `.` on it.
fn entity_of(ty: &Value, type_name: &dyn Fn(&str) -> String) -> Option<String> {
    match ty.get("type").and_then(Value::as_str)? {
        "Entity" => ty.get("name").and_then(Value::as_str).map(type_name),
        "Set" => entity_of(ty.get("element")?, type_name),
        "EntityOrCommon" => {
            let name = ty.get("name").and_then(Value::as_str)?;
            let plain = name.strip_prefix("__cedar::").unwrap_or(name);
            let builtin = ["String", "Long", "Bool", "Boolean", "ipaddr", "decimal", "datetime", "duration"];
            (!builtin.contains(&plain)).then(|| type_name(name))
        }
        _ => None,
    }
}

/// A type as Cedar's schema syntax writes it.
fn display(ty: &Value, type_name: &dyn Fn(&str) -> String) -> String {
    let kind = ty.get("type").and_then(Value::as_str).unwrap_or("?");
    let kind = kind.strip_prefix("__cedar::").unwrap_or(kind);
    match kind {
        "Set" => format!("Set<{}>", ty.get("element").map(|e| display(e, type_name)).unwrap_or_else(|| "?".into())),
        "Record" => {
            let fields: Vec<String> = ty
                .get("attributes")
                .and_then(Value::as_object)
                .into_iter()
                .flatten()
                .map(|(name, attr)| {
                    let optional = if attr.get("required").and_then(Value::as_bool) == Some(false) { "?" } else { "" };
                    format!("{name}{optional}: {}", display(attr, type_name))
                })
                .collect();
            if fields.is_empty() {
                "{}".into()
            } else {
                format!("{{ {} }}", fields.join(", "))
            }
        }
        "Entity" | "EntityOrCommon" | "Extension" => {
            ty.get("name").and_then(Value::as_str).map(type_name).unwrap_or_else(|| kind.to_string())
        }
        "Boolean" => "Bool".into(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RIDES_LIKE: &str = r#"namespace App {
        type Address = { city: String, zip?: String };
        entity Group;
        entity Color enum ["red", "blue"];
        entity User in [Group] { email: String, address?: Address, manager?: User, friends: Set<User> } tags Long;
        action read, write appliesTo { principal: User, resource: [Group, User], context: { ip?: ipaddr, at: datetime } };
        action admin in [read];
    }"#;

    #[test]
    fn outlines_entity_types_and_actions_with_resolved_types() {
        let outline = outline(RIDES_LIKE, SchemaFormat::Cedar).expect("outline");
        let user = outline.entity_types.iter().find(|t| t.name == "App::User").expect("User");
        assert_eq!(user.member_of, ["App::Group"]);
        assert_eq!(user.tags.as_deref(), Some("Long"));
        let attr = |n: &str| user.attributes.iter().find(|a| a.name == n).expect(n);
        assert_eq!((attr("email").type_name.as_str(), attr("email").required), ("String", true));
        assert_eq!(attr("address").type_name, "{ city: String, zip?: String }");
        assert_eq!(attr("address").attributes.len(), 2);
        assert_eq!(attr("manager").entity_type.as_deref(), Some("App::User"));
        assert_eq!(attr("friends").type_name, "Set<App::User>");
        assert_eq!(attr("friends").entity_type.as_deref(), Some("App::User"));
        let color = outline.entity_types.iter().find(|t| t.name == "App::Color").expect("Color");
        assert_eq!(color.enum_ids.as_deref(), Some(&["red".to_string(), "blue".to_string()][..]));
        let read = outline.actions.iter().find(|a| a.id == "read").expect("read");
        assert_eq!(
            (read.type_name.as_str(), read.principal_types.clone()),
            ("App::Action", vec!["App::User".to_string()])
        );
        assert_eq!(read.resource_types, ["App::Group", "App::User"]);
        assert_eq!(
            read.context.iter().map(|a| (a.name.as_str(), a.type_name.as_str())).collect::<Vec<_>>(),
            [("at", "datetime"), ("ip", "ipaddr")]
        );
        let admin = outline.actions.iter().find(|a| a.id == "admin").expect("admin");
        assert_eq!(admin.member_of, ["App::Action::\"read\""]);
    }

    #[test]
    fn schemas_convert_both_ways_and_policies_format() {
        let json = convert_schema(RIDES_LIKE, SchemaFormat::Cedar).expect("to JSON");
        let back = convert_schema(&json, SchemaFormat::Json).expect("to Cedar");
        let again = convert_schema(&back, SchemaFormat::Cedar).expect("to JSON again");
        assert_eq!(
            convert_schema(&again, SchemaFormat::Json).expect("to Cedar again"),
            back,
            "the Cedar form is stable"
        );
        assert_eq!(
            outline(&json, SchemaFormat::Json).expect("outline of JSON"),
            outline(RIDES_LIKE, SchemaFormat::Cedar).expect("outline")
        );
        let formatted =
            format_policies("// who\npermit(principal,action,resource) when {principal has email};", None, None)
                .expect("formats");
        assert!(
            formatted.starts_with("// who\npermit (principal, action, resource)\nwhen { principal has email };"),
            "{formatted}"
        );
        assert_eq!(format_policies("permit(", None, None).unwrap_err().code(), "policy.parse");
        assert_eq!(convert_schema("entity", SchemaFormat::Cedar).unwrap_err().code(), "schema.parse");
    }
}
