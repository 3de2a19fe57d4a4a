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

use crate::bundle::{canonical_hash, LoadError};
use crate::config::AuthorizerConfig;
use crate::diagnostics::error_chain;
use crate::store::{CompiledStore, PolicyEntry};

pub const COMPILED_FORMAT: &str = "cedar-authorizer/compiled-bundle";
pub const COMPILED_FORMAT_VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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

fn invalid(message: String) -> LoadError {
    LoadError { code: "bundle.invalid".into(), message, diagnostics: Vec::new() }
}

/// Compiles a (validated) bundle.
#[cfg(feature = "authoring")]
pub fn compile(bundle: &crate::bundle::Bundle) -> Result<CompiledBundle, LoadError> {
    use crate::store::SchemaFormat;
    let (compiled, diagnostics) = crate::store::compile(&bundle.sources, false);
    let compiled = compiled.ok_or_else(|| LoadError {
        code: "bundle.invalid".into(),
        message: "the bundle's store does not compile".into(),
        diagnostics,
    })?;
    let source = &bundle.sources.schema;
    let (fragment, cedar_text) = match source.format {
        SchemaFormat::Cedar => {
            let (fragment, _) = cedar_policy::SchemaFragment::from_cedarschema_str(&source.text)
                .map_err(|e| invalid(format!("the schema does not parse: {}", error_chain(&e))))?;
            (fragment, source.text.clone())
        }
        SchemaFormat::Json => {
            let fragment = cedar_policy::SchemaFragment::from_json_str(&source.text)
                .map_err(|e| invalid(format!("the schema does not parse: {}", error_chain(&e))))?;
            let text = fragment
                .to_cedarschema()
                .map_err(|e| invalid(format!("the schema cannot be printed: {}", error_chain(&e))))?;
            (fragment, text)
        }
    };
    let (schema_types, _) = cedar_policy::schema_str_to_json_with_resolved_types(&cedar_text)
        .map_err(|e| invalid(format!("the schema's types cannot be resolved: {}", error_chain(&e))))?;
    let mut out = CompiledBundle {
        format: COMPILED_FORMAT.into(),
        format_version: COMPILED_FORMAT_VERSION,
        hash: String::new(),
        source_hash: bundle.hash.clone(),
        namespace: compiled.namespace.clone(),
        schema: fragment
            .to_json_value()
            .map_err(|e| invalid(format!("the schema cannot be written as JSON: {}", error_chain(&e))))?,
        schema_types,
        policy_set: compiled
            .policies
            .to_json()
            .map_err(|e| invalid(format!("the policies cannot be written as JSON: {}", error_chain(&e))))?,
        entities: bundle.sources.entities.clone(),
        authorizer: bundle.sources.authorizer.clone(),
        policies: bundle.policies.clone(),
    };
    out.hash = hash_of(&out);
    Ok(out)
}

fn hash_of(compiled: &CompiledBundle) -> String {
    let mut value = serde_json::to_value(compiled).unwrap_or(Value::Null);
    if let Value::Object(map) = &mut value {
        map.remove("hash");
    }
    canonical_hash(&value)
}

/// Reads a compiled bundle and checks its format and hash.
pub fn from_value(value: Value) -> Result<CompiledBundle, LoadError> {
    let version = value.get("formatVersion").and_then(Value::as_u64).unwrap_or(0);
    if version != u64::from(COMPILED_FORMAT_VERSION) {
        return Err(LoadError {
            code: "bundle.format".into(),
            message: format!("compiled bundle format version {version} is not supported (this build reads version {COMPILED_FORMAT_VERSION}); compile the bundle again"),
            diagnostics: Vec::new(),
        });
    }
    let compiled: CompiledBundle =
        serde_json::from_value(value).map_err(|e| invalid(format!("the compiled bundle is not well formed: {e}")))?;
    let expected = hash_of(&compiled);
    if compiled.hash != expected {
        return Err(LoadError {
            code: "bundle.hash_mismatch".into(),
            message: format!(
                "the compiled bundle's content does not match its hash (`{}` recorded, `{expected}` computed): it was changed after it was built; build it again",
                compiled.hash
            ),
            diagnostics: Vec::new(),
        });
    }
    Ok(compiled)
}

/// The Cedar objects of a compiled bundle.
pub fn load(compiled: &CompiledBundle) -> Result<CompiledStore, LoadError> {
    let schema = Schema::from_json_value(compiled.schema.clone())
        .map_err(|e| invalid(format!("the compiled schema does not load: {}", error_chain(&e))))?;
    let policies = PolicySet::from_json_value(compiled.policy_set.clone())
        .map_err(|e| invalid(format!("the compiled policies do not load: {}", error_chain(&e))))?;
    let entities = Entities::from_json_value(Value::Array(compiled.entities.clone()), Some(&schema))
        .map_err(|e| invalid(format!("the static entities do not load: {}", error_chain(&e))))?;
    let actions: HashSet<EntityUid> = schema.actions().cloned().collect();
    Ok(CompiledStore {
        schema,
        policies,
        entities,
        config: compiled.authorizer.clone(),
        manifest: compiled.policies.clone(),
        namespace: compiled.namespace.clone(),
        actions,
    })
}
