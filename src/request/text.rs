//! A request read straight from its JSON text, in the form nearly every caller sends: principal, action
//! and resource as two-field objects (`{"type", "id"}`, `{"entityType", "entityId"}`, or for the action
//! `{"actionType", "actionId"}`), and a context and entities in any form.
//!
//! Reading the whole request into a `serde_json::Value` first builds a map per object, hashes every key to
//! find it again, and frees it all afterwards: for a small request that was more of its time than Cedar's
//! request validation. Here the three references are read into their fields directly; only the context and
//! entities become `Value`s, as [`super::decode_context`] and [`super::decode_entities`] take them.
//!
//! Anything else (another form of reference, a repeated field, a reference or context that does not
//! decode) gives `None`, and the caller reads the text as a `Value` through [`super::decode_request`],
//! which accepts every form and words every error. So this reader never decides anything on its own: it
//! answers exactly what `decode_request` would, or nothing.

use std::borrow::Cow;

use cedar_policy::EntityUid;
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{Map, Value};

use super::entity_ref::{id_keys, type_keys, EntityRef};
use super::{decode_context, RequestParts};

/// The top-level fields a decision reads; others are ignored, as `decode_request` ignores them. A field
/// given twice is an error here (serde refuses it), so such a request goes the `Value` way.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Fields<'a> {
    /// A token request's tokens: strings without escapes (a JWT has none), borrowed from the text.
    #[serde(borrow, default)]
    identity_token: Option<&'a str>,
    #[serde(borrow, default)]
    access_token: Option<&'a str>,
    #[serde(borrow, default)]
    principal: Option<Reference<'a>>,
    #[serde(borrow)]
    action: Reference<'a>,
    #[serde(borrow)]
    resource: Reference<'a>,
    #[serde(default)]
    context: Option<Value>,
    #[serde(borrow, default)]
    entities: Option<&'a RawValue>,
}

/// An object of exactly two string fields: one naming a type, one an id. Which names are accepted depends
/// on the field the reference is in, so the names are kept and checked by [`Reference::to_uid`].
struct Reference<'a> {
    type_key: Cow<'a, str>,
    entity_type: String,
    id_key: Cow<'a, str>,
    id: String,
}

/// A key, borrowed from the text unless it has escapes.
#[derive(Deserialize)]
struct Key<'a>(#[serde(borrow)] Cow<'a, str>);

impl<'de: 'a, 'a> Deserialize<'de> for Reference<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Two;
        impl<'de> Visitor<'de> for Two {
            type Value = Reference<'de>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an object of a type and an id")
            }
            fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<Self::Value, M::Error> {
                let Some(Key(first)) = map.next_key()? else {
                    return Err(de::Error::custom("empty"));
                };
                let first_value: String = map.next_value()?;
                let Some(Key(second)) = map.next_key()? else {
                    return Err(de::Error::custom("one field"));
                };
                let second_value: String = map.next_value()?;
                if map.next_key::<IgnoredAny>()?.is_some() {
                    return Err(de::Error::custom("more than two fields"));
                }
                let type_first = is_type_key(&first);
                if type_first == is_type_key(&second) {
                    return Err(de::Error::custom("not one type and one id"));
                }
                Ok(if type_first {
                    Reference { type_key: first, entity_type: first_value, id_key: second, id: second_value }
                } else {
                    Reference { type_key: second, entity_type: second_value, id_key: first, id: first_value }
                })
            }
        }
        deserializer.deserialize_map(Two)
    }
}

/// A name some field reads a type under ([`type_keys`] of every field).
fn is_type_key(key: &str) -> bool {
    type_keys("actionType").contains(&key)
}

impl Reference<'_> {
    /// The uid, if `decode_request` would read this reference in a field whose Verified Permissions names
    /// are `type_key`/`id_key` (besides Cedar's `type`/`id` and `entityType`/`entityId`, which every field
    /// takes), and its type name is valid.
    fn to_uid(&self, type_key: &str, id_key: &str) -> Option<EntityUid> {
        if !type_keys(type_key).contains(&&*self.type_key) || !id_keys(id_key).contains(&&*self.id_key) {
            return None;
        }
        EntityRef::new(self.entity_type.as_str(), self.id.as_str()).to_uid().ok()
    }
}

/// A request read from its text.
pub struct TextRequest<'a> {
    /// What `decode_request` reads from the request.
    pub parts: RequestParts<'static>,
    /// Its entities: absent, or the `Value` `decode_entities` takes.
    pub entities: Option<Value>,
    /// A token request's `identityToken` and `accessToken` (absent or `null`: `None`).
    pub identity_token: Option<&'a str>,
    pub access_token: Option<&'a str>,
}

/// The request, or `None` where only `decode_request` should read it.
pub fn read(text: &str) -> Option<TextRequest<'_>> {
    // A derived struct also reads a JSON list (its fields by position), which is no request: objects only.
    if !text.trim_start().starts_with('{') {
        return None;
    }
    let fields: Fields<'_> = serde_json::from_str(text).ok()?;
    let principal = match &fields.principal {
        Some(reference) => Some(reference.to_uid("entityType", "entityId")?),
        None => None,
    };
    let action = fields.action.to_uid("actionType", "actionId")?;
    let resource = fields.resource.to_uid("entityType", "entityId")?;
    let context = owned_context(fields.context)?;
    let entities = match fields.entities {
        None => None,
        Some(raw) => Some(serde_json::from_str::<Value>(raw.get()).ok()?),
    };
    Some(TextRequest {
        parts: RequestParts { principal, action, resource, context },
        entities,
        identity_token: fields.identity_token,
        access_token: fields.access_token,
    })
}

/// [`decode_context`]'s answer for a context owned rather than borrowed: a plain object, which it answers
/// with as given, is moved into the answer instead of copied.
fn owned_context(context: Option<Value>) -> Option<Cow<'static, Map<String, Value>>> {
    let converted = match decode_context(context.as_ref()).ok()? {
        Cow::Owned(map) => Some(map),
        Cow::Borrowed(_) => None,
    };
    match (converted, context) {
        (Some(map), _) => Some(Cow::Owned(map)),
        (None, Some(Value::Object(map))) => Some(Cow::Owned(map)),
        // Nothing else is answered borrowed; were it, the `Value` way reads the request.
        (None, _) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::request::decode_request;
    use serde_json::json;

    /// `read`'s answer for `text` must be `decode_request`'s, or nothing.
    fn agrees(text: &str) -> bool {
        let value: Value = serde_json::from_str(text).expect("test text is JSON");
        let slow = decode_request(&value);
        match read(text) {
            Some(TextRequest { parts, entities, identity_token, access_token }) => {
                assert_eq!(identity_token, value.get("identityToken").and_then(Value::as_str), "{text}");
                assert_eq!(access_token, value.get("accessToken").and_then(Value::as_str), "{text}");
                let slow = slow.unwrap_or_else(|e| panic!("{text}: read, but decode_request says {e:?}"));
                assert_eq!(parts.principal, slow.principal, "{text}");
                assert_eq!(parts.action, slow.action, "{text}");
                assert_eq!(parts.resource, slow.resource, "{text}");
                assert_eq!(parts.context.as_ref(), slow.context.as_ref(), "{text}");
                assert_eq!(entities.as_ref(), value.get("entities").filter(|v| !v.is_null()), "{text}");
                true
            }
            None => false,
        }
    }

    #[test]
    fn reads_the_common_forms_exactly_as_decode_request() {
        for text in [
            r#"{"principal":{"type":"App::User","id":"alice"},"action":{"type":"App::Action","id":"view"},"resource":{"type":"App::Doc","id":"d"}}"#,
            r#"{"principal":{"entityType":"App::User","entityId":"a"},"action":{"actionType":"App::Action","actionId":"view"},"resource":{"entityId":"d","entityType":"App::Doc"},"context":{}}"#,
            r#"{"action":{"entityType":"App::Action","entityId":"v"},"resource":{"id":"d","type":"App::Doc"},"principal":null,"context":null}"#,
            r#"{"principal":{"type":"App::User","id":"a\"b\u0004\\"},"action":{"type":"A","id":"v"},"resource":{"type":"A","id":""},"context":{"n":1,"s":{"__extn":{"fn":"ip","arg":"1.2.3.4"}}}}"#,
            r#"{"principal":{"type":"U","id":"a"},"action":{"type":"A","id":"v"},"resource":{"type":"R","id":"r"},"context":{"contextMap":{"n":{"long":1}}}}"#,
            r#"{"principal":{"type":"U","id":"a"},"action":{"type":"A","id":"v"},"resource":{"type":"R","id":"r"},"context":{"cedarJson":"{\"n\":1}"}}"#,
            r#"{"principal":{"type":"U","id":"a"},"action":{"type":"A","id":"v"},"resource":{"type":"R","id":"r"},"context":{"contextMap":{"n":{"long":1}},"x":1}}"#,
            r#"{"principal":{"type":"U","id":"a"},"action":{"type":"A","id":"v"},"resource":{"type":"R","id":"r"},"entities":[{"uid":{"type":"U","id":"a"},"attrs":{},"parents":[]}],"other":[1,{"x":2}]}"#,
            r#"{"principal":{"type":"U","id":"a"},"action":{"type":"A","id":"v"},"resource":{"type":"R","id":"r"},"entities":null}"#,
            r#"{"principal":{"t\u0079pe":"U","id":"a"},"action":{"type":"A","id":"v"},"resource":{"type":"R","id":"r"}}"#,
            r#"{"identityToken":"a.b.c","action":{"type":"A","id":"v"},"resource":{"type":"R","id":"r"}}"#,
            r#"{"identityToken":null,"accessToken":"x.y.z","action":{"type":"A","id":"v"},"resource":{"type":"R","id":"r"}}"#,
        ] {
            assert!(agrees(text), "not read: {text}");
        }
    }

    #[test]
    fn leaves_everything_else_to_decode_request() {
        for text in [
            // Other forms of reference.
            r#"{"principal":"U::\"a\"","action":{"type":"A","id":"v"},"resource":{"type":"R","id":"r"}}"#,
            r#"{"principal":{"__entity":{"type":"U","id":"a"}},"action":{"type":"A","id":"v"},"resource":{"type":"R","id":"r"}}"#,
            r#"{"principal":{"type":"U","id":"a","x":1},"action":{"type":"A","id":"v"},"resource":{"type":"R","id":"r"}}"#,
            r#"{"principal":{"type":"U","entityType":"V"},"action":{"type":"A","id":"v"},"resource":{"type":"R","id":"r"}}"#,
            r#"{"principal":{"type":"U","id":1},"action":{"type":"A","id":"v"},"resource":{"type":"R","id":"r"}}"#,
            r#"{"principal":{"type":"U"},"action":{"type":"A","id":"v"},"resource":{"type":"R","id":"r"}}"#,
            // Names a field does not take: `actionType` outside the action, `entityKind` anywhere.
            r#"{"principal":{"actionType":"U","actionId":"a"},"action":{"type":"A","id":"v"},"resource":{"type":"R","id":"r"}}"#,
            r#"{"principal":{"entityKind":"U","id":"a"},"action":{"type":"A","id":"v"},"resource":{"type":"R","id":"r"}}"#,
            r#"{"principal":{"type":"U","identity":"a"},"action":{"type":"A","id":"v"},"resource":{"type":"R","id":"r"}}"#,
            // Invalid type names, missing or repeated fields, a context or entities that do not decode.
            r#"{"principal":{"type":"not a type","id":"a"},"action":{"type":"A","id":"v"},"resource":{"type":"R","id":"r"}}"#,
            r#"{"principal":{"type":"U","id":"a"},"resource":{"type":"R","id":"r"}}"#,
            r#"{"principal":{"type":"U","id":"a"},"action":null,"resource":{"type":"R","id":"r"}}"#,
            r#"{"principal":{"type":"U","id":"a"},"action":{"type":"A","id":"v"},"action":{"type":"A","id":"w"},"resource":{"type":"R","id":"r"}}"#,
            r#"{"principal":{"type":"U","id":"a"},"action":{"type":"A","id":"v"},"resource":{"type":"R","id":"r"},"context":[1]}"#,
            r#"{"principal":{"type":"U","id":"a"},"action":{"type":"A","id":"v"},"resource":{"type":"R","id":"r"},"context":{"cedarJson":"[1]"}}"#,
            r#"{"principal":{"type":"U","id":"a"},"action":{"type":"A","id":"v"},"resource":{"type":"R","id":"r"},"context":{"contextMap":{"n":1}}}"#,
            r#"[1]"#,
            // A list with the fields in order, which a derived struct would read by position.
            r#"[null,null,{"type":"U","id":"a"},{"type":"A","id":"v"},{"type":"R","id":"r"}]"#,
            r#" [null,null,null,{"type":"A","id":"v"},{"type":"R","id":"r"},{},null]"#,
            // A token that is not a plain string: `tokens_of` words it.
            r#"{"identityToken":7,"action":{"type":"A","id":"v"},"resource":{"type":"R","id":"r"}}"#,
            r#"{"identityToken":"a.\u0062.c","action":{"type":"A","id":"v"},"resource":{"type":"R","id":"r"}}"#,
            r#"{"principal":{"type":"U","id":"a"},"action":{"type":"A","id":"v"},"resource":{"type":"R","id":"r"}"#,
        ] {
            if serde_json::from_str::<Value>(text).is_ok() {
                assert!(!agrees(text), "read, but should be left alone: {text}");
            } else {
                assert!(read(text).is_none(), "{text}");
            }
        }
    }

    /// Random requests built from pieces of every form, valid and not: whatever `read` answers is what
    /// `decode_request` answers.
    #[test]
    fn agrees_with_decode_request_on_random_requests() {
        let references = [
            json!({"type": "App::User", "id": "alice"}),
            json!({"entityType": "App::Doc", "entityId": "d"}),
            json!({"actionType": "App::Action", "actionId": "view"}),
            json!({"id": "x", "type": "T"}),
            json!({"type": "T"}),
            json!({"type": "T", "id": "x", "extra": true}),
            json!({"type": "bad name", "id": "x"}),
            json!({"__entity": {"type": "T", "id": "x"}}),
            json!("T::\"x\""),
            json!(null),
            json!(7),
            json!({"actionId": "view", "actionType": "App::Action"}),
            json!({"entityType": "A", "id": "x"}),
            json!({"type": "A", "entityId": "x"}),
        ];
        let contexts = [
            json!(null),
            json!({}),
            json!({"a": 1}),
            json!({"contextMap": {"a": {"long": 1}}}),
            json!({"contextMap": {"a": 1}}),
            json!({"cedarJson": "{\"a\":1}"}),
            json!({"cedarJson": 3}),
            json!("text"),
        ];
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = |n: usize| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed % n as u64) as usize
        };
        let (mut read_count, mut total) = (0, 0);
        for _ in 0..4000 {
            let mut request = Map::new();
            for field in ["principal", "action", "resource"] {
                if next(8) > 0 {
                    // Half the time one of the first four, which are valid in most fields.
                    let pick = if next(2) == 0 { next(4) } else { next(references.len()) };
                    request.insert(field.into(), references[pick].clone());
                }
            }
            if next(2) == 0 {
                request.insert("context".into(), contexts[next(contexts.len())].clone());
            }
            let repeat = !request.is_empty() && next(10) == 0;
            let mut text = Value::Object(request).to_string();
            if repeat {
                // A repeated field, which a `Value` keeps the last of.
                text = text.replacen('{', r#"{"resource":{"type":"R","id":"first"},"#, 1);
            }
            total += 1;
            if agrees(&text) {
                read_count += 1;
            }
        }
        assert!(read_count > total / 8, "only {read_count} of {total} read directly");
    }
}
