//! Bundles: one JSON document holding a validated policy store, with a SHA-256 content hash.
//!
//! A bundle carries the store's texts (so diagnostics and the test bench can point into them), the
//! policy manifest (ids, kinds, places) and `authorizer.json`. Its `hash` is the SHA-256 of the bundle's
//! canonical JSON (object keys sorted, no whitespace) without the `hash` field; loading checks it.

pub mod compiled;
pub mod hash;
pub mod signature;

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

impl Document {
    /// The content hash the document records (checked against its content when it was read).
    pub fn hash(&self) -> &str {
        match self {
            Document::Bundle(bundle) => &bundle.hash,
            Document::Compiled(compiled) => &compiled.hash,
        }
    }
}

/// A document read, with its `signature` member as it was (see [`signature`]), which no hash covers.
pub struct Read {
    pub document: Document,
    pub signature: Option<Value>,
}

/// Reads a bundle document of either kind, checking its depth, format version and hash.
pub fn read(value: Value) -> Result<Document, Failure> {
    read_signed(value).map(|read| read.document)
}

/// [`read`], keeping the document's signature.
pub fn read_signed(value: Value) -> Result<Read, Failure> {
    if depth_of(&value) > MAX_JSON_DEPTH {
        return Err(too_deep());
    }
    read_bounded(value)
}

/// [`read`] for a document whose depth is already checked.
fn read_bounded(mut value: Value) -> Result<Read, Failure> {
    let signature = value.as_object_mut().and_then(|map| map.remove("signature"));
    let document = match kind_of(&value) {
        Some("compiled") => compiled::from_value(value).map(Document::Compiled),
        _ => from_value(value).map(Document::Bundle),
    }?;
    Ok(Read { document, signature })
}

/// How deeply a bundle's JSON may nest. A compiled bundle holds each policy's conditions in Cedar's JSON
/// form, two levels for each level of a condition, and `compileBundle` takes conditions up to 64 levels deep
/// (`COMPILED_MAX_DEPTH` in `authoring::depth`): about 140 levels of JSON, beyond serde_json's default limit
/// of 128. Deeper than this, rebuilding the conditions could run V8's stack out (about 100 levels of
/// condition), so such a bundle is refused with this reason instead.
pub const MAX_JSON_DEPTH: usize = 160;

/// Reads a bundle document from JSON text.
pub fn read_text(text: &str) -> Result<Document, Failure> {
    read_text_signed(text).map(|read| read.document)
}

/// [`read_text`], keeping the document's signature.
pub fn read_text_signed(text: &str) -> Result<Read, Failure> {
    if nested_beyond(text, MAX_JSON_DEPTH).is_some() {
        return Err(too_deep());
    }
    read_bounded(
        parse_unbounded(text).map_err(|e| Failure::of(Code::BundleInvalid, format!("the bundle is not JSON: {e}")))?,
    )
}

fn too_deep() -> Failure {
    Failure::of(
        Code::BundleInvalid,
        format!("the bundle nests deeper than {MAX_JSON_DEPTH} levels: a policy's condition is too deep for a compiled bundle; build and compile it again, which names the policy"),
    )
}

/// How deeply a JSON value nests (a scalar is 0), without recursing.
fn depth_of(value: &Value) -> usize {
    let mut deepest = 0;
    let mut pending = vec![(value, 0)];
    while let Some((value, depth)) = pending.pop() {
        match value {
            Value::Array(items) => pending.extend(items.iter().map(|v| (v, depth + 1))),
            Value::Object(map) => pending.extend(map.values().map(|v| (v, depth + 1))),
            _ => {}
        }
        if matches!(value, Value::Array(_) | Value::Object(_)) {
            deepest = deepest.max(depth + 1);
        }
    }
    deepest
}

/// JSON text with serde_json's own depth limit lifted: only for text [`nested_beyond`] has bounded.
fn parse_unbounded(text: &str) -> Result<Value, serde_json::Error> {
    let mut reader = serde_json::Deserializer::from_str(text);
    reader.disable_recursion_limit();
    let value = Value::deserialize(&mut reader)?;
    reader.end()?;
    Ok(value)
}

/// Where JSON text first opens a list or object deeper than `max_depth` levels, if it does. Brackets inside
/// strings do not count; text that is not JSON is left for the parser to word.
fn nested_beyond(text: &str, max_depth: usize) -> Option<usize> {
    let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
    for (at, byte) in text.bytes().enumerate() {
        if in_string {
            match byte {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match byte {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                if depth > max_depth {
                    return Some(at);
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nested(depth: usize, inner: &str) -> String {
        format!("{}{inner}{}", "[{\"a\":".repeat(depth / 2), "}]".repeat(depth / 2))
    }

    #[test]
    fn json_nested_up_to_the_limit_is_read_and_no_deeper() {
        // Deeper than serde_json's own limit of 128, within ours.
        let deep = nested(MAX_JSON_DEPTH, "1");
        assert!(nested_beyond(&deep, MAX_JSON_DEPTH).is_none(), "within the limit");
        let value = parse_unbounded(&deep).expect("within the limit");
        assert!(serde_json::from_str::<Value>(&deep).is_err(), "serde_json's default limit refuses it");
        assert_eq!(serde_json::to_string(&value).expect("text"), deep);
        let too_deep = nested(MAX_JSON_DEPTH + 2, "1");
        assert!(nested_beyond(&too_deep, MAX_JSON_DEPTH).is_some(), "beyond the limit");
        let Err(error) = read_text(&too_deep) else { panic!("beyond the limit") };
        let error = error.errors[0].to_string();
        assert!(error.contains(&format!("deeper than {MAX_JSON_DEPTH} levels")), "{error}");
        // A lone bracket opens a level as well.
        assert!(nested_beyond(&format!("[{}]", nested(MAX_JSON_DEPTH, "1")), MAX_JSON_DEPTH).is_some());
    }

    #[test]
    fn brackets_inside_strings_do_not_count() {
        let brackets = "[".repeat(2 * MAX_JSON_DEPTH);
        for text in [
            format!("{{\"a\": \"{brackets}\"}}"),
            format!("{{\"a\": \"\\\"{brackets}\", \"b\": \"\\\\\"}}"),
            format!("{{\"{brackets}\": \"\\\\\\\"{brackets}\"}}"),
        ] {
            assert!(nested_beyond(&text, MAX_JSON_DEPTH).is_none(), "{text}");
            assert!(parse_unbounded(&text).is_ok(), "{text}");
        }
        // An escaped backslash ends before the quote: what follows is outside the string again.
        let out = format!("[\"\\\\\"{}]", ",[".repeat(MAX_JSON_DEPTH));
        assert!(nested_beyond(&out, MAX_JSON_DEPTH).is_some());
    }

    #[test]
    fn text_that_is_not_json_is_worded_by_the_parser() {
        for text in ["", "{", "[1,]", "{\"a\": 1} x", "\"unterminated"] {
            assert!(nested_beyond(text, MAX_JSON_DEPTH).is_none() && parse_unbounded(text).is_err(), "{text}");
            assert!(read_text(text).is_err(), "{text}");
        }
        assert!(read_text("{\"a\": [").is_err());
    }

    #[test]
    fn a_bundle_nested_too_deeply_is_refused_with_the_reason_as_text_and_as_a_value() {
        let deep = format!("{{\"format\": \"x\", \"a\": {}}}", nested(MAX_JSON_DEPTH, "1"));
        let Err(text) = read_text(&deep) else { panic!("refused as text") };
        let value = parse_unbounded(&deep).expect("JSON");
        assert_eq!(depth_of(&value), MAX_JSON_DEPTH + 1);
        let Err(read) = read(value) else { panic!("refused as a value") };
        for failure in [text, read] {
            assert!(failure.errors[0].to_string().contains("nests deeper than 160 levels"), "{failure:?}");
        }
        assert_eq!(depth_of(&serde_json::json!([1, {"a": [[]]}, 2])), 4);
        assert_eq!(depth_of(&serde_json::json!(3)), 0);
    }
}
