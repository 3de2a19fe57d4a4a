//! The attribute types a schema declares, for turning untyped input (token claims) into values the schema
//! accepts: the shape of an entity type, and the context of an action.

use std::collections::BTreeMap;

use serde_json::Value;

/// A Cedar type, with common types already substituted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CedarType {
    String,
    Long,
    Bool,
    Set(Box<CedarType>),
    Record(RecordType),
    Entity(String),
    Extension(String),
}

/// Record attributes: name to type and whether it is required.
pub type RecordType = BTreeMap<String, (CedarType, bool)>;

/// Entity shapes and action contexts, by fully qualified name.
#[derive(Debug, Clone, Default)]
pub struct SchemaTypes {
    entity_shapes: BTreeMap<String, RecordType>,
    member_of: BTreeMap<String, Vec<String>>,
    action_contexts: BTreeMap<String, RecordType>,
}

impl SchemaTypes {
    /// From the JSON of `cedar_policy::schema_str_to_json_with_resolved_types`.
    pub fn from_resolved_json(json: &Value) -> SchemaTypes {
        let mut common: BTreeMap<String, Value> = BTreeMap::new();
        let namespaces = json.as_object().cloned().unwrap_or_default();
        for (ns, body) in &namespaces {
            for (name, ty) in body.get("commonTypes").and_then(Value::as_object).into_iter().flatten() {
                common.insert(qualify(ns, name), ty.clone());
            }
        }
        let mut types = SchemaTypes::default();
        for (ns, body) in &namespaces {
            for (name, def) in body.get("entityTypes").and_then(Value::as_object).into_iter().flatten() {
                let shape = def.get("shape").map(|s| resolve(s, &common, 0)).and_then(|t| match t {
                    Some(CedarType::Record(r)) => Some(r),
                    _ => None,
                });
                types.entity_shapes.insert(qualify(ns, name), shape.unwrap_or_default());
                let parents = def.get("memberOfTypes").and_then(Value::as_array).into_iter().flatten();
                let parents = parents.filter_map(Value::as_str).map(|p| {
                    if p.contains("::") {
                        p.to_string()
                    } else {
                        qualify(ns, p)
                    }
                });
                types.member_of.insert(qualify(ns, name), parents.collect());
            }
            for (name, def) in body.get("actions").and_then(Value::as_object).into_iter().flatten() {
                let context =
                    def.get("appliesTo").and_then(|a| a.get("context")).and_then(|c| resolve(c, &common, 0)).and_then(
                        |t| match t {
                            CedarType::Record(r) => Some(r),
                            _ => None,
                        },
                    );
                let action_type = qualify(ns, "Action");
                types
                    .action_contexts
                    .insert(format!("{action_type}::{}", Value::String(name.clone())), context.unwrap_or_default());
            }
        }
        types
    }

    /// The attributes of an entity type (empty for a type without a shape). `None` for an unknown type.
    pub fn entity_shape(&self, entity_type: &str) -> Option<&RecordType> {
        self.entity_shapes.get(entity_type)
    }

    /// Every entity type's qualified name.
    pub fn entity_types(&self) -> impl Iterator<Item = &str> {
        self.entity_shapes.keys().map(String::as_str)
    }

    /// Whether entities of type `child` may have parents of type `parent`.
    pub fn can_be_member_of(&self, child: &str, parent: &str) -> bool {
        self.member_of.get(child).is_some_and(|parents| parents.iter().any(|p| p == parent))
    }

    /// The context record of an action, by its uid in Cedar syntax (`App::Action::"view"`).
    pub fn action_context(&self, action_uid: &str) -> Option<&RecordType> {
        self.action_contexts.get(action_uid)
    }
}

fn qualify(namespace: &str, name: &str) -> String {
    if namespace.is_empty() {
        name.to_string()
    } else {
        format!("{namespace}::{name}")
    }
}

/// A resolved-types JSON type to a [`CedarType`]; common types are looked up by qualified name.
fn resolve(ty: &Value, common: &BTreeMap<String, Value>, depth: usize) -> Option<CedarType> {
    if depth > 32 {
        return None;
    }
    // Cedar's own types may be written qualified (`__cedar::String`); a name the schema's JSON could not
    // tell apart (`EntityOrCommon`) is a common type if one has that name, else a built-in or an entity type.
    let kind = ty.get("type").and_then(Value::as_str)?;
    let kind = kind.strip_prefix("__cedar::").unwrap_or(kind);
    if kind == "EntityOrCommon" {
        let name = ty.get("name").and_then(Value::as_str)?;
        if let Some(common_type) = common.get(name) {
            return resolve(common_type, common, depth + 1);
        }
        let builtin = name.strip_prefix("__cedar::").unwrap_or(name);
        return match builtin {
            "String" | "Long" | "Bool" | "Boolean" | "ipaddr" | "decimal" | "datetime" | "duration" => {
                resolve(&serde_json::json!({ "type": builtin }), common, depth + 1)
            }
            _ => Some(CedarType::Entity(name.to_string())),
        };
    }
    Some(match kind {
        "String" => CedarType::String,
        "Long" => CedarType::Long,
        "Bool" | "Boolean" => CedarType::Bool,
        "Set" => CedarType::Set(Box::new(resolve(ty.get("element")?, common, depth + 1)?)),
        "Record" => {
            let mut record = RecordType::new();
            for (name, attr) in ty.get("attributes").and_then(Value::as_object).into_iter().flatten() {
                let required = attr.get("required").and_then(Value::as_bool).unwrap_or(true);
                if let Some(t) = resolve(attr, common, depth + 1) {
                    record.insert(name.clone(), (t, required));
                }
            }
            CedarType::Record(record)
        }
        "Entity" => CedarType::Entity(ty.get("name").and_then(Value::as_str)?.to_string()),
        "Extension" => CedarType::Extension(ty.get("name").and_then(Value::as_str)?.to_string()),
        "ipaddr" | "decimal" | "datetime" | "duration" => CedarType::Extension(kind.to_string()),
        other => return resolve(common.get(other)?, common, depth + 1),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_shapes_and_contexts_through_common_types() {
        let text = r#"namespace App {
                type Tok = { scope?: Set<String>, n: Long };
                entity Group;
                entity User in [Group] { email?: String, tags: Set<String>, meta: { a: Bool }, ip?: ipaddr };
                action view appliesTo { principal: User, resource: Group, context: { token?: Tok } };
            }"#;
        let (json, _) = cedar_policy::schema_str_to_json_with_resolved_types(text).expect("schema");
        let types = SchemaTypes::from_resolved_json(&json);
        let user = types.entity_shape("App::User").expect("User");
        assert_eq!(user.get("email"), Some(&(CedarType::String, false)));
        assert_eq!(user.get("tags"), Some(&(CedarType::Set(Box::new(CedarType::String)), true)));
        assert_eq!(user.get("ip"), Some(&(CedarType::Extension("ipaddr".into()), false)));
        assert!(matches!(user.get("meta"), Some((CedarType::Record(_), true))));
        assert_eq!(types.entity_shape("App::Group").map(|s| s.len()), Some(0));
        assert!(types.entity_shape("App::Nope").is_none());
        let context = types.action_context("App::Action::\"view\"").expect("view");
        let Some((CedarType::Record(token), false)) = context.get("token") else {
            panic!("token: {context:?}");
        };
        assert_eq!(token.get("n"), Some(&(CedarType::Long, true)));
    }

    #[test]
    fn reads_cedars_qualified_builtin_types() {
        let text = r#"entity a { s: __cedar::String, n?: __cedar::Long, b?: __cedar::Bool, at?: __cedar::datetime,
                ips?: Set<__cedar::ipaddr>, e?: a };
            action "go" appliesTo { principal: [a], resource: [a], context: { s: __cedar::String, d?: __cedar::decimal } };"#;
        let (json, _) = cedar_policy::schema_str_to_json_with_resolved_types(text).expect("schema");
        let types = SchemaTypes::from_resolved_json(&json);
        let shape = types.entity_shape("a").expect("a");
        assert_eq!(shape.get("s"), Some(&(CedarType::String, true)));
        assert_eq!(shape.get("n"), Some(&(CedarType::Long, false)));
        assert_eq!(shape.get("b"), Some(&(CedarType::Bool, false)));
        assert_eq!(shape.get("at"), Some(&(CedarType::Extension("datetime".into()), false)));
        assert_eq!(shape.get("ips"), Some(&(CedarType::Set(Box::new(CedarType::Extension("ipaddr".into()))), false)));
        assert_eq!(shape.get("e"), Some(&(CedarType::Entity("a".into()), false)));
        let context = types.action_context("Action::\"go\"").expect("go");
        assert_eq!(context.get("d"), Some(&(CedarType::Extension("decimal".into()), false)));
    }
}
