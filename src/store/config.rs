//! `authorizer.json`: how the authorizer reads tokens and routes.
//!
//! The identity source shapes are Amazon Verified Permissions' own (`CreateIdentitySource`'s
//! `principalEntityType` and `configuration`), so an existing configuration can be pasted in. The JSON
//! Schema for the file is `js/schema/authorizer.schema.json`.

use serde::{Deserialize, Serialize};

/// The whole of `authorizer.json`. Every field is optional: a store without the file validates policies
/// strictly and has no identity sources or routes.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(hashmap_as_object))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AuthorizerConfig {
    /// Editor hint, ignored.
    #[serde(rename = "$schema", default, skip_serializing_if = "Option::is_none")]
    pub json_schema: Option<String>,
    /// The namespace actions and the default resource live in. Defaults to the schema's only namespace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    #[serde(default)]
    pub validation_settings: ValidationSettings,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub identity_sources: Vec<IdentitySource>,
    #[serde(default)]
    pub token_validation: TokenValidation,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub routes: Vec<RouteConfig>,
    #[serde(default, skip_serializing_if = "RouteSettings::is_default")]
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub route_settings: RouteSettings,
}

/// How request paths are matched against the routes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(hashmap_as_object))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RouteSettings {
    /// Whether literal path segments match case-sensitively. Default `true`, as in API Gateway; set
    /// `false` only for an origin that treats paths case-insensitively. Then a cacheable IAM policy
    /// (`policyScope: 'all-routes'`) lists exact ARNs only.
    #[serde(default = "yes")]
    pub case_sensitive_paths: bool,
}

fn yes() -> bool {
    true
}

impl Default for RouteSettings {
    fn default() -> Self {
        RouteSettings { case_sensitive_paths: true }
    }
}

impl RouteSettings {
    fn is_default(&self) -> bool {
        *self == RouteSettings::default()
    }
}

/// Verified Permissions' `validationSettings`: `STRICT` (the default) validates every policy and template
/// against the schema when the bundle is built; `OFF` only parses them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(hashmap_as_object))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ValidationSettings {
    #[serde(default)]
    pub mode: ValidationMode,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(hashmap_as_object))]
#[serde(rename_all = "UPPERCASE")]
pub enum ValidationMode {
    #[default]
    Strict,
    Off,
}

/// One identity source, as `CreateIdentitySource` takes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(hashmap_as_object))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct IdentitySource {
    /// Accepted for compatibility with pasted Verified Permissions input; not used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy_store_id: Option<String>,
    /// The Cedar entity type of principals from this source, such as `MyApp::User`.
    pub principal_entity_type: String,
    pub configuration: IdentitySourceConfiguration,
}

/// Exactly one of the two members is set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(hashmap_as_object))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct IdentitySourceConfiguration {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cognito_user_pool_configuration: Option<CognitoUserPoolConfiguration>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub open_id_connect_configuration: Option<OpenIdConnectConfiguration>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(hashmap_as_object))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CognitoUserPoolConfiguration {
    /// `arn:aws:cognito-idp:<region>:<account>:userpool/<userPoolId>`.
    pub user_pool_arn: String,
    /// App client ids whose tokens are accepted. Empty accepts any client of the pool, as in Verified
    /// Permissions.
    #[serde(default)]
    pub client_ids: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_configuration: Option<CognitoGroupConfiguration>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(hashmap_as_object))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CognitoGroupConfiguration {
    pub group_entity_type: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(hashmap_as_object))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OpenIdConnectConfiguration {
    pub issuer: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entity_id_prefix: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group_configuration: Option<OpenIdConnectGroupConfiguration>,
    pub token_selection: OpenIdConnectTokenSelection,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(hashmap_as_object))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OpenIdConnectGroupConfiguration {
    pub group_claim: String,
    pub group_entity_type: String,
}

/// Exactly one of the two members is set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(hashmap_as_object))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OpenIdConnectTokenSelection {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_token_only: Option<OpenIdConnectAccessTokenConfiguration>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity_token_only: Option<OpenIdConnectIdentityTokenConfiguration>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(hashmap_as_object))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OpenIdConnectAccessTokenConfiguration {
    /// The `aud` values accepted. Missing accepts any audience (as in Verified Permissions, with a warning
    /// at load); an empty list is refused (Verified Permissions requires at least one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audiences: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub principal_id_claim: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(hashmap_as_object))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OpenIdConnectIdentityTokenConfiguration {
    #[serde(default)]
    pub client_ids: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub principal_id_claim: Option<String>,
}

/// Limits applied to every token.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(hashmap_as_object))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TokenValidation {
    /// Allowed clock difference, in seconds, for `exp`, `nbf` and `iat`. Default 60.
    #[serde(default = "default_leeway")]
    pub clock_skew_seconds: u64,
    /// Longest token accepted, in bytes. Default 16384.
    #[serde(default = "default_max_token_bytes")]
    pub max_token_bytes: usize,
}

fn default_leeway() -> u64 {
    60
}

fn default_max_token_bytes() -> usize {
    16 * 1024
}

impl Default for TokenValidation {
    fn default() -> Self {
        TokenValidation { clock_skew_seconds: default_leeway(), max_token_bytes: default_max_token_bytes() }
    }
}

/// One API route and the Cedar request it becomes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(hashmap_as_object))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RouteConfig {
    /// An HTTP method or `ANY`. Omit it when `route` is given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// An API Gateway resource path template: `/riders/{id}`, `/files/{proxy+}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// An HTTP API route key instead of `method` and `path`: `GET /riders/{id}`, `ANY /{proxy+}`,
    /// `$default`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub route: Option<String>,
    /// The action id. Defaults to Verified Permissions' API-linked naming: lowercased
    /// `<method> <path template>`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
    /// The resource. Defaults to `<Namespace>::Application::"<Namespace>"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource: Option<RouteEntity>,
    /// Context attributes taken from the request, each a template such as `{path.id}`,
    /// `{query.page}`, `{header.x-tenant}`, `{sourceIp}`, or a literal.
    #[serde(default, skip_serializing_if = "serde_json::Map::is_empty")]
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    #[cfg_attr(target_arch = "wasm32", tsify(type = "Record<string, Value>"))]
    pub context: serde_json::Map<String, serde_json::Value>,
}

/// An entity named by a route: a type and an id template.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(hashmap_as_object))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RouteEntity {
    #[serde(rename = "type")]
    pub entity_type: String,
    pub id: String,
}

impl AuthorizerConfig {
    /// Parses `authorizer.json`, with a message that names the field at fault.
    pub fn from_json_str(text: &str) -> Result<Self, serde_json::Error> {
        serde_json::from_str(text)
    }
}
