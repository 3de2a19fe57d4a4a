//! The typed twin of every function the wasm module exports ([`crate::wasm`] only converts values between
//! JavaScript and these types). Each answers one tagged shape, as Cedar's own ffi does: [`Outcome`],
//! `{type: "success", ...}` or `{type: "failure", errors, warnings}`; nothing is thrown. Decisions are
//! always a success: a request that is malformed, invalid or refused is a DENY with its reason, in
//! Verified Permissions' answer shape. `cargo test` calls every function here.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::authorizer::cache_policy::CachePolicy;
use crate::authorizer::http::{HttpAnswer, Prepared, RouteInfo};
use crate::authorizer::with_token::{IssuerInfo, KeysImported, TokenExplanation};
use crate::authorizer::Authorizer;
use crate::bundle::compiled::COMPILED_FORMAT;
use crate::bundle::signature::{self, Signed, Trust, TrustInput};
use crate::bundle::{Document, BUNDLE_FORMAT};
use crate::errors::{Code, Error, Failure};
use crate::request::{Answer, BatchAnswer, BatchResult};
use crate::store::PolicyEntry;
use crate::token::alg::Alg;
use crate::token::crypto::{self, Host};
use crate::token::keys::PublicKey;
use crate::token::TokenKind;

/// The answer of every export.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(hashmap_as_object))]
#[serde(tag = "type", rename_all = "camelCase")]
pub enum Outcome<T> {
    Success {
        #[serde(flatten)]
        value: T,
        /// Things worth knowing that did not stop it.
        #[serde(skip_serializing_if = "Vec::is_empty")]
        #[cfg_attr(target_arch = "wasm32", tsify(optional))]
        warnings: Vec<Error>,
    },
    Failure {
        errors: Vec<Error>,
        #[serde(skip_serializing_if = "Vec::is_empty")]
        #[cfg_attr(target_arch = "wasm32", tsify(optional))]
        warnings: Vec<Error>,
    },
}

impl<T> Outcome<T> {
    pub fn success(value: T) -> Self {
        Outcome::Success { value, warnings: Vec::new() }
    }

    /// The value of a success.
    pub fn ok(self) -> Option<T> {
        match self {
            Outcome::Success { value, .. } => Some(value),
            Outcome::Failure { .. } => None,
        }
    }

    /// The errors of a failure (empty for a success).
    pub fn errors(&self) -> &[Error] {
        match self {
            Outcome::Success { .. } => &[],
            Outcome::Failure { errors, .. } => errors,
        }
    }
}

impl<T> From<Result<T, Failure>> for Outcome<T> {
    fn from(result: Result<T, Failure>) -> Self {
        match result {
            Ok(value) => Outcome::success(value),
            Err(Failure { errors, warnings }) => Outcome::Failure { errors, warnings },
        }
    }
}

impl<T> From<Failure> for Outcome<T> {
    fn from(Failure { errors, warnings }: Failure) -> Self {
        Outcome::Failure { errors, warnings }
    }
}

impl<T> From<Result<T, Error>> for Outcome<T> {
    fn from(result: Result<T, Error>) -> Self {
        result.map_err(Failure::from).into()
    }
}

/// What the JavaScript side takes from the module rather than declaring again.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(hashmap_as_object))]
#[serde(rename_all = "camelCase")]
pub struct Constants {
    pub bundle_format: &'static str,
    pub compiled_format: &'static str,
    /// `identity` and `access`.
    pub token_kinds: Vec<&'static str>,
    /// Every error code, with what it means.
    pub codes: Vec<CodeInfo>,
    /// Whether this build has the authoring functions (building, checking, policy tests).
    pub authoring: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(hashmap_as_object))]
pub struct CodeInfo {
    pub code: Code,
    pub meaning: &'static str,
}

/// The module's constants.
pub fn constants() -> Outcome<Constants> {
    Outcome::success(Constants {
        bundle_format: BUNDLE_FORMAT,
        compiled_format: COMPILED_FORMAT,
        token_kinds: TokenKind::ALL.iter().map(|k| k.name()).collect(),
        codes: Code::ALL.iter().map(|&code| CodeInfo { code, meaning: code.meaning() }).collect(),
        authoring: cfg!(feature = "authoring"),
    })
}

/// Loads a bundle document (a bundle or a compiled bundle), as parsed JSON.
pub fn load(document: Value) -> Result<Authorizer, Failure> {
    load_trusted(document, None)
}

/// Loads a bundle document from its JSON text (JSON errors then name their line and column).
pub fn load_text(text: &str) -> Result<Authorizer, Failure> {
    load_text_trusted(text, None)
}

/// [`load`] under trusted keys: the bundle's signature is checked (see [`crate::bundle::signature`])
/// before anything of the store is built.
pub fn load_trusted(document: Value, trust: Option<&TrustInput>) -> Result<Authorizer, Failure> {
    load_read(crate::bundle::read_signed(document)?, trust)
}

/// [`load_text`] under trusted keys.
pub fn load_text_trusted(text: &str, trust: Option<&TrustInput>) -> Result<Authorizer, Failure> {
    load_read(crate::bundle::read_text_signed(text)?, trust)
}

fn load_read(read: crate::bundle::Read, trust: Option<&TrustInput>) -> Result<Authorizer, Failure> {
    let signed = match trust {
        Some(input) => signature::check(read.signature.as_ref(), read.document.hash(), &Trust::new(input)?)?,
        None => None,
    };
    let mut authorizer = load_document(read.document)?;
    authorizer.set_signed(signed);
    Ok(authorizer)
}

fn load_document(document: Document) -> Result<Authorizer, Failure> {
    match document {
        Document::Compiled(compiled) => Authorizer::from_compiled(&compiled),
        #[cfg(feature = "authoring")]
        Document::Bundle(bundle) => Authorizer::from_bundle(&bundle),
        #[cfg(not(feature = "authoring"))]
        Document::Bundle(_) => Err(Failure::of(
            Code::BundleFormat,
            "this build loads compiled bundles only: build one with `cedar-authorizer bundle <store> --compiled -o <file>`",
        )),
    }
}

/// What a loaded authorizer holds: its hash, policies, routes, identity sources, and load warnings.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(hashmap_as_object))]
#[serde(rename_all = "camelCase")]
pub struct Description {
    /// The bundle's content hash, `sha256:<hex>`.
    pub hash: String,
    pub policies: Vec<PolicyEntry>,
    pub routes: Vec<RouteInfo>,
    pub issuers: Vec<IssuerInfo>,
    /// The bundle's signature, when it was loaded under trusted keys and carries one.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub signature: Option<Signed>,
}

pub fn describe(authorizer: &Authorizer) -> Outcome<Description> {
    Outcome::Success {
        value: Description {
            hash: authorizer.hash().to_string(),
            policies: authorizer.manifest().to_vec(),
            routes: authorizer.route_table(),
            issuers: authorizer.issuers(),
            signature: authorizer.signed().cloned(),
        },
        warnings: authorizer.warnings().iter().map(|w| Error::warning(Code::ConfigAnyAudience, w.clone())).collect(),
    }
}

/// Cache counters of an authorizer.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(hashmap_as_object))]
#[serde(rename_all = "camelCase")]
pub struct Stats {
    pub token_cache: CacheStats,
    pub entity_cache: CacheStats,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(hashmap_as_object))]
pub struct CacheStats {
    pub hits: u64,
    pub misses: u64,
    pub entries: usize,
}

pub fn stats(authorizer: &Authorizer) -> Outcome<Stats> {
    let (hits, misses, entries) = authorizer.token_cache_stats();
    let token_cache = CacheStats { hits, misses, entries };
    let (hits, misses, entries) = authorizer.entity_cache_stats();
    Outcome::success(Stats { token_cache, entity_cache: CacheStats { hits, misses, entries } })
}

/// In test builds with the `fault-injection` feature, a request carrying `"__fault__": "trap"` (anywhere)
/// panics, which aborts (traps) the wasm instance.
fn inject_fault(input: &Value) {
    #[cfg(feature = "fault-injection")]
    if input.to_string().contains("\"__fault__\":\"trap\"") {
        panic!("injected fault");
    }
    let _ = input;
}

/// Seconds since the epoch from a JavaScript number, or a DENY's reason when the clock is not a time.
fn seconds(now: f64) -> Result<u64, Error> {
    if now.is_finite() && now > 0.0 {
        Ok(now as u64)
    } else {
        Err(Error::new(Code::InternalClock, format!("the clock reads {now}, not a time in seconds")))
    }
}

/// `IsAuthorized`.
pub fn is_authorized(authorizer: &Authorizer, input: &Value) -> Outcome<Answer> {
    inject_fault(input);
    Outcome::success(authorizer.is_authorized(input))
}

/// `IsAuthorized` from the request's JSON text, or `None` when the text must be read as a `Value` and
/// given to [`is_authorized`] (see [`Authorizer::is_authorized_text`]).
pub fn is_authorized_text(authorizer: &Authorizer, text: &str) -> Option<Outcome<Answer>> {
    // Fault-injection builds look for their marker in the `Value`.
    if cfg!(feature = "fault-injection") {
        return None;
    }
    authorizer.is_authorized_text(text).map(Outcome::success)
}

/// `allowedActions`: every action of the schema for the principal's and the resource's types, each decided;
/// `now` (seconds since the epoch) verifies a token when the input has one.
pub fn allowed_actions(
    authorizer: &Authorizer,
    input: &Value,
    now: f64,
) -> Outcome<crate::authorizer::allowed::AllowedActions> {
    match seconds(now) {
        Ok(now) => Outcome::success(authorizer.allowed_actions(input, now)),
        Err(e) => Outcome::success(crate::authorizer::allowed::AllowedActions::refused(e)),
    }
}

/// `BatchIsAuthorized`.
pub fn batch_is_authorized(authorizer: &Authorizer, input: &Value) -> Outcome<BatchAnswer> {
    Outcome::success(authorizer.batch_is_authorized(input))
}

/// `IsAuthorizedWithToken`, with how long the answer holds.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(hashmap_as_object))]
#[serde(rename_all = "camelCase")]
pub struct TokenAnswer {
    #[serde(flatten)]
    pub answer: Answer,
    /// The second (since the epoch) the verified token stops being accepted; absent when the token did
    /// not verify (the answer must not be reused).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub valid_until: Option<u64>,
}

/// `IsAuthorizedWithToken`; `now` is seconds since the epoch.
pub fn is_authorized_with_token(authorizer: &Authorizer, input: &Value, now: f64) -> Outcome<TokenAnswer> {
    inject_fault(input);
    let (answer, valid_until) = match seconds(now) {
        Ok(now) => authorizer.is_authorized_with_token_until(input, now),
        Err(e) => (Answer::deny(e), None),
    };
    Outcome::success(TokenAnswer { answer, valid_until })
}

/// `IsAuthorizedWithToken` from the request's JSON text, or `None` when the text must be read as a `Value`
/// and given to [`is_authorized_with_token`] (see [`Authorizer::is_authorized_with_token_text`]).
pub fn is_authorized_with_token_text(authorizer: &Authorizer, text: &str, now: f64) -> Option<Outcome<TokenAnswer>> {
    if cfg!(feature = "fault-injection") {
        return None;
    }
    let (answer, valid_until) = match seconds(now) {
        Ok(now) => authorizer.is_authorized_with_token_text(text, now)?,
        Err(e) => (Answer::deny(e), None),
    };
    Some(Outcome::success(TokenAnswer { answer, valid_until }))
}

/// `BatchIsAuthorizedWithToken`.
pub fn batch_is_authorized_with_token(authorizer: &Authorizer, input: &Value, now: f64) -> Outcome<BatchAnswer> {
    match seconds(now) {
        Ok(now) => Outcome::success(authorizer.batch_is_authorized_with_token(input, now)),
        Err(e) => {
            let requests = input.get("requests").and_then(Value::as_array).cloned().unwrap_or_default();
            let results =
                requests.into_iter().map(|request| BatchResult { request, answer: Answer::deny(e.clone()) }).collect();
            Outcome::success(BatchAnswer { results })
        }
    }
}

/// An HTTP request through its route to a decision.
pub fn authorize_http(authorizer: &Authorizer, input: &Value, now: f64) -> Outcome<HttpAnswer> {
    inject_fault(input);
    Outcome::success(match seconds(now) {
        Ok(now) => authorizer.authorize_http(input, now),
        Err(e) => HttpAnswer::unauthenticated(e),
    })
}

/// An HTTP request verified and routed, not decided (for a decision cache's key).
pub fn prepare_http(authorizer: &Authorizer, input: &Value, now: f64) -> Outcome<Prepared> {
    Outcome::success(match seconds(now) {
        Ok(now) => authorizer.prepare_http(input, now),
        Err(e) => Prepared::refused(e),
    })
}

/// Imports an issuer's JWKS, replacing its keys.
pub fn set_jwks(authorizer: &mut Authorizer, issuer: &str, jwks: &Value) -> Outcome<KeysImported> {
    authorizer.set_jwks(issuer, jwks).into()
}

/// What a token says and maps to; `kind` is `identity` or `access`.
pub fn explain_token(authorizer: &Authorizer, token: &str, kind: &str, now: f64) -> Outcome<TokenExplanation> {
    match TokenKind::from_name(kind) {
        Some(kind) => Outcome::success(authorizer.explain_token(token, kind, seconds(now).unwrap_or(0))),
        None => {
            Failure::of(Code::TokenMalformed, format!("unknown token kind `{kind}`: use `identity` or `access`")).into()
        }
    }
}

/// Which signature verifier the module uses: `host` (the platform's crypto, installed by JavaScript),
/// `rust-crypto`, or `none` (a build without RustCrypto before its host is installed: every key is refused).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(hashmap_as_object))]
pub struct Verifier {
    pub verifier: String,
}

/// Installs the platform's signature primitive for this instance (once; a second call is refused).
pub fn install_host_crypto(host: Host) -> Outcome<Verifier> {
    if crypto::install_host(host) {
        Outcome::success(Verifier { verifier: crypto::verifier_name().into() })
    } else {
        Failure::of(Code::InternalError, "this instance already has its signature primitive").into()
    }
}

/// One signature check with one key, as every token's goes: whether `signature` is a valid `alg`
/// signature of `message` under the JWK.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(hashmap_as_object))]
pub struct SignatureCheck {
    pub verified: bool,
    /// The verifier that checked it (see [`Verifier`]).
    pub verifier: String,
}

/// Checks one signature with one JWK: `jwks.invalid` when the key cannot be used (the reason it would be
/// skipped in a key set), `token.unsupported_algorithm` or `token.algorithm_mismatch` for the algorithm.
pub fn verify_signature(jwk: &Value, alg: &str, message: &[u8], signature: &[u8]) -> Outcome<SignatureCheck> {
    let Some(alg) = Alg::from_name(alg) else {
        return Failure::of(Code::TokenUnsupportedAlgorithm, format!("unsupported signing algorithm `{alg}`")).into();
    };
    let key = match PublicKey::from_jwk(jwk) {
        Ok(key) => key,
        Err(reason) => return Failure::of(Code::JwksInvalid, reason).into(),
    };
    if !key.allows(alg) {
        return Failure::of(Code::TokenAlgorithmMismatch, format!("the key is not for `{}`", alg.name())).into();
    }
    Outcome::success(SignatureCheck {
        verified: key.verify(alg, message, signature),
        verifier: crypto::verifier_name().into(),
    })
}

/// A policy set's cache policy, for tests of the matcher from JavaScript: whether it allows an ARN.
pub fn cache_policy_allows(policy: &CachePolicy, arn: &str) -> bool {
    policy.allows(arn)
}

/// The largest integer a JavaScript number holds exactly.
pub const MAX_SAFE_INTEGER: u64 = (1 << 53) - 1;

/// Whether JSON text holds an integer literal `JSON.parse` cannot read exactly (beyond 2^53).
pub fn has_unsafe_integer(text: &str) -> bool {
    let bytes = text.as_bytes();
    let (mut i, mut in_string) = (0, false);
    while i < bytes.len() {
        let b = bytes[i];
        if in_string {
            match b {
                b'\\' => i += 1,
                b'"' => in_string = false,
                _ => {}
            }
        } else if b == b'"' {
            in_string = true;
        } else if b.is_ascii_digit() {
            let start = i;
            while i < bytes.len() && bytes[i].is_ascii_digit() {
                i += 1;
            }
            let integer = !matches!(bytes.get(i), Some(b'.' | b'e' | b'E'));
            if integer && i - start >= 16 && text[start..i].parse::<u64>().map_or(true, |n| n > MAX_SAFE_INTEGER) {
                return true;
            }
            continue;
        }
        i += 1;
    }
    false
}

/// Text, for the functions that print.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(hashmap_as_object))]
pub struct Text {
    pub text: String,
}

#[cfg(feature = "authoring")]
pub use authoring::*;

/// The authoring functions (the `authoring` feature).
#[cfg(feature = "authoring")]
mod authoring;

#[cfg(test)]
mod tests;
