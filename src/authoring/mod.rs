//! Authoring (the `authoring` feature): reading a store's files, validating them strictly, building and
//! compiling bundles, loading text bundles, and running policy tests. The runtime builds (Lambda@Edge, the
//! Node runtime module) leave all of it out: they load compiled bundles only.

mod depth;
pub mod editor;
mod has_check;
pub mod load;
mod locate;
pub mod policy_tests;

use serde::Serialize;

use crate::authorizer::Authorizer;
use crate::bundle::compiled::{self, CompiledBundle, COMPILED_FORMAT, COMPILED_FORMAT_VERSION};
use crate::bundle::{hash, Bundle, BUNDLE_FORMAT, BUNDLE_FORMAT_VERSION};
use crate::diagnostics::error_chain;
use crate::errors::{Code, Error, Failure};
use crate::store::schema_types::SchemaTypes;
use crate::store::{PolicyEntry, SchemaFormat, SchemaSource, StoreFiles, StoreSources};

pub use load::{check, has_errors, parse_uid, policy_spans, sources_from_files};

/// What building a bundle gives: the bundle when there were no errors, and every diagnostic.
#[derive(Debug, Clone, Serialize)]
pub struct BuildOutcome {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bundle: Option<Bundle>,
    pub diagnostics: Vec<Error>,
}

/// Validates a store's files and builds its bundle.
pub fn build_bundle(files: &StoreFiles) -> BuildOutcome {
    let sources = match load::sources_from_files(files) {
        Ok(sources) => sources,
        Err(mut diagnostics) => {
            locate::locate_in_files(&mut diagnostics, files);
            return BuildOutcome { bundle: None, diagnostics };
        }
    };
    let (store, mut diagnostics) = load::parse_store(&sources, true);
    locate::locate_in_files(&mut diagnostics, files);
    let bundle = store.map(|store| seal(sources, store.manifest));
    BuildOutcome { bundle, diagnostics }
}

fn seal(sources: StoreSources, policies: Vec<PolicyEntry>) -> Bundle {
    let mut bundle = Bundle {
        format: BUNDLE_FORMAT.into(),
        format_version: BUNDLE_FORMAT_VERSION,
        hash: String::new(),
        sources,
        policies,
    };
    bundle.hash = hash::content_hash(&bundle);
    bundle
}

/// A (validated) bundle compiled for the runtime builds: the store in Cedar's policy set and schema JSON
/// forms, so loading it needs no text parser and no validator.
pub fn compile_bundle(bundle: &Bundle) -> Result<CompiledBundle, Failure> {
    let too_deep = load::too_deep_to_compile(&bundle.sources);
    if !too_deep.is_empty() {
        return Err(Failure::with_summary(
            Code::PolicyTooDeep,
            "a policy nests too deeply for a compiled bundle (a text bundle of this store still loads, on the full module)",
            too_deep,
        ));
    }
    let (compiled, diagnostics) = load::parse_store(&bundle.sources, false);
    let compiled = compiled
        .ok_or_else(|| Failure::with_summary(Code::BundleInvalid, "the bundle's store does not load", diagnostics))?;
    let source = &bundle.sources.schema;
    let (fragment, cedar_text) = match source.format {
        SchemaFormat::Cedar => {
            let (fragment, _) = cedar_policy::SchemaFragment::from_cedarschema_str(&source.text)
                .map_err(|e| compiled::invalid(format!("the schema does not parse: {}", error_chain(&e))))?;
            (fragment, source.text.clone())
        }
        SchemaFormat::Json => {
            let fragment = cedar_policy::SchemaFragment::from_json_str(&source.text)
                .map_err(|e| compiled::invalid(format!("the schema does not parse: {}", error_chain(&e))))?;
            let text = fragment
                .to_cedarschema()
                .map_err(|e| compiled::invalid(format!("the schema cannot be printed: {}", error_chain(&e))))?;
            (fragment, text)
        }
    };
    let (schema_types, _) = cedar_policy::schema_str_to_json_with_resolved_types(&cedar_text)
        .map_err(|e| compiled::invalid(format!("the schema's types cannot be resolved: {}", error_chain(&e))))?;
    let mut out = CompiledBundle {
        format: COMPILED_FORMAT.into(),
        format_version: COMPILED_FORMAT_VERSION,
        hash: String::new(),
        source_hash: bundle.hash.clone(),
        namespace: compiled.namespace.clone(),
        schema: fragment
            .to_json_value()
            .map_err(|e| compiled::invalid(format!("the schema cannot be written as JSON: {}", error_chain(&e))))?,
        schema_types,
        policy_set: compiled
            .policies
            .to_json()
            .map_err(|e| compiled::invalid(format!("the policies cannot be written as JSON: {}", error_chain(&e))))?,
        entities: bundle.sources.entities.clone(),
        authorizer: bundle.sources.authorizer.clone(),
        policies: bundle.policies.clone(),
    };
    out.hash = hash::content_hash(&out);
    Ok(out)
}

/// The attribute types of a store's schema. A schema that parsed for the store parses here too; any
/// failure leaves the tables empty, which maps no claims rather than wrong ones.
pub fn schema_types(source: &SchemaSource) -> SchemaTypes {
    let cedar_text = match source.format {
        SchemaFormat::Cedar => Some(source.text.clone()),
        SchemaFormat::Json => {
            cedar_policy::SchemaFragment::from_json_str(&source.text).ok().and_then(|f| f.to_cedarschema().ok())
        }
    };
    cedar_text
        .and_then(|text| cedar_policy::schema_str_to_json_with_resolved_types(&text).ok())
        .map(|(json, _)| SchemaTypes::from_resolved_json(&json))
        .unwrap_or_default()
}

impl Authorizer {
    /// Loads a bundle (its hash already checked by [`crate::bundle::from_value`]): parses its schema and
    /// policies again, the same way they were parsed when it was built.
    pub fn from_bundle(bundle: &Bundle) -> Result<Self, Failure> {
        let (store, diagnostics) = load::parse_store(&bundle.sources, false);
        let Some(store) = store else {
            return Err(Failure::with_summary(Code::BundleInvalid, "the bundle's store does not load", diagnostics));
        };
        if store.manifest.iter().map(|e| &e.id).ne(bundle.policies.iter().map(|e| &e.id)) {
            return Err(Failure::of(
                Code::BundleInvalid,
                "the bundle's policy list does not match its policy files; rebuild it with `cedar-authorizer bundle`",
            ));
        }
        Authorizer::new(store, bundle.hash.clone(), schema_types(&bundle.sources.schema))
    }

    /// Validates a store's files, builds its bundle and loads it.
    pub fn from_files(files: &StoreFiles) -> Result<Self, Failure> {
        let outcome = build_bundle(files);
        match outcome.bundle {
            Some(bundle) => Authorizer::from_bundle(&bundle),
            None => Err(Failure::with_summary(Code::StoreInvalid, "the policy store has errors", outcome.diagnostics)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rides_like() -> StoreFiles {
        [
            (
                "schema.cedarschema",
                "namespace A { entity U; entity R; action go appliesTo { principal: U, resource: R }; }",
            ),
            ("p.cedar", "permit(principal, action == A::Action::\"go\", resource);"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
    }

    #[test]
    fn hash_is_stable_and_checked() {
        let a = build_bundle(&rides_like()).bundle.expect("bundle");
        let b = build_bundle(&rides_like()).bundle.expect("bundle");
        assert_eq!(a.hash, b.hash);
        assert!(a.hash.starts_with("sha256:") && a.hash.len() == 7 + 64);
        let text = serde_json::to_string_pretty(&a).unwrap();
        assert_eq!(crate::bundle::from_json_str(&text).expect("loads").hash, a.hash);
        let tampered = text.replace("permit(", "forbid(");
        assert_eq!(crate::bundle::from_json_str(&tampered).unwrap_err().code(), "bundle.hash_mismatch");
        // key order does not matter
        let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
        let reordered: serde_json::Map<String, serde_json::Value> =
            v.as_object_mut().unwrap().clone().into_iter().rev().collect();
        assert!(crate::bundle::from_value(serde_json::Value::Object(reordered)).is_ok());
    }

    #[test]
    fn other_documents_are_rejected_with_a_reason() {
        assert_eq!(crate::bundle::from_json_str("{}").unwrap_err().code(), "bundle.format");
        assert_eq!(crate::bundle::from_json_str("nope").unwrap_err().code(), "bundle.invalid");
        let e =
            crate::bundle::from_json_str(r#"{"format": "cedar-authorizer/bundle", "formatVersion": 99}"#).unwrap_err();
        assert!(e.to_string().contains("version 99"), "{e}");
    }
}
