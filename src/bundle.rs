//! Bundles: one JSON document holding a validated policy store, with a SHA-256 content hash.
//!
//! A bundle carries the store's texts (so diagnostics and the test bench can point into them), the
//! policy manifest (ids, kinds, places) and `authorizer.json`. Its `hash` is the SHA-256 of the bundle's
//! canonical JSON (object keys sorted, no whitespace) without the `hash` field; loading checks it.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::diagnostics::Diagnostic;
#[cfg(feature = "authoring")]
use crate::store::{self, StoreFiles};
use crate::store::{PolicyEntry, StoreSources};

pub const BUNDLE_FORMAT: &str = "cedar-authorizer/bundle";
pub const BUNDLE_FORMAT_VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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

/// What building a bundle gives: the bundle when there were no errors, and every diagnostic.
#[derive(Debug, Clone, Serialize)]
pub struct BuildOutcome {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bundle: Option<Bundle>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Why a bundle could not be loaded.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LoadError {
    pub code: String,
    pub message: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub diagnostics: Vec<Diagnostic>,
}

impl LoadError {
    fn new(code: &str, message: impl Into<String>) -> Self {
        LoadError { code: code.into(), message: message.into(), diagnostics: Vec::new() }
    }
}

impl std::fmt::Display for LoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.message)?;
        for d in self.diagnostics.iter().filter(|d| d.severity == crate::diagnostics::Severity::Error) {
            let place = match (&d.file, d.start) {
                (Some(file), Some(p)) => format!("{file}:{}:{}: ", p.line, p.column),
                (Some(file), None) => format!("{file}: "),
                _ => String::new(),
            };
            write!(f, "\n  {place}{}", d.message)?;
        }
        Ok(())
    }
}

impl std::error::Error for LoadError {}

/// Validates a store's files and builds its bundle.
#[cfg(feature = "authoring")]
pub fn build(files: &StoreFiles) -> BuildOutcome {
    let sources = match store::sources_from_files(files) {
        Ok(sources) => sources,
        Err(diagnostics) => return BuildOutcome { bundle: None, diagnostics },
    };
    let (compiled, diagnostics) = store::compile(&sources, true);
    let bundle = compiled.map(|compiled| seal(sources, compiled.manifest));
    BuildOutcome { bundle, diagnostics }
}

#[cfg(feature = "authoring")]
fn seal(sources: StoreSources, policies: Vec<PolicyEntry>) -> Bundle {
    let mut bundle = Bundle {
        format: BUNDLE_FORMAT.into(),
        format_version: BUNDLE_FORMAT_VERSION,
        hash: String::new(),
        sources,
        policies,
    };
    bundle.hash = content_hash(&bundle);
    bundle
}

/// The `sha256:<hex>` content hash of a bundle (its `hash` field is not part of it).
pub fn content_hash(bundle: &Bundle) -> String {
    let mut value = serde_json::to_value(bundle).unwrap_or(Value::Null);
    if let Value::Object(map) = &mut value {
        map.remove("hash");
    }
    canonical_hash(&value)
}

/// `sha256:<hex>` of a value's canonical JSON.
pub fn canonical_hash(value: &Value) -> String {
    let mut canonical = String::new();
    write_canonical(value, &mut canonical);
    let digest = Sha256::digest(canonical.as_bytes());
    format!("sha256:{}", hex(&digest))
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// JSON with object keys in sorted order and no whitespace.
fn write_canonical(value: &Value, out: &mut String) {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, key) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(key.clone()).to_string());
                out.push(':');
                write_canonical(&map[key], out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(item, out);
            }
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}

/// Reads a bundle and checks its format and hash.
pub fn from_value(value: Value) -> Result<Bundle, LoadError> {
    let format = value.get("format").and_then(Value::as_str).unwrap_or_default().to_string();
    if format != BUNDLE_FORMAT {
        return Err(LoadError::new(
            "bundle.format",
            format!("not a cedar-authorizer bundle (its `format` is `{format}`, expected `{BUNDLE_FORMAT}`)"),
        ));
    }
    let version = value.get("formatVersion").and_then(Value::as_u64).unwrap_or(0);
    if version != u64::from(BUNDLE_FORMAT_VERSION) {
        return Err(LoadError::new(
            "bundle.format",
            format!(
                "bundle format version {version} is not supported (this build reads version {BUNDLE_FORMAT_VERSION}); rebuild the bundle with `cedar-authorizer bundle`"
            ),
        ));
    }
    let bundle: Bundle = serde_json::from_value(value)
        .map_err(|e| LoadError::new("bundle.invalid", format!("the bundle is not well formed: {e}")))?;
    let expected = content_hash(&bundle);
    if bundle.hash != expected {
        return Err(LoadError::new(
            "bundle.hash_mismatch",
            format!(
                "the bundle's content does not match its hash (`{}` recorded, `{expected}` computed): it was changed after it was built; rebuild it with `cedar-authorizer bundle`",
                bundle.hash
            ),
        ));
    }
    Ok(bundle)
}

pub fn from_json_str(text: &str) -> Result<Bundle, LoadError> {
    let value: Value = serde_json::from_str(text)
        .map_err(|e| LoadError::new("bundle.invalid", format!("the bundle is not JSON: {e}")))?;
    from_value(value)
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
        let a = build(&rides_like()).bundle.expect("bundle");
        let b = build(&rides_like()).bundle.expect("bundle");
        assert_eq!(a.hash, b.hash);
        assert!(a.hash.starts_with("sha256:") && a.hash.len() == 7 + 64);
        let text = serde_json::to_string_pretty(&a).unwrap();
        assert_eq!(from_json_str(&text).expect("loads").hash, a.hash);
        let tampered = text.replace("permit(", "forbid(");
        assert_eq!(from_json_str(&tampered).unwrap_err().code, "bundle.hash_mismatch");
        // key order does not matter
        let mut v: Value = serde_json::from_str(&text).unwrap();
        let reordered: serde_json::Map<String, Value> = v.as_object_mut().unwrap().clone().into_iter().rev().collect();
        assert!(from_value(Value::Object(reordered)).is_ok());
    }

    #[test]
    fn other_documents_are_rejected_with_a_reason() {
        assert_eq!(from_json_str("{}").unwrap_err().code, "bundle.format");
        assert_eq!(from_json_str("nope").unwrap_err().code, "bundle.invalid");
        let e = from_json_str(r#"{"format": "cedar-authorizer/bundle", "formatVersion": 99}"#).unwrap_err();
        assert!(e.message.contains("version 99"), "{}", e.message);
    }
}
