//! The WebAssembly exports: the only file with `#[wasm_bindgen]`. Each export converts its arguments, calls
//! its twin in [`crate::ffi`], and converts the answer: one tagged shape (`{type: "success", ...}` or
//! `{type: "failure", errors, warnings}`), never a throw.
//!
//! Values cross as JavaScript values through serde-wasm-bindgen: objects in, plain objects out, integers
//! beyond 2^53 as `BigInt` both ways (a Cedar `Long` is 64 bits). A request or a bundle may also cross as
//! JSON text: the JavaScript side sends text when `JSON.stringify` can write it (no `BigInt` in it), because
//! one string is cheaper to hand over than an object walked field by field (see [`input`]); text is written
//! into this module's memory by `TextEncoder.encodeInto` ([`text_of`]). The TypeScript types of what crosses are generated from the Rust types (tsify).

use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Serialize, Serializer};
use serde_json::Value;
use wasm_bindgen::prelude::*;

use crate::authorizer::Authorizer;
use crate::bundle::signature::TrustInput;
use crate::errors::{Code, Error, Failure};
use crate::ffi::{self, Outcome};

#[wasm_bindgen(typescript_custom_section)]
const TYPES: &'static str = r#"
/** Any JSON value: a Cedar JSON value, a token claim, a request as given. Integers beyond 2^53 are `bigint`. */
export type Value = null | boolean | number | bigint | string | Value[] | { [key: string]: Value };

/** A decision's outcome: its JSON text, or the outcome itself when it holds an integer beyond 2^53. */
export type Encoded<T> = string | T;

/** The platform's signature primitive (see `installHostCrypto`). */
export interface HostCrypto {
  importKey(alg: string, kind: string, a: Uint8Array, b: Uint8Array): number;
  verify(handle: number, message: Uint8Array, signature: Uint8Array): boolean;
  releaseKey(handle: number): void;
}

/** `load` and `loadFiles`: a loaded authorizer, or why it did not load. */
export type LoadOutcome =
  | { type: "success"; authorizer: WasmAuthorizer; warnings?: Error[] }
  | { type: "failure"; errors: Error[]; warnings?: Error[] };
"#;

use crate::ffi::MAX_SAFE_INTEGER;

/// A JSON value as serde-wasm-bindgen writes it for JavaScript: integers as numbers while they are exact,
/// beyond 2^53 as `BigInt`.
struct Js<'a>(&'a Value);

impl Serialize for Js<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            Value::Null => serializer.serialize_unit(),
            Value::Bool(b) => serializer.serialize_bool(*b),
            Value::Number(n) => match (n.as_i64(), n.as_u64()) {
                (Some(i), _) if i.unsigned_abs() <= MAX_SAFE_INTEGER => serializer.serialize_f64(i as f64),
                (Some(i), _) => serializer.serialize_i64(i),
                (None, Some(u)) if u <= MAX_SAFE_INTEGER => serializer.serialize_f64(u as f64),
                (None, Some(u)) => serializer.serialize_u64(u),
                _ => serializer.serialize_f64(n.as_f64().unwrap_or(f64::NAN)),
            },
            Value::String(s) => serializer.serialize_str(s),
            Value::Array(items) => {
                let mut seq = serializer.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(&Js(item))?;
                }
                seq.end()
            }
            Value::Object(map) => {
                let mut out = serializer.serialize_map(Some(map.len()))?;
                for (k, v) in map {
                    out.serialize_entry(k, &Js(v))?;
                }
                out.end()
            }
        }
    }
}

/// Any answer as a JavaScript value. Written directly by serde-wasm-bindgen, which refuses an integer beyond
/// 2^53 (a Cedar `Long` may be one); only then is the answer written again through a JSON value, with those
/// integers as `BigInt`. A value that cannot be written at all (none of ours) becomes a failure.
fn output<T: Serialize>(value: &T) -> JsValue {
    if let Ok(written) = value.serialize(&serde_wasm_bindgen::Serializer::json_compatible()) {
        return written;
    }
    let serializer = serde_wasm_bindgen::Serializer::json_compatible().serialize_large_number_types_as_bigints(true);
    serde_json::to_value(value)
        .map_err(|e| e.to_string())
        .and_then(|json| Js(&json).serialize(&serializer).map_err(|e| e.to_string()))
        .unwrap_or_else(|e| {
            let failure: Outcome<()> =
                Failure::of(Code::InternalError, format!("the answer cannot be written: {e}")).into();
            failure.serialize(&serializer).unwrap_or(JsValue::NULL)
        })
}

/// The platform's UTF-8 encoder, for [`text_of`].
#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_name = TextEncoder)]
    type Utf8Encoder;
    #[wasm_bindgen(constructor, js_class = "TextEncoder")]
    fn new() -> Utf8Encoder;
    /// Writes `source` into `dest` as UTF-8 (a lone surrogate as U+FFFD) and answers `{read, written}`.
    #[wasm_bindgen(method, js_class = "TextEncoder", js_name = encodeInto)]
    fn encode_into(this: &Utf8Encoder, source: &js_sys::JsString, dest: &js_sys::Uint8Array) -> EncodeIntoResult;
    type EncodeIntoResult;
    #[wasm_bindgen(method, getter)]
    fn read(this: &EncodeIntoResult) -> f64;
    #[wasm_bindgen(method, getter)]
    fn written(this: &EncodeIntoResult) -> f64;
}

thread_local! {
    static ENCODER: Utf8Encoder = Utf8Encoder::new();
}

/// A JavaScript string's text, or `None` for anything else. Written straight into this module's memory by
/// the platform's `TextEncoder.encodeInto`: wasm-bindgen's own way (`JsValue::as_string`) copies a string
/// of ASCII one character at a time in JavaScript, about 3 µs for a request with a token (900 characters)
/// where `encodeInto` takes 0.3. The text is the same either way: both encode with `TextEncoder`.
fn text_of(value: &JsValue) -> Option<String> {
    let source = value.dyn_ref::<js_sys::JsString>()?;
    let units = source.length() as usize;
    // Room for ASCII, one byte per UTF-16 unit, first; what did not fit takes at most 3 bytes per unit (a
    // surrogate pair, two units, is 4), written after it.
    let mut bytes: Vec<u8> = Vec::with_capacity(units);
    let read = encode_into(source, &mut bytes);
    if read < units {
        let rest = source.slice(read as u32, units as u32);
        bytes.reserve((units - read).checked_mul(3)?);
        // All of it (as it always is): a part of a request is no request.
        if read + encode_into(&rest, &mut bytes) != units {
            return None;
        }
    }
    String::from_utf8(bytes).ok()
}

/// Encodes `source` into the spare capacity of `bytes`, as far as it fits, extends `bytes` by what was
/// written, and answers how many UTF-16 units it read.
fn encode_into(source: &js_sys::JsString, bytes: &mut Vec<u8>) -> usize {
    let room = bytes.capacity() - bytes.len();
    let (read, written) = ENCODER.with(|encoder| {
        // SAFETY: the view covers `bytes`' spare capacity, which nothing else uses while it lives; nothing
        // allocates in this module's memory (which could move its buffer) before it is dropped here.
        let view = unsafe { js_sys::Uint8Array::view_mut_raw(bytes.as_mut_ptr().add(bytes.len()), room) };
        let result = encoder.encode_into(source, &view);
        (result.read() as usize, result.written() as usize)
    });
    // SAFETY: `encodeInto` wrote the `written` bytes after the length, within the spare capacity.
    unsafe { bytes.set_len(bytes.len() + written.min(room)) };
    read
}

/// A request or document: JSON text (parsed here, so a mistake names its line and column), or a
/// JavaScript value (read by serde-wasm-bindgen, `BigInt` as a 64-bit integer). On the decision path the
/// JavaScript side sends text whenever it can (`make bench`, "boundary" rows: text is the faster of the
/// two for a request of the rides store).
fn input(value: JsValue, code: Code, what: &str) -> Result<Value, Error> {
    match text_of(&value) {
        Some(text) => input_text(&text, code, what),
        None => serde_wasm_bindgen::from_value(value)
            .map_err(|e| Error::new(code, format!("{what} is not a JSON value: {e}"))),
    }
}

/// A request or document given as JSON text.
fn input_text(text: &str, code: Code, what: &str) -> Result<Value, Error> {
    serde_json::from_str(text).map_err(|e| Error::new(code, format!("{what} is not JSON: {e}")))
}

/// A typed argument read by serde-wasm-bindgen.
#[cfg(feature = "authoring")]
fn typed<T: serde::de::DeserializeOwned>(value: JsValue, code: Code, what: &str) -> Result<T, Error> {
    serde_wasm_bindgen::from_value(value).map_err(|e| Error::new(code, format!("{what}: {e}")))
}

/// A decision's answer for JavaScript: JSON text, which JavaScript parses; or, when the answer holds an
/// integer beyond 2^53 (which `JSON.parse` would round), the answer as a JavaScript value with that integer
/// as a `BigInt`. Text is the faster of the two on the decision path: one string across the boundary
/// instead of an object built field by field (a decision with a fresh token: about 10 µs built, 3 µs as text).
fn output_decision<T: Serialize>(value: &T) -> JsValue {
    match serde_json::to_string(value) {
        Ok(text) if !ffi::has_unsafe_integer(&text) => JsValue::from_str(&text),
        _ => output(value),
    }
}

/// A malformed request is a DENY, like any other problem with it: the answer `deny` gives for the error.
fn decide<T: Serialize>(value: JsValue, run: impl FnOnce(&Value) -> T, deny: impl FnOnce(Error) -> T) -> JsValue {
    match input(value, Code::RequestMalformed, "the request") {
        Ok(request) => output_decision(&run(&request)),
        Err(e) => output_decision(&deny(e)),
    }
}

/// [`decide`] for a decision with a reader of request text in the common form (`fast`, which answers as
/// `run` would, or `None`): text goes to it first, and to `run` as a `Value` only when it declines.
fn decide_text_first<T: Serialize>(
    value: JsValue,
    fast: impl FnOnce(&str) -> Option<T>,
    run: impl FnOnce(&Value) -> T,
    deny: impl FnOnce(Error) -> T,
) -> JsValue {
    let Some(text) = text_of(&value) else {
        return decide(value, run, deny);
    };
    if let Some(answer) = fast(&text) {
        return output_decision(&answer);
    }
    output_decision(&match input_text(&text, Code::RequestMalformed, "the request") {
        Ok(request) => run(&request),
        Err(e) => deny(e),
    })
}

fn loaded(result: Result<Authorizer, Failure>) -> JsValue {
    match result {
        Ok(inner) => {
            let warnings: Vec<Error> =
                inner.warnings().iter().map(|w| Error::warning(Code::ConfigAnyAudience, w.clone())).collect();
            let answer = js_sys::Object::new();
            let set =
                |key: &str, value: &JsValue| js_sys::Reflect::set(&answer, &JsValue::from_str(key), value).is_ok();
            let written = set("type", &JsValue::from_str("success"))
                && set("authorizer", &JsValue::from(WasmAuthorizer { inner }))
                && set("warnings", &output(&warnings));
            if written {
                answer.into()
            } else {
                output::<Outcome<()>>(
                    &Failure::of(Code::InternalError, "the loaded authorizer cannot be handed over").into(),
                )
            }
        }
        Err(failure) => output::<Outcome<()>>(&failure.into()),
    }
}

/// The module's constants: bundle formats, token kinds, every error code.
#[wasm_bindgen(unchecked_return_type = "Outcome<Constants>")]
pub fn constants() -> JsValue {
    output(&ffi::constants())
}

/// The kind of a bundle document by its `format`: `bundle`, `compiled`, or `null` for anything else. Text is
/// read only as far as needed to find `format`.
#[wasm_bindgen(js_name = documentKind, unchecked_return_type = "\"bundle\" | \"compiled\" | null")]
pub fn document_kind(#[wasm_bindgen(unchecked_param_type = "string | object")] document: JsValue) -> JsValue {
    #[derive(serde::Deserialize)]
    struct Head {
        format: Option<String>,
    }
    let head: Option<Head> = match text_of(&document) {
        Some(text) => serde_json::from_str(&text).ok(),
        None => serde_wasm_bindgen::from_value(document).ok(),
    };
    let value = serde_json::json!({ "format": head.and_then(|h| h.format) });
    crate::bundle::kind_of(&value).map_or(JsValue::NULL, JsValue::from_str)
}

#[wasm_bindgen]
extern "C" {
    /// The platform's signature primitive, installed by JavaScript (js/lib/host-crypto.cjs: `node:crypto`).
    /// It imports a key for one algorithm (`alg`, `kind` `RSA`/`P-256`/`P-384`/`P-521`/`Ed25519`, and the
    /// key's two parts as JWK holds them) and answers a handle; checks a signature under a handle; and
    /// forgets a handle. It never chooses a key or an algorithm: the module does.
    #[wasm_bindgen(typescript_type = "HostCrypto")]
    pub type HostCrypto;

    #[wasm_bindgen(method, catch, js_name = importKey)]
    fn import_key(this: &HostCrypto, alg: &str, kind: &str, a: &[u8], b: &[u8]) -> Result<u32, JsValue>;

    #[wasm_bindgen(method, catch)]
    fn verify(this: &HostCrypto, handle: u32, message: &[u8], signature: &[u8]) -> Result<bool, JsValue>;

    #[wasm_bindgen(method, catch, js_name = releaseKey)]
    fn release_key(this: &HostCrypto, handle: u32) -> Result<(), JsValue>;
}

thread_local! {
    static HOST_CRYPTO: std::cell::OnceCell<HostCrypto> = const { std::cell::OnceCell::new() };
}

/// The core's view of the installed host: plain functions over the one instance-wide object. A throw on
/// the JavaScript side is a refused key or a signature that does not verify.
mod host {
    use super::*;
    use crate::token::alg::Alg;
    use crate::token::crypto::KeyMaterial;

    pub fn import_key(alg: Alg, key: KeyMaterial<'_>) -> Result<u32, String> {
        let (a, b) = key.parts();
        HOST_CRYPTO.with(|host| match host.get() {
            Some(host) => host.import_key(alg.name(), key.kind(), a, b).map_err(|e| {
                e.dyn_ref::<js_sys::Error>()
                    .map(|e| String::from(e.message()))
                    .or_else(|| e.as_string())
                    .unwrap_or_else(|| "refused".into())
            }),
            None => Err("no signature primitive is installed".into()),
        })
    }

    pub fn verify(handle: u32, message: &[u8], signature: &[u8]) -> bool {
        HOST_CRYPTO.with(|host| host.get().is_some_and(|host| host.verify(handle, message, signature).unwrap_or(false)))
    }

    pub fn release_key(handle: u32) {
        HOST_CRYPTO.with(|host| {
            if let Some(host) = host.get() {
                let _ = host.release_key(handle);
            }
        })
    }
}

/// Installs the platform's signature primitive for this instance: every key imported after this is checked
/// by it. Once per instance; Node's loader does it right after instantiating.
#[wasm_bindgen(js_name = installHostCrypto, unchecked_return_type = "Outcome<Verifier>")]
pub fn install_host_crypto(host: HostCrypto) -> JsValue {
    if HOST_CRYPTO.with(|cell| cell.set(host).is_err()) {
        return output::<Outcome<()>>(
            &Failure::of(Code::InternalError, "this instance already has its signature primitive").into(),
        );
    }
    output(&ffi::install_host_crypto(crate::token::crypto::Host {
        import_key: host::import_key,
        verify: host::verify,
        release_key: host::release_key,
    }))
}

/// Checks one signature with one JWK, through the same verifier every token's signature goes through.
#[wasm_bindgen(js_name = verifySignature, unchecked_return_type = "Outcome<SignatureCheck>")]
pub fn verify_signature(
    #[wasm_bindgen(unchecked_param_type = "string | object")] jwk: JsValue,
    alg: &str,
    message: &[u8],
    signature: &[u8],
) -> JsValue {
    match input(jwk, Code::JwksInvalid, "the JWK") {
        Ok(jwk) => output(&ffi::verify_signature(&jwk, alg, message, signature)),
        Err(e) => output::<Outcome<()>>(&Failure::from(e).into()),
    }
}

/// A loaded policy store. Created once; every decision call reuses it.
#[wasm_bindgen]
pub struct WasmAuthorizer {
    inner: Authorizer,
}

#[wasm_bindgen]
impl WasmAuthorizer {
    /// Loads a bundle or a compiled bundle: JSON text, or the parsed document. With `trust` (trusted keys,
    /// the bundle running now, whether a signature is required), its signature is checked first.
    #[wasm_bindgen(unchecked_return_type = "LoadOutcome")]
    pub fn load(
        #[wasm_bindgen(unchecked_param_type = "string | Bundle | CompiledBundle")] document: JsValue,
        #[wasm_bindgen(unchecked_param_type = "TrustInput | undefined")] trust: JsValue,
    ) -> JsValue {
        let trust: Option<TrustInput> = if trust.is_undefined() || trust.is_null() {
            None
        } else {
            let read = input(trust, Code::ConfigInvalid, "the bundle trust").and_then(|value| {
                serde_json::from_value::<TrustInput>(value)
                    .map_err(|e| Error::new(Code::ConfigInvalid, format!("the bundle trust is not of its shape: {e}")))
            });
            match read {
                Ok(trust) => Some(trust),
                Err(e) => return output::<Outcome<()>>(&Failure::from(e).into()),
            }
        };
        loaded(match text_of(&document) {
            Some(text) => ffi::load_text_trusted(&text, trust.as_ref()),
            None => input(document, Code::BundleInvalid, "the bundle")
                .map_err(Failure::from)
                .and_then(|document| ffi::load_trusted(document, trust.as_ref())),
        })
    }

    /// Hash, policies, routes, identity sources, and warnings about the configuration.
    #[wasm_bindgen(unchecked_return_type = "Outcome<Description>")]
    pub fn describe(&self) -> JsValue {
        output(&ffi::describe(&self.inner))
    }

    #[wasm_bindgen(unchecked_return_type = "Outcome<Stats>")]
    pub fn stats(&self) -> JsValue {
        output(&ffi::stats(&self.inner))
    }

    #[wasm_bindgen(js_name = isAuthorized, unchecked_return_type = "Encoded<Outcome<Answer>>")]
    pub fn is_authorized(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string | IsAuthorizedInput")] input: JsValue,
    ) -> JsValue {
        decide_text_first(
            input,
            |text| ffi::is_authorized_text(&self.inner, text),
            |r| ffi::is_authorized(&self.inner, r),
            |e| Outcome::success(crate::request::Answer::deny(e)),
        )
    }

    #[wasm_bindgen(js_name = batchIsAuthorized, unchecked_return_type = "Encoded<Outcome<BatchAnswer>>")]
    pub fn batch_is_authorized(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string | BatchIsAuthorizedInput")] input: JsValue,
    ) -> JsValue {
        decide(
            input,
            |r| ffi::batch_is_authorized(&self.inner, r),
            |e| Outcome::<crate::request::BatchAnswer>::Failure { errors: vec![e], warnings: Vec::new() },
        )
    }

    /// Every action of the schema for the principal's (or the token's principal's) and the resource's types,
    /// each decided; `now` is seconds since the epoch.
    #[wasm_bindgen(js_name = allowedActions, unchecked_return_type = "Encoded<Outcome<AllowedActions>>")]
    pub fn allowed_actions(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string | Record<string, unknown>")] input: JsValue,
        now: f64,
    ) -> JsValue {
        decide(
            input,
            |r| ffi::allowed_actions(&self.inner, r, now),
            |e| Outcome::success(crate::authorizer::allowed::AllowedActions::refused(e)),
        )
    }

    /// `IsAuthorizedWithToken`; `now` is seconds since the epoch.
    #[wasm_bindgen(js_name = isAuthorizedWithToken, unchecked_return_type = "Encoded<Outcome<TokenAnswer>>")]
    pub fn is_authorized_with_token(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string | IsAuthorizedWithTokenInput")] input: JsValue,
        now: f64,
    ) -> JsValue {
        decide_text_first(
            input,
            |text| ffi::is_authorized_with_token_text(&self.inner, text, now),
            |r| ffi::is_authorized_with_token(&self.inner, r, now),
            |e| Outcome::success(ffi::TokenAnswer { answer: crate::request::Answer::deny(e), valid_until: None }),
        )
    }

    #[wasm_bindgen(js_name = batchIsAuthorizedWithToken, unchecked_return_type = "Encoded<Outcome<BatchAnswer>>")]
    pub fn batch_is_authorized_with_token(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string | BatchIsAuthorizedWithTokenInput")] input: JsValue,
        now: f64,
    ) -> JsValue {
        decide(
            input,
            |r| ffi::batch_is_authorized_with_token(&self.inner, r, now),
            |e| Outcome::<crate::request::BatchAnswer>::Failure { errors: vec![e], warnings: Vec::new() },
        )
    }

    /// An HTTP request (token, method, path, ...) through its route to a decision.
    #[wasm_bindgen(js_name = authorizeHttp, unchecked_return_type = "Encoded<Outcome<HttpAnswer>>")]
    pub fn authorize_http(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string | HttpInput")] input: JsValue,
        now: f64,
    ) -> JsValue {
        decide(
            input,
            |r| ffi::authorize_http(&self.inner, r, now),
            |e| Outcome::success(crate::authorizer::http::HttpAnswer::unauthenticated(e)),
        )
    }

    /// Verifies and routes an HTTP request without deciding.
    #[wasm_bindgen(js_name = prepareHttp, unchecked_return_type = "Encoded<Outcome<Prepared>>")]
    pub fn prepare_http(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string | HttpInput")] input: JsValue,
        now: f64,
    ) -> JsValue {
        decide(
            input,
            |r| ffi::prepare_http(&self.inner, r, now),
            |e| Outcome::success(crate::authorizer::http::Prepared::refused(e)),
        )
    }

    /// Imports an issuer's JWKS (an object, or its JSON text), replacing its keys.
    #[wasm_bindgen(js_name = setJwks, unchecked_return_type = "Outcome<KeysImported>")]
    pub fn set_jwks(
        &mut self,
        issuer: &str,
        #[wasm_bindgen(unchecked_param_type = "string | object")] jwks: JsValue,
    ) -> JsValue {
        match input(jwks, Code::JwksInvalid, "the JWKS") {
            Ok(jwks) => output(&ffi::set_jwks(&mut self.inner, issuer, &jwks)),
            Err(e) => output::<Outcome<()>>(&Failure::from(e.for_issuer(issuer)).into()),
        }
    }

    #[wasm_bindgen(js_name = explainToken, unchecked_return_type = "Outcome<TokenExplanation>")]
    pub fn explain_token(&self, token: &str, kind: &str, now: f64) -> JsValue {
        output(&ffi::explain_token(&self.inner, token, kind, now))
    }

    /// Runs a store's test files (`{path: text}`) against the authorizer.
    #[cfg(feature = "authoring")]
    #[wasm_bindgen(js_name = runTests, unchecked_return_type = "Outcome<TestReport>")]
    pub fn run_tests(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Record<string, string>")] files: JsValue,
    ) -> JsValue {
        match typed(files, Code::TestsInvalid, "the test files must be an object of path to text") {
            Ok(files) => output(&ffi::run_tests(&self.inner, &files)),
            Err(e) => output::<Outcome<()>>(&Failure::from(e).into()),
        }
    }
}

/// The authoring exports (the `authoring` feature).
#[cfg(feature = "authoring")]
mod authoring {
    use super::*;

    fn with_files(files: JsValue, run: impl FnOnce(crate::store::StoreFiles) -> JsValue) -> JsValue {
        match typed(files, Code::StoreInvalid, "the store's files must be an object of path to text") {
            Ok(files) => run(files),
            Err(e) => output::<Outcome<()>>(&Failure::from(e).into()),
        }
    }

    /// Validates and loads a store given as `{path: text}`.
    #[wasm_bindgen(js_name = loadFiles, unchecked_return_type = "LoadOutcome")]
    pub fn load_files(#[wasm_bindgen(unchecked_param_type = "Record<string, string>")] files: JsValue) -> JsValue {
        with_files(files, |files| loaded(ffi::load_files(&files)))
    }

    /// Validates a store's files and builds its bundle.
    #[wasm_bindgen(js_name = buildBundle, unchecked_return_type = "Outcome<Built>")]
    pub fn build_bundle(#[wasm_bindgen(unchecked_param_type = "Record<string, string>")] files: JsValue) -> JsValue {
        with_files(files, |files| output(&ffi::build_bundle(&files)))
    }

    /// Every diagnostic of a store.
    #[wasm_bindgen(js_name = checkStore, unchecked_return_type = "Outcome<Checked>")]
    pub fn check_store(#[wasm_bindgen(unchecked_param_type = "Record<string, string>")] files: JsValue) -> JsValue {
        with_files(files, |files| output(&ffi::check_store(&files)))
    }

    /// A bundle compiled for the runtime builds.
    #[wasm_bindgen(js_name = compileBundle, unchecked_return_type = "Outcome<Compiled>")]
    pub fn compile_bundle(#[wasm_bindgen(unchecked_param_type = "string | Bundle")] document: JsValue) -> JsValue {
        match input(document, Code::BundleInvalid, "the bundle") {
            Ok(document) => output(&ffi::compile_bundle(document)),
            Err(e) => output::<Outcome<()>>(&Failure::from(e).into()),
        }
    }

    /// Diagnostics printed like a compiler's, with source lines from `files`.
    #[wasm_bindgen(js_name = renderDiagnostics, unchecked_return_type = "Outcome<Text>")]
    pub fn render_diagnostics(
        #[wasm_bindgen(unchecked_param_type = "Error[]")] diagnostics: JsValue,
        #[wasm_bindgen(unchecked_param_type = "Record<string, string>")] files: JsValue,
    ) -> JsValue {
        let list: Result<Vec<Error>, Error> = typed(diagnostics, Code::InternalError, "the diagnostics");
        let files: Result<crate::store::StoreFiles, Error> = typed(files, Code::StoreInvalid, "the files");
        match (list, files) {
            (Ok(list), Ok(files)) => output(&ffi::render_diagnostics(&list, &files)),
            (Err(e), _) | (_, Err(e)) => output::<Outcome<()>>(&Failure::from(e).into()),
        }
    }

    /// A test report as text.
    #[wasm_bindgen(js_name = renderTestReport, unchecked_return_type = "Outcome<Text>")]
    pub fn render_test_report(#[wasm_bindgen(unchecked_param_type = "TestReport")] report: JsValue) -> JsValue {
        match typed(report, Code::TestsInvalid, "the test report") {
            Ok(report) => output(&ffi::render_test_report(&report)),
            Err(e) => output::<Outcome<()>>(&Failure::from(e).into()),
        }
    }

    /// Policies as Cedar's formatter writes them (`lineWidth` 80 and `indent` 2 unless given).
    #[wasm_bindgen(js_name = formatPolicies, unchecked_return_type = "Outcome<Text>")]
    pub fn format_policies(text: &str, line_width: Option<u32>, indent: Option<u32>) -> JsValue {
        output(&ffi::format_policies(text, line_width.map(|w| w as usize), indent.map(|i| i as usize)))
    }

    /// A schema in the other form: `from` is `cedar` (Cedar text to JSON) or `json` (JSON to Cedar text).
    #[wasm_bindgen(js_name = convertSchema, unchecked_return_type = "Outcome<Text>")]
    pub fn convert_schema(text: &str, from: &str) -> JsValue {
        output(&ffi::convert_schema(text, from))
    }

    /// A schema's outline: entity types with attributes and parents, actions with what they apply to.
    #[wasm_bindgen(js_name = schemaOutline, unchecked_return_type = "Outcome<SchemaOutline>")]
    pub fn schema_outline(text: &str, format: &str) -> JsValue {
        output(&ffi::schema_outline(text, format))
    }

    /// A bundle document as JSON text with every number exact (64-bit longs included).
    #[wasm_bindgen(js_name = bundleText, unchecked_return_type = "Outcome<Text>")]
    pub fn bundle_text(
        #[wasm_bindgen(unchecked_param_type = "Bundle | CompiledBundle")] document: JsValue,
        pretty: bool,
    ) -> JsValue {
        match input(document, Code::BundleInvalid, "the bundle") {
            Ok(document) => output(&ffi::bundle_text(&document, pretty)),
            Err(e) => output::<Outcome<()>>(&Failure::from(e).into()),
        }
    }
}
