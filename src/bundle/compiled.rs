//! Compiled bundles: a bundle's store already parsed, in Cedar's JSON forms (policy set JSON, schema
//! JSON), for runtimes where size and start-up time matter most (Lambda@Edge). Loading one needs no
//! policy or schema text parser and no validator, so a build without the `authoring` feature leaves them
//! out.
//!
//! A compiled bundle is made from a validated bundle (`cedar-authorizer bundle --compiled`) and records
//! that bundle's hash as `sourceHash`; its own `hash` covers its content the same way.

use std::collections::HashSet;

use cedar_policy::{Entities, EntityUid, PolicySet, Schema};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::diagnostics::error_chain;
use crate::errors::{Code, Failure};
use crate::store::config::AuthorizerConfig;
use crate::store::{PolicyEntry, PolicyStore};

pub const COMPILED_FORMAT: &str = "cedar-authorizer/compiled-bundle";
pub const COMPILED_FORMAT_VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(hashmap_as_object))]
#[serde(rename_all = "camelCase")]
pub struct CompiledBundle {
    pub format: String,
    pub format_version: u32,
    pub hash: String,
    /// The hash of the bundle this was compiled from.
    pub source_hash: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// The schema in Cedar's JSON schema form.
    pub schema: Value,
    /// The schema's types with common types resolved, for typing token claims.
    pub schema_types: Value,
    /// Policies, templates and links in Cedar's policy set JSON form.
    pub policy_set: Value,
    pub entities: Vec<Value>,
    pub authorizer: AuthorizerConfig,
    pub policies: Vec<PolicyEntry>,
}

pub(crate) fn invalid(message: String) -> Failure {
    Failure::of(Code::BundleInvalid, message)
}

/// Reads a compiled bundle and checks its format and hash.
pub fn from_value(value: Value) -> Result<CompiledBundle, Failure> {
    let version = value.get("formatVersion").and_then(Value::as_u64).unwrap_or(0);
    if version != u64::from(COMPILED_FORMAT_VERSION) {
        return Err(Failure::of(Code::BundleFormat, format!("compiled bundle format version {version} is not supported (this build reads version {COMPILED_FORMAT_VERSION}); compile the bundle again")));
    }
    let compiled: CompiledBundle =
        serde_json::from_value(value).map_err(|e| invalid(format!("the compiled bundle is not well formed: {e}")))?;
    let expected = crate::bundle::hash::content_hash(&compiled);
    if compiled.hash != expected {
        return Err(Failure::of(Code::BundleHashMismatch, format!(
                "the compiled bundle's content does not match its hash (`{}` recorded, `{expected}` computed): it was changed after it was built; build it again",
                compiled.hash
            )));
    }
    Ok(compiled)
}

/// The Cedar objects of a compiled bundle.
pub fn load(compiled: &CompiledBundle) -> Result<PolicyStore, Failure> {
    let schema = Schema::from_json_value(compiled.schema.clone())
        .map_err(|e| invalid(format!("the compiled schema does not load: {}", error_chain(&e))))?;
    let policies = PolicySet::from_json_value(compiled.policy_set.clone())
        .map_err(|e| invalid(format!("the compiled policies do not load: {}", error_chain(&e))))?;
    let entities = Entities::from_json_value(Value::Array(compiled.entities.clone()), Some(&schema))
        .map_err(|e| invalid(format!("the static entities do not load: {}", error_chain(&e))))?;
    let actions: HashSet<EntityUid> = schema.actions().cloned().collect();
    Ok(PolicyStore {
        schema,
        policies,
        entities,
        config: compiled.authorizer.clone(),
        manifest: compiled.policies.clone(),
        namespace: compiled.namespace.clone(),
        actions,
    })
}
