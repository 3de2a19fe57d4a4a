//! References to entities, in every form users write them: Verified Permissions'
//! `{"entityType", "entityId"}`, Cedar's `{"type", "id"}` (optionally wrapped in `__entity`), and Cedar
//! syntax `Type::"id"`.

use std::str::FromStr;

use std::cell::RefCell;
use std::collections::HashMap;

use cedar_policy::{EntityId, EntityTypeName, EntityUid};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

/// Verified Permissions' `EntityIdentifier`: how answers name the principal a token mapped to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
#[serde(rename_all = "camelCase")]
pub struct EntityIdentifier {
    pub entity_type: String,
    pub entity_id: String,
}

/// An entity type and id. Serialized in Cedar's `{"type", "id"}` form.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(hashmap_as_object))]
pub struct EntityRef {
    #[serde(rename = "type")]
    pub entity_type: String,
    pub id: String,
}

impl EntityRef {
    pub fn new(entity_type: impl Into<String>, id: impl Into<String>) -> Self {
        EntityRef { entity_type: entity_type.into(), id: id.into() }
    }

    /// Reads any of the accepted forms. `type_key`/`id_key` name the Verified Permissions field names to
    /// accept besides `type`/`id` (`entityType`/`entityId`, or `actionType`/`actionId` for actions).
    pub fn from_value_with(value: &Value, type_key: &str, id_key: &str) -> Result<Self, String> {
        match value {
            Value::String(text) => {
                let uid = EntityUid::from_str(text)
                    .map_err(|_| format!("`{text}` is not an entity reference such as `Type::\"id\"`"))?;
                Ok(EntityRef::from(&uid))
            }
            Value::Object(map) => {
                if let Some(inner) = map.get("__entity") {
                    return EntityRef::from_value_with(inner, type_key, id_key);
                }
                let get = |keys: [&str; 3]| keys.into_iter().find_map(|k| map.get(k));
                let entity_type = get(type_keys(type_key));
                let id = get(id_keys(id_key));
                match (entity_type, id) {
                    (Some(Value::String(t)), Some(Value::String(i))) => Ok(EntityRef::new(t.clone(), i.clone())),
                    _ => Err(format!(
                        "expected an entity reference {{\"{type_key}\": \"...\", \"{id_key}\": \"...\"}}, found {}",
                        crate::errors::short_json(value)
                    )),
                }
            }
            other => Err(format!(
                "expected an entity reference {{\"{type_key}\": \"...\", \"{id_key}\": \"...\"}}, found {}",
                crate::errors::short_json(other)
            )),
        }
    }

    pub fn from_value(value: &Value) -> Result<Self, String> {
        EntityRef::from_value_with(value, "entityType", "entityId")
    }

    /// The Cedar uid, or why the type name is not valid.
    pub fn to_uid(&self) -> Result<EntityUid, String> {
        Ok(EntityUid::from_type_name_and_id(type_name(&self.entity_type)?, EntityId::new(&self.id)))
    }

    /// Verified Permissions' `{"entityType", "entityId"}` form.
    pub fn to_avp(&self) -> EntityIdentifier {
        EntityIdentifier { entity_type: self.entity_type.clone(), entity_id: self.id.clone() }
    }

    /// Cedar's `{"type", "id"}` form.
    pub fn to_cedar_json(&self) -> Value {
        serde_json::json!({ "type": self.entity_type, "id": self.id })
    }
}

/// The names a reference's type field is read under, first found first: the field's own Verified
/// Permissions name (`entityType`, or `actionType` for an action), then Cedar's and Verified Permissions'.
pub fn type_keys(type_key: &str) -> [&str; 3] {
    [type_key, "type", "entityType"]
}

/// The names a reference's id field is read under, as [`type_keys`].
pub fn id_keys(id_key: &str) -> [&str; 3] {
    [id_key, "id", "entityId"]
}

impl From<&EntityUid> for EntityRef {
    fn from(uid: &EntityUid) -> Self {
        EntityRef::new(uid.type_name().to_string(), uid.id().unescaped())
    }
}

impl std::fmt::Display for EntityRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}::{}", self.entity_type, serde_json::Value::String(self.id.clone()))
    }
}

impl<'de> Deserialize<'de> for EntityRef {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let value = Value::deserialize(deserializer)?;
        EntityRef::from_value(&value).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn accepts_every_form() {
        let expected = EntityRef::new("App::User", "alice");
        for v in [
            json!({"entityType": "App::User", "entityId": "alice"}),
            json!({"type": "App::User", "id": "alice"}),
            json!({"__entity": {"type": "App::User", "id": "alice"}}),
            json!("App::User::\"alice\""),
        ] {
            assert_eq!(EntityRef::from_value(&v), Ok(expected.clone()), "{v}");
        }
        let action = EntityRef::from_value_with(
            &json!({"actionType": "App::Action", "actionId": "view"}),
            "actionType",
            "actionId",
        );
        assert_eq!(action, Ok(EntityRef::new("App::Action", "view")));
        assert!(EntityRef::from_value(&json!({"entityType": "App::User"})).is_err());
        assert!(EntityRef::from_value(&json!(42)).is_err());
        assert!(EntityRef::new("not a type", "x").to_uid().is_err());
        assert_eq!(expected.to_string(), "App::User::\"alice\"");
    }
}

/// How many parsed entity type names are remembered (a store has a handful; the bound only keeps requests
/// full of made-up names from growing the table).
const TYPE_NAMES_KEPT: usize = 1024;

thread_local! {
    static TYPE_NAMES: RefCell<HashMap<String, EntityTypeName>> = RefCell::new(HashMap::new());
}

/// An entity type name, parsed once: every request names its principal's, action's and resource's types,
/// and Cedar's name parser is a full grammar.
pub fn type_name(text: &str) -> Result<EntityTypeName, String> {
    if let Some(known) = TYPE_NAMES.with(|names| names.borrow().get(text).cloned()) {
        return Ok(known);
    }
    let parsed = EntityTypeName::from_str(text).map_err(|_| format!("`{text}` is not a valid entity type name"))?;
    TYPE_NAMES.with(|names| {
        let mut names = names.borrow_mut();
        if names.len() < TYPE_NAMES_KEPT {
            names.insert(text.to_string(), parsed.clone());
        }
    });
    Ok(parsed)
}
