//! Policy stores: a folder of schema, policies, template links, static entities and `authorizer.json`, as
//! texts (the caller does the I/O), and [`PolicyStore`], the Cedar objects they become.
//!
//! Text is parsed by [`crate::authoring::load::parse_store`] (the same function when a bundle is built,
//! with strict validation, and when a text bundle is loaded, so a bundle means exactly what its store
//! meant); a compiled bundle becomes a `PolicyStore` without any text parser
//! ([`crate::bundle::compiled::load`]).

pub mod config;
pub mod schema_types;

use std::collections::{BTreeMap, HashSet};

use cedar_policy::{Entities, EntityUid, PolicySet, Schema};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::errors::Position;
use crate::request::entity_ref::EntityRef;
use crate::store::config::AuthorizerConfig;

/// The files of a policy store: path relative to the store's root, and text.
pub type StoreFiles = BTreeMap<String, String>;

pub const SCHEMA_FILE: &str = "schema.cedarschema";
pub const SCHEMA_JSON_FILE: &str = "schema.cedarschema.json";
pub const LINKS_FILE: &str = "links.json";
pub const ENTITIES_FILE: &str = "entities.json";
pub const CONFIG_FILE: &str = "authorizer.json";
/// Folder of the store's policy test files.
pub const TESTS_DIR: &str = "tests/";

/// A text file of the store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(hashmap_as_object))]
pub struct SourceFile {
    pub file: String,
    pub text: String,
}

/// The schema, in Cedar's schema syntax or its JSON form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(hashmap_as_object))]
#[serde(rename_all = "lowercase")]
pub enum SchemaFormat {
    Cedar,
    Json,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(hashmap_as_object))]
pub struct SchemaSource {
    pub file: String,
    pub format: SchemaFormat,
    pub text: String,
}

/// A template link from `links.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(hashmap_as_object))]
#[serde(rename_all = "camelCase")]
pub struct TemplateLink {
    /// The id of the linked policy.
    pub id: String,
    pub template_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub principal: Option<EntityRef>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource: Option<EntityRef>,
}

/// Everything a store says, as text and JSON: what a bundle carries.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(hashmap_as_object))]
#[serde(rename_all = "camelCase")]
pub struct StoreSources {
    pub schema: SchemaSource,
    pub policy_files: Vec<SourceFile>,
    #[serde(default)]
    pub links: Vec<TemplateLink>,
    /// Static entities in Cedar's entity JSON form.
    #[serde(default)]
    pub entities: Vec<Value>,
    #[serde(default)]
    pub authorizer: AuthorizerConfig,
}

/// What kind of policy a manifest entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(hashmap_as_object))]
#[serde(rename_all = "lowercase")]
pub enum PolicyKind {
    Static,
    Template,
    Link,
}

/// Where each policy came from: its id, file and place in the file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(hashmap_as_object))]
#[serde(rename_all = "camelCase")]
pub struct PolicyEntry {
    pub id: String,
    pub kind: PolicyKind,
    /// `permit` or `forbid`.
    pub effect: String,
    pub file: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub template_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offset: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub length: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start: Option<Position>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end: Option<Position>,
}

/// A store turned into Cedar objects, ready to authorize.
#[derive(Debug, Clone)]
pub struct PolicyStore {
    pub schema: Schema,
    pub policies: PolicySet,
    pub entities: Entities,
    pub config: AuthorizerConfig,
    pub manifest: Vec<PolicyEntry>,
    /// The namespace of the store's actions, when there is exactly one.
    pub namespace: Option<String>,
    /// Every action the schema declares.
    pub actions: HashSet<EntityUid>,
}
