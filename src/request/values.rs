//! Verified Permissions' typed attribute values (`{"string": "x"}`, `{"long": 1}`,
//! `{"entityIdentifier": {...}}`, `{"set": [...]}`, `{"record": {...}}`, `{"ipaddr": "..."}`, ...) turned into
//! Cedar's JSON forms, for context maps and entity lists.

use serde_json::{json, Map, Value};

use crate::errors::short_json;
use crate::request::entity_ref::EntityRef;

/// One Verified Permissions `AttributeValue` as a Cedar JSON value. `path` names the value in errors.
pub fn typed_to_cedar(value: &Value, path: &str) -> Result<Value, String> {
    let expected = || {
        format!(
            "`{path}`: expected a typed value such as {{\"string\": \"...\"}}, {{\"long\": 1}}, {{\"boolean\": true}}, \
             {{\"entityIdentifier\": {{...}}}}, {{\"set\": [...]}}, {{\"record\": {{...}}}}, {{\"ipaddr\": \"...\"}}, \
             {{\"decimal\": \"...\"}}, {{\"datetime\": \"...\"}} or {{\"duration\": \"...\"}}; found {}",
            short_json(value)
        )
    };
    let Value::Object(map) = value else {
        return Err(expected());
    };
    let mut entries = map.iter();
    let (Some((tag, inner)), None) = (entries.next(), entries.next()) else {
        return Err(expected());
    };
    let wrong = |what: &str| format!("`{path}`: `{tag}` takes {what}, found {}", short_json(inner));
    match tag.as_str() {
        "string" => inner.as_str().map(|s| json!(s)).ok_or_else(|| wrong("a string")),
        "long" => inner.as_i64().map(|n| json!(n)).ok_or_else(|| wrong("a 64-bit integer")),
        "boolean" => inner.as_bool().map(|b| json!(b)).ok_or_else(|| wrong("true or false")),
        "entityIdentifier" => {
            let entity = EntityRef::from_value(inner).map_err(|e| format!("`{path}`: {e}"))?;
            Ok(json!({ "__entity": entity.to_cedar_json() }))
        }
        "set" => {
            let items = inner.as_array().ok_or_else(|| wrong("a list"))?;
            items
                .iter()
                .enumerate()
                .map(|(i, item)| typed_to_cedar(item, &format!("{path}[{i}]")))
                .collect::<Result<Vec<_>, _>>()
                .map(Value::Array)
        }
        "record" => {
            let fields = inner.as_object().ok_or_else(|| wrong("an object"))?;
            typed_map_to_cedar(fields, path).map(Value::Object)
        }
        "ipaddr" | "decimal" | "datetime" | "duration" => {
            let arg = inner.as_str().ok_or_else(|| wrong("a string"))?;
            let function = if tag == "ipaddr" { "ip" } else { tag.as_str() };
            Ok(json!({ "__extn": { "fn": function, "arg": arg } }))
        }
        _ => Err(expected()),
    }
}

/// A map of typed values (a `contextMap`, a `record`, entity `attributes`) as a Cedar JSON record.
pub fn typed_map_to_cedar(map: &Map<String, Value>, path: &str) -> Result<Map<String, Value>, String> {
    map.iter()
        .map(|(key, value)| {
            let inner_path = if path.is_empty() { key.clone() } else { format!("{path}.{key}") };
            typed_to_cedar(value, &inner_path).map(|v| (key.clone(), v))
        })
        .collect()
}

/// One entity of a request as Cedar entity JSON. Accepts Verified Permissions' `EntityItem`
/// (`identifier`, typed `attributes`, `parents`, typed `tags`) or Cedar's own (`uid`, `attrs`, `parents`,
/// `tags`), which passes through.
pub fn entity_to_cedar(item: &Value, index: usize) -> Result<Value, String> {
    let Value::Object(map) = item else {
        return Err(format!("entity {index}: expected an object, found {}", short_json(item)));
    };
    if map.contains_key("uid") {
        return Ok(item.clone());
    }
    let identifier = map.get("identifier").ok_or_else(|| {
        format!("entity {index}: needs `identifier` (Verified Permissions form) or `uid` (Cedar form)")
    })?;
    let uid = EntityRef::from_value(identifier).map_err(|e| format!("entity {index}: {e}"))?;
    let path = format!("{uid}");
    let attrs = match map.get("attributes") {
        Some(Value::Object(attrs)) => typed_map_to_cedar(attrs, &path)?,
        Some(other) => {
            return Err(format!("entity {path}: `attributes` must be an object, found {}", short_json(other)))
        }
        None => Map::new(),
    };
    let tags = match map.get("tags") {
        Some(Value::Object(tags)) => Some(typed_map_to_cedar(tags, &path)?),
        Some(other) => return Err(format!("entity {path}: `tags` must be an object, found {}", short_json(other))),
        None => None,
    };
    let parents = match map.get("parents") {
        Some(Value::Array(parents)) => parents
            .iter()
            .map(|p| EntityRef::from_value(p).map(|r| r.to_cedar_json()))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| format!("entity {path}: parent: {e}"))?,
        Some(other) => return Err(format!("entity {path}: `parents` must be a list, found {}", short_json(other))),
        None => Vec::new(),
    };
    for key in map.keys() {
        if !["identifier", "attributes", "parents", "tags"].contains(&key.as_str()) {
            return Err(format!("entity {path}: unknown field `{key}`"));
        }
    }
    let mut out = json!({ "uid": uid.to_cedar_json(), "attrs": attrs, "parents": parents });
    if let (Some(tags), Value::Object(out)) = (tags, &mut out) {
        out.insert("tags".into(), Value::Object(tags));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_values_become_cedar_json() {
        let context = json!({
            "s": {"string": "x"},
            "n": {"long": -3},
            "b": {"boolean": true},
            "e": {"entityIdentifier": {"entityType": "App::User", "entityId": "a"}},
            "set": {"set": [{"long": 1}, {"string": "two"}]},
            "r": {"record": {"ip": {"ipaddr": "10.0.0.1"}}},
            "d": {"decimal": "1.5"},
            "t": {"datetime": "2024-01-01"},
            "du": {"duration": "1h"}
        });
        let out = typed_map_to_cedar(context.as_object().unwrap(), "").unwrap();
        assert_eq!(
            Value::Object(out),
            json!({
                "s": "x", "n": -3, "b": true,
                "e": {"__entity": {"type": "App::User", "id": "a"}},
                "set": [1, "two"],
                "r": {"ip": {"__extn": {"fn": "ip", "arg": "10.0.0.1"}}},
                "d": {"__extn": {"fn": "decimal", "arg": "1.5"}},
                "t": {"__extn": {"fn": "datetime", "arg": "2024-01-01"}},
                "du": {"__extn": {"fn": "duration", "arg": "1h"}}
            })
        );
    }

    #[test]
    fn untyped_or_mistyped_values_are_errors_that_name_the_path() {
        let e = typed_to_cedar(&json!("plain"), "context.a").unwrap_err();
        assert!(e.starts_with("`context.a`: expected a typed value"), "{e}");
        let e = typed_to_cedar(&json!({"record": {"x": {"long": "7"}}}), "c").unwrap_err();
        assert!(e.contains("`c.x`: `long` takes a 64-bit integer"), "{e}");
        assert!(typed_to_cedar(&json!({"string": "a", "long": 1}), "c").is_err());
        assert!(typed_to_cedar(&json!({"float": 1.5}), "c").is_err());
    }

    #[test]
    fn entity_items_become_cedar_entities() {
        let item = json!({
            "identifier": {"entityType": "App::User", "entityId": "alice"},
            "attributes": {"dept": {"string": "eng"}},
            "parents": [{"entityType": "App::Group", "entityId": "admins"}]
        });
        assert_eq!(
            entity_to_cedar(&item, 0).unwrap(),
            json!({"uid": {"type": "App::User", "id": "alice"}, "attrs": {"dept": "eng"}, "parents": [{"type": "App::Group", "id": "admins"}]})
        );
        let cedar = json!({"uid": {"type": "App::User", "id": "a"}, "attrs": {}, "parents": []});
        assert_eq!(entity_to_cedar(&cedar, 0).unwrap(), cedar);
        assert!(entity_to_cedar(&json!({"identifier": {"entityType": "A", "entityId": "b"}, "attrs": {}}), 0).is_err());
    }
}
