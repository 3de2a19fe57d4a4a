//! The shapes of the requests the decision functions take, as types: what the TypeScript declarations of
//! the package are generated from. The functions themselves decode requests with [`super::decode_request`]
//! and [`super::decode_entities`], which accept exactly these forms and say precisely what is wrong with
//! anything else; a test checks that every request the tests send reads as these types too.

use serde::Deserialize;
use serde_json::{Map, Value};

/// An entity: Verified Permissions' `{entityType, entityId}`, Cedar's `{type, id}` (optionally under
/// `__entity`), or Cedar syntax, `Type::"id"`.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
#[serde(untagged)]
pub enum EntityReference {
    #[serde(rename_all = "camelCase")]
    Identifier {
        entity_type: String,
        entity_id: String,
    },
    Cedar(CedarUid),
    Escaped {
        #[serde(rename = "__entity")]
        entity: CedarUid,
    },
    Text(String),
}

/// Cedar's `{type, id}`.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
pub struct CedarUid {
    #[serde(rename = "type")]
    pub entity_type: String,
    pub id: String,
}

/// An action: Verified Permissions' `{actionType, actionId}`, or any form of [`EntityReference`].
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
#[serde(untagged)]
pub enum ActionReference {
    #[serde(rename_all = "camelCase")]
    Identifier {
        action_type: String,
        action_id: String,
    },
    Entity(EntityReference),
}

/// Verified Permissions' `AttributeValue`: one typed value.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
#[serde(rename_all = "camelCase")]
pub enum AttributeValue {
    String(String),
    /// A 64-bit integer: a `bigint` beyond 2^53.
    Long(i64),
    Boolean(bool),
    EntityIdentifier(EntityReference),
    Set(Vec<AttributeValue>),
    #[cfg_attr(target_arch = "wasm32", tsify(type = "Record<string, AttributeValue>"))]
    Record(Map<String, Value>),
    Ipaddr(String),
    Decimal(String),
    Datetime(String),
    Duration(String),
}

/// A request's context: Verified Permissions' `{contextMap}` of typed values, `{cedarJson: "<text>"}`, or a
/// plain Cedar JSON object.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
#[serde(untagged)]
pub enum ContextInput {
    #[serde(rename_all = "camelCase")]
    Typed {
        #[cfg_attr(target_arch = "wasm32", tsify(type = "Record<string, AttributeValue>"))]
        context_map: Map<String, Value>,
    },
    #[serde(rename_all = "camelCase")]
    CedarJson { cedar_json: String },
    #[cfg_attr(target_arch = "wasm32", tsify(type = "Record<string, Value>"))]
    Plain(Map<String, Value>),
}

/// One entity in Verified Permissions' `EntityItem` form.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
#[serde(rename_all = "camelCase")]
pub struct EntityItem {
    pub identifier: EntityReference,
    #[serde(default)]
    #[cfg_attr(target_arch = "wasm32", tsify(type = "Record<string, AttributeValue>", optional))]
    pub attributes: Map<String, Value>,
    #[serde(default)]
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub parents: Vec<EntityReference>,
    #[serde(default)]
    #[cfg_attr(target_arch = "wasm32", tsify(type = "Record<string, AttributeValue>", optional))]
    pub tags: Map<String, Value>,
}

/// A request's entities: Verified Permissions' `{entityList}`, `{cedarJson: "<text>"}`, or a list in either
/// form (`EntityItem`s, or Cedar's `{uid, attrs, parents}`).
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
#[serde(untagged)]
pub enum EntitiesInput {
    #[serde(rename_all = "camelCase")]
    Typed { entity_list: Vec<EntityItem> },
    #[serde(rename_all = "camelCase")]
    CedarJson { cedar_json: String },
    #[cfg_attr(target_arch = "wasm32", tsify(type = "Array<EntityItem | Record<string, Value>>"))]
    List(Vec<Value>),
}

/// `IsAuthorized`'s input.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
pub struct IsAuthorizedInput {
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub principal: Option<EntityReference>,
    pub action: ActionReference,
    pub resource: EntityReference,
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub context: Option<ContextInput>,
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub entities: Option<EntitiesInput>,
}

/// `BatchIsAuthorized`'s input: entities shared by every request, which may add their own.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
pub struct BatchIsAuthorizedInput {
    pub requests: Vec<IsAuthorizedInput>,
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub entities: Option<EntitiesInput>,
}

/// One request of a token call: its principal comes from the token.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
pub struct TokenRequestInput {
    pub action: ActionReference,
    pub resource: EntityReference,
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub context: Option<ContextInput>,
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub entities: Option<EntitiesInput>,
}

/// `IsAuthorizedWithToken`'s input: an ID token, an access token, or both, of the same user.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
#[serde(rename_all = "camelCase")]
pub struct IsAuthorizedWithTokenInput {
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub identity_token: Option<String>,
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub access_token: Option<String>,
    #[serde(flatten)]
    pub request: TokenRequestInput,
}

/// `BatchIsAuthorizedWithToken`'s input.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
#[serde(rename_all = "camelCase")]
pub struct BatchIsAuthorizedWithTokenInput {
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub identity_token: Option<String>,
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub access_token: Option<String>,
    pub requests: Vec<TokenRequestInput>,
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub entities: Option<EntitiesInput>,
}

/// The HTTP request facts an adapter read from its event.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
#[serde(rename_all = "camelCase")]
pub struct HttpRequestInput {
    /// As received: methods are case-sensitive.
    pub method: String,
    /// Default `/`.
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub path: Option<String>,
    /// The route key or resource template API Gateway matched, when the event has one.
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub route_key: Option<String>,
    #[cfg_attr(target_arch = "wasm32", tsify(type = "Record<string, string>", optional))]
    pub path_parameters: Option<Map<String, Value>>,
    /// The query string as received (CloudFront's `querystring`, HTTP API's `rawQueryString`): read here,
    /// so that a parameter given more than once is known. Takes the place of `query` when given.
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub raw_query: Option<String>,
    /// Names to a value, or to every value (REST API's `multiValueQueryStringParameters`).
    #[cfg_attr(target_arch = "wasm32", tsify(type = "Record<string, string | string[]>", optional))]
    pub query: Option<Map<String, Value>>,
    #[cfg_attr(target_arch = "wasm32", tsify(type = "Record<string, string | string[]>", optional))]
    pub headers: Option<Map<String, Value>>,
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub source_ip: Option<String>,
}

/// `authorizeHttp`'s and `prepareHttp`'s input.
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
#[serde(rename_all = "camelCase")]
pub struct HttpInput {
    /// The bearer token.
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub token: Option<String>,
    /// `identity`, `access`, or `auto` (the default: by the token's `token_use` or its source).
    #[cfg_attr(target_arch = "wasm32", tsify(type = "\"identity\" | \"access\" | \"auto\"", optional))]
    pub token_kind: Option<String>,
    pub http: HttpRequestInput,
    /// The caller forwards the answer's `path` (the normal form) rather than the path it received.
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub forwards_normalized_path: Option<bool>,
    /// Added to the route's context.
    #[cfg_attr(target_arch = "wasm32", tsify(type = "Record<string, Value>", optional))]
    pub context: Option<Map<String, Value>>,
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub entities: Option<EntitiesInput>,
    /// Also answer a policy API Gateway may cache for every route (`cachePolicy`).
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub all_routes: Option<bool>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_accepted_form_reads_as_the_declared_types() {
        let forms = [
            json!({
                "principal": { "entityType": "App::User", "entityId": "alice" },
                "action": { "actionType": "App::Action", "actionId": "view" },
                "resource": { "type": "App::Doc", "id": "d" },
                "context": { "contextMap": { "n": { "long": 1 }, "s": { "set": [{ "string": "x" }] } } },
                "entities": { "entityList": [{ "identifier": { "entityType": "App::User", "entityId": "alice" }, "parents": [] }] },
            }),
            json!({
                "principal": "App::User::\"alice\"",
                "action": { "__entity": { "type": "App::Action", "id": "view" } },
                "resource": { "entityType": "App::Doc", "entityId": "d" },
                "context": { "cedarJson": "{}" },
                "entities": [{ "uid": { "type": "App::User", "id": "alice" }, "attrs": {}, "parents": [] }],
            }),
            json!({ "action": "App::Action::\"view\"", "resource": "App::Doc::\"d\"", "context": { "plain": true } }),
        ];
        for form in forms {
            let typed: Result<IsAuthorizedInput, _> = serde_json::from_value(form.clone());
            assert!(typed.is_ok(), "{form}: {typed:?}");
            assert!(crate::request::decode_request(&form).is_ok(), "{form}");
            assert!(crate::request::decode_entities(form.get("entities")).is_ok(), "{form}");
        }
        let with_token: Result<IsAuthorizedWithTokenInput, _> = serde_json::from_value(
            json!({ "identityToken": "a.b.c", "action": "App::Action::\"view\"", "resource": "App::Doc::\"d\"" }),
        );
        assert!(with_token.is_ok());
        let http: Result<HttpInput, _> = serde_json::from_value(
            json!({ "token": "a.b.c", "tokenKind": "auto", "http": { "method": "GET", "path": "/x", "headers": { "a": "b" } }, "allRoutes": true }),
        );
        assert!(http.is_ok());
    }
}
