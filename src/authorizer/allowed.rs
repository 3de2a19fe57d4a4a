//! "Which actions may this principal take on this resource?", the question every UI asks to show or hide
//! its buttons: every action of the schema that applies to the principal's and the resource's types, each
//! decided exactly, as one batch over those actions (no partial evaluation). The principal is the request's,
//! or the one its token maps to.

use serde::Serialize;
use serde_json::{Map, Value};

use super::Authorizer;
use crate::errors::{Code, Error};
use crate::request::entity_ref::{type_name, EntityRef};
use crate::request::{Answer, BatchAnswer};

/// One action and its decision.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(hashmap_as_object))]
#[serde(rename_all = "camelCase")]
pub struct AllowedAction {
    /// Verified Permissions' `{actionType, actionId}`.
    #[cfg_attr(target_arch = "wasm32", tsify(type = "{ actionType: string; actionId: string }"))]
    pub action: Value,
    #[serde(flatten)]
    pub answer: Answer,
}

/// `allowedActions`: the actions in the schema's order of names, and what kept the question from being
/// asked at all (no principal, a token that does not verify), if anything.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(hashmap_as_object))]
#[serde(rename_all = "camelCase")]
pub struct AllowedActions {
    pub actions: Vec<AllowedAction>,
    /// The principal asked about (the token's, when it came from one).
    #[cfg_attr(target_arch = "wasm32", tsify(type = "{ entityType: string; entityId: string } | null"))]
    pub principal: Value,
    pub errors: Vec<Error>,
}

impl AllowedActions {
    pub fn refused(error: Error) -> Self {
        AllowedActions { actions: Vec::new(), principal: Value::Null, errors: vec![error] }
    }
}

/// `{entityType, entityId}`.
fn avp(entity: &EntityRef) -> Value {
    serde_json::json!({ "entityType": entity.entity_type, "entityId": entity.id })
}

fn reference(input: &Value, key: &str) -> Result<EntityRef, Error> {
    let value =
        input.get(key).ok_or_else(|| Error::new(Code::RequestInvalid, format!("allowedActions needs a `{key}`")))?;
    EntityRef::from_value_with(value, "entityType", "entityId")
        .map_err(|why| Error::new(Code::RequestMalformed, format!("the `{key}` cannot be read: {why}")))
}

impl Authorizer {
    /// Every action of the schema that applies to `principal`'s (or the token's principal's) type and
    /// `resource`'s type, decided with the request's `context` and `entities`. `now` (seconds) verifies a
    /// token; it is unused without one.
    pub fn allowed_actions(&self, input: &Value, now: u64) -> AllowedActions {
        if !input.is_object() {
            return AllowedActions::refused(Error::new(Code::RequestMalformed, "allowedActions takes an object"));
        }
        let with_token = input.get("identityToken").is_some() || input.get("accessToken").is_some();
        let principal = if with_token {
            match super::with_token::tokens_of(input).and_then(|tokens| self.identity(&tokens, now)) {
                Ok(identity) => identity.mapped.principal.clone(),
                Err(e) => return AllowedActions::refused(e),
            }
        } else {
            match reference(input, "principal") {
                Ok(p) => p,
                Err(e) => return AllowedActions::refused(e),
            }
        };
        let resource = match reference(input, "resource") {
            Ok(r) => r,
            Err(e) => return AllowedActions::refused(e),
        };
        let types = type_name(&principal.entity_type).and_then(|p| type_name(&resource.entity_type).map(|r| (p, r)));
        let (principal_type, resource_type) = match types {
            Ok(t) => t,
            Err(why) => return AllowedActions::refused(Error::new(Code::RequestInvalid, why)),
        };
        let mut actions: Vec<(String, String)> = self
            .store
            .schema
            .actions_for_principal_and_resource(&principal_type, &resource_type)
            .map(|uid| (uid.type_name().to_string(), uid.id().unescaped().to_string()))
            .collect();
        actions.sort();
        actions.dedup();
        let requests: Vec<Value> = actions
            .iter()
            .map(|(action_type, action_id)| {
                let mut request = Map::new();
                if !with_token {
                    request.insert("principal".into(), avp(&principal));
                }
                request
                    .insert("action".into(), serde_json::json!({ "actionType": action_type, "actionId": action_id }));
                request.insert("resource".into(), avp(&resource));
                if let Some(context) = input.get("context") {
                    request.insert("context".into(), context.clone());
                }
                Value::Object(request)
            })
            .collect();
        let mut batch = Map::new();
        for key in ["identityToken", "accessToken", "entities"] {
            if let Some(v) = input.get(key) {
                batch.insert(key.into(), v.clone());
            }
        }
        batch.insert("requests".into(), Value::Array(requests));
        let batch = Value::Object(batch);
        let BatchAnswer { results } = if with_token {
            self.batch_is_authorized_with_token(&batch, now)
        } else {
            self.batch_is_authorized(&batch)
        };
        let actions = results
            .into_iter()
            .map(|r| AllowedAction {
                action: r.request.get("action").cloned().unwrap_or(Value::Null),
                answer: r.answer,
            })
            .collect();
        AllowedActions { actions, principal: avp(&principal), errors: Vec::new() }
    }
}
