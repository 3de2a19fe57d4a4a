//! Bundles: one JSON document holding a validated policy store, with a SHA-256 content hash.
//!
//! A bundle carries the store's texts (so diagnostics and the test bench can point into them), the
//! policy manifest (ids, kinds, places) and `authorizer.json`. Its `hash` is the SHA-256 of the bundle's
//! canonical JSON (object keys sorted, no whitespace) without the `hash` field; loading checks it.

pub mod compiled;
pub mod hash;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::errors::{Code, Failure};
use crate::store::{PolicyEntry, StoreSources};

pub const BUNDLE_FORMAT: &str = "cedar-authorizer/bundle";
pub const BUNDLE_FORMAT_VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(hashmap_as_object))]
#[serde(rename_all = "camelCase")]
pub struct Bundle {
    pub format: String,
    pub format_version: u32,
    /// `sha256:<hex>` of the canonical JSON of everything else.
    pub hash: String,
    #[serde(flatten)]
    pub sources: StoreSources,
    pub policies: Vec<PolicyEntry>,
}

/// Reads a bundle and checks its format and hash.
pub fn from_value(value: Value) -> Result<Bundle, Failure> {
    let format = value.get("format").and_then(Value::as_str).unwrap_or_default().to_string();
    if format != BUNDLE_FORMAT {
        return Err(Failure::of(
            Code::BundleFormat,
            format!("not a cedar-authorizer bundle (its `format` is `{format}`, expected `{BUNDLE_FORMAT}`)"),
        ));
    }
    let version = value.get("formatVersion").and_then(Value::as_u64).unwrap_or(0);
    if version != u64::from(BUNDLE_FORMAT_VERSION) {
        return Err(Failure::of(Code::BundleFormat,
            format!(
                "bundle format version {version} is not supported (this build reads version {BUNDLE_FORMAT_VERSION}); rebuild the bundle with `cedar-authorizer bundle`"
            ),
        ));
    }
    let bundle: Bundle = serde_json::from_value(value)
        .map_err(|e| Failure::of(Code::BundleInvalid, format!("the bundle is not well formed: {e}")))?;
    let expected = hash::content_hash(&bundle);
    if bundle.hash != expected {
        return Err(Failure::of(Code::BundleHashMismatch,
            format!(
                "the bundle's content does not match its hash (`{}` recorded, `{expected}` computed): it was changed after it was built; rebuild it with `cedar-authorizer bundle`",
                bundle.hash
            ),
        ));
    }
    Ok(bundle)
}

pub fn from_json_str(text: &str) -> Result<Bundle, Failure> {
    let value: Value = serde_json::from_str(text)
        .map_err(|e| Failure::of(Code::BundleInvalid, format!("the bundle is not JSON: {e}")))?;
    from_value(value)
}

/// A bundle document of either kind, told apart by its `format` (the only place that tells them apart).
#[derive(Debug, Clone, PartialEq)]
pub enum Document {
    /// Texts of a validated store: loads with the `authoring` feature.
    Bundle(Bundle),
    /// The store in Cedar's JSON forms: loads in every build.
    Compiled(compiled::CompiledBundle),
}

/// The kind of a bundle document by its `format`: `bundle`, `compiled`, or `None` for anything else.
pub fn kind_of(value: &Value) -> Option<&'static str> {
    match value.get("format").and_then(Value::as_str) {
        Some(BUNDLE_FORMAT) => Some("bundle"),
        Some(compiled::COMPILED_FORMAT) => Some("compiled"),
        _ => None,
    }
}

/// Reads a bundle document of either kind, checking its format version and hash.
pub fn read(value: Value) -> Result<Document, Failure> {
    match kind_of(&value) {
        Some("compiled") => compiled::from_value(value).map(Document::Compiled),
        _ => from_value(value).map(Document::Bundle),
    }
}

/// Reads a bundle document from JSON text.
pub fn read_text(text: &str) -> Result<Document, Failure> {
    let value: Value = serde_json::from_str(text)
        .map_err(|e| Failure::of(Code::BundleInvalid, format!("the bundle is not JSON: {e}")))?;
    read(value)
}
