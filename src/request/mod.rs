//! Amazon Verified Permissions' request and response shapes: `IsAuthorized`, `BatchIsAuthorized` and their
//! `WithToken` twins, decoded into Cedar's JSON forms and answered in AVP's response shape.

pub mod context;
pub mod entity_ref;
pub mod extension;
pub mod input;
pub mod path;
pub mod text;
pub mod values;

use cedar_policy::EntityUid;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;

use serde_json::{Map, Value};

use crate::errors::{short_json, Code, Error};
use crate::request::entity_ref::{EntityIdentifier, EntityRef};
use crate::request::values::{entity_to_cedar, typed_map_to_cedar};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(hashmap_as_object))]
#[serde(rename_all = "UPPERCASE")]
pub enum Decision {
    Allow,
    Deny,
}

impl std::fmt::Display for Decision {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Decision::Allow => "ALLOW",
            Decision::Deny => "DENY",
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(hashmap_as_object))]
#[serde(rename_all = "camelCase")]
pub struct DeterminingPolicy {
    pub policy_id: String,
}

/// The answer to one request: `IsAuthorized`'s output, plus `principal` for token requests.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(hashmap_as_object))]
#[serde(rename_all = "camelCase")]
pub struct Answer {
    pub decision: Decision,
    pub determining_policies: Vec<DeterminingPolicy>,
    pub errors: Vec<Error>,
    /// For token requests: the principal the token mapped to, `{entityType, entityId}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub principal: Option<EntityIdentifier>,
    /// Not part of Verified Permissions' shape: things worth knowing that did not change the decision,
    /// such as a token claim left out because its value did not fit the schema.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub warnings: Vec<Error>,
}

impl Answer {
    /// A DENY caused by `error`, with no determining policies.
    pub fn deny(error: Error) -> Self {
        Answer {
            decision: Decision::Deny,
            determining_policies: Vec::new(),
            errors: vec![error],
            principal: None,
            warnings: Vec::new(),
        }
    }

    pub fn is_allow(&self) -> bool {
        self.decision == Decision::Allow
    }

    pub fn policy_ids(&self) -> Vec<&str> {
        self.determining_policies.iter().map(|p| p.policy_id.as_str()).collect()
    }
}

/// One entry of a batch answer: the request as given, then the answer's fields.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(hashmap_as_object))]
#[serde(rename_all = "camelCase")]
pub struct BatchResult {
    pub request: Value,
    #[serde(flatten)]
    pub answer: Answer,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(hashmap_as_object))]
#[serde(rename_all = "camelCase")]
pub struct BatchAnswer {
    pub results: Vec<BatchResult>,
}

/// The principal, action, resource and context of a request, in Cedar's forms.
#[derive(Debug, Clone, PartialEq)]
pub struct RequestParts<'a> {
    pub principal: Option<EntityUid>,
    pub action: EntityUid,
    pub resource: EntityUid,
    /// A Cedar JSON record: the request's own where it was written as one, else converted.
    pub context: Cow<'a, Map<String, Value>>,
}

fn malformed(message: impl Into<String>) -> Error {
    Error::new(Code::RequestMalformed, message)
}

fn object<'a>(value: &'a Value, what: &str) -> Result<&'a Map<String, Value>, Error> {
    value.as_object().ok_or_else(|| malformed(format!("{what} must be an object, found {}", short_json(value))))
}

fn uid_field(map: &Map<String, Value>, field: &str, type_key: &str, id_key: &str) -> Result<Option<EntityUid>, Error> {
    match map.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(value) => {
            let entity = EntityRef::from_value_with(value, type_key, id_key)
                .map_err(|e| malformed(format!("`{field}`: {e}")))?;
            entity.to_uid().map(Some).map_err(|e| malformed(format!("`{field}`: {e}")))
        }
    }
}

/// Reads the principal (optional: token requests map it from the token), action, resource and context of
/// one request.
pub fn decode_request(value: &Value) -> Result<RequestParts<'_>, Error> {
    let map = object(value, "the request")?;
    let principal = uid_field(map, "principal", "entityType", "entityId")?;
    let action = uid_field(map, "action", "actionType", "actionId")?
        .ok_or_else(|| malformed("the request has no `action` ({\"actionType\": \"...\", \"actionId\": \"...\"})"))?;
    let resource = uid_field(map, "resource", "entityType", "entityId")?
        .ok_or_else(|| malformed("the request has no `resource` ({\"entityType\": \"...\", \"entityId\": \"...\"})"))?;
    let context = decode_context(map.get("context"))?;
    Ok(RequestParts { principal, action, resource, context })
}

/// A request's context: absent, `{"contextMap": {typed values}}`, `{"cedarJson": "<text>"}`, or a plain
/// Cedar JSON object.
pub fn decode_context(value: Option<&Value>) -> Result<Cow<'_, Map<String, Value>>, Error> {
    let invalid = |m: String| Error::new(Code::RequestInvalidContext, m);
    match value {
        None | Some(Value::Null) => Ok(Cow::Owned(Map::new())),
        Some(Value::Object(map)) => match (map.len(), map.get("contextMap"), map.get("cedarJson")) {
            (1, Some(Value::Object(typed)), _) => typed_map_to_cedar(typed, "context").map(Cow::Owned).map_err(invalid),
            (1, _, Some(Value::String(text))) => match serde_json::from_str::<Value>(text) {
                Ok(Value::Object(parsed)) => Ok(Cow::Owned(parsed)),
                Ok(other) => {
                    Err(invalid(format!("`context.cedarJson` must hold a JSON object, found {}", short_json(&other))))
                }
                Err(e) => Err(invalid(format!("`context.cedarJson` is not JSON: {e}"))),
            },
            _ => Ok(Cow::Borrowed(map)),
        },
        Some(other) => Err(invalid(format!("`context` must be an object, found {}", short_json(other)))),
    }
}

/// A request's entities as Cedar entity JSON: absent, `{"entityList": [...]}`, `{"cedarJson": "<text>"}`,
/// or a list; items in Verified Permissions' or Cedar's form.
pub fn decode_entities(value: Option<&Value>) -> Result<Vec<Value>, Error> {
    let invalid = |m: String| Error::new(Code::RequestInvalidEntities, m);
    // Each item is read into Cedar's form from where it stands: a list given as text is parsed first.
    let parsed;
    let list: &[Value] = match value {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(list)) => list,
        Some(Value::Object(map)) => match (map.get("entityList"), map.get("cedarJson")) {
            (Some(Value::Array(list)), None) => list,
            (None, Some(Value::String(text))) => match serde_json::from_str::<Value>(text) {
                Ok(Value::Array(list)) => {
                    parsed = list;
                    &parsed
                }
                Ok(other) => {
                    return Err(invalid(format!(
                        "`entities.cedarJson` must hold a JSON list, found {}",
                        short_json(&other)
                    )))
                }
                Err(e) => return Err(invalid(format!("`entities.cedarJson` is not JSON: {e}"))),
            },
            _ => {
                return Err(invalid(
                    "`entities` must be a list, {\"entityList\": [...]} or {\"cedarJson\": \"...\"}".into(),
                ))
            }
        },
        Some(other) => return Err(invalid(format!("`entities` must be a list, found {}", short_json(other)))),
    };
    list.iter().enumerate().map(|(i, e)| entity_to_cedar(e, i).map_err(invalid)).collect()
}
