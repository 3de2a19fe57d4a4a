//! Signed bundles: a compact JWS whose payload names a bundle's content hash, its revision and when it was
//! signed, carried in the bundle document's `signature` member (which its content hash leaves out, as it
//! leaves out `hash`). The JWS is detached from the bundle's content: it signs the hash, and loading has
//! already checked the content against that hash, so one fetch of one object brings both and a signature
//! cannot be paired with another bundle.
//!
//! A bundle is accepted under a [`Trust`]: trusted keys (a JWKS given in configuration, never in the bundle)
//! and the bundle running now, the floor. With trusted keys, a bundle without a signature, with a signature
//! that does not verify, that is not of this type, or that signs another hash is refused; so is a revision
//! older than the floor's, and the floor's own revision with other content (a replayed or a reused revision
//! must not bring back a revoked permission).

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::errors::{Code, Failure};
use crate::token::jws;
use crate::token::keys::KeySet;

/// The JWS `typ` of a bundle signature: a token of any other kind, signed by the same key, is not one.
pub const SIGNATURE_TYPE: &str = "cedar-authorizer-bundle+jws";

/// The longest signature read: a JWS of three short claims is well under a kilobyte with any key.
const MAX_SIGNATURE_BYTES: usize = 16 * 1024;

/// Revisions are JavaScript-safe integers: the host compares them too, as numbers.
const MAX_REVISION: u64 = (1 << 53) - 1;

/// What a verified signature says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify), tsify(hashmap_as_object))]
#[serde(rename_all = "camelCase")]
pub struct Signed {
    pub revision: u64,
    /// Seconds since the epoch, as the signer's clock read.
    pub signed_at: u64,
    /// The `kid` of the key that signed it.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub key_id: Option<String>,
}

/// The bundle a new one must not go back from: its revision and content hash.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Floor {
    pub revision: u64,
    pub hash: String,
}

/// How a bundle is accepted, as the host gives it: trusted keys (a JWKS), the floor, and whether a signature
/// is required (the default with keys; a Lambda zip's own bundle may be unsigned).
#[derive(Debug, Clone, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TrustInput {
    pub keys: Value,
    #[serde(default)]
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub floor: Option<Floor>,
    #[serde(default = "required_by_default")]
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub required: bool,
}

fn required_by_default() -> bool {
    true
}

/// Trusted keys imported, with the floor.
pub struct Trust {
    keys: KeySet,
    floor: Option<Floor>,
    required: bool,
}

impl Trust {
    pub fn new(input: &TrustInput) -> Result<Trust, Failure> {
        let keys = KeySet::from_jwks(&input.keys).map_err(|e| {
            Failure::of(Code::ConfigInvalid, format!("the trusted bundle keys are not a usable JWKS: {e}"))
        })?;
        if keys.keys.is_empty() {
            let why = if keys.skipped.is_empty() { String::new() } else { format!(" ({})", keys.skipped.join("; ")) };
            return Err(Failure::of(Code::ConfigInvalid, format!("the trusted bundle keys hold no usable key{why}")));
        }
        Ok(Trust { keys, floor: input.floor.clone(), required: input.required })
    }
}

fn refused(code: Code, message: String) -> Failure {
    Failure::of(code, message)
}

/// Checks a bundle's `signature` member (absent: `None`) against the hash the bundle records, which loading
/// has checked against its content. `Ok(None)`: an unsigned bundle where none is required.
pub fn check(signature: Option<&Value>, hash: &str, trust: &Trust) -> Result<Option<Signed>, Failure> {
    let Some(signature) = signature else {
        if trust.required {
            return Err(refused(
                Code::BundleUnsigned,
                "the bundle has no signature and trusted keys are configured: sign it with `cedar-authorizer sign`"
                    .into(),
            ));
        }
        return Ok(None);
    };
    let bad = |why: String| refused(Code::BundleBadSignature, format!("the bundle's signature {why}"));
    let Value::String(signature) = signature else { return Err(bad("is not a compact JWS string".into())) };
    let token =
        jws::parse(signature, MAX_SIGNATURE_BYTES).map_err(|e| bad(format!("is not read: {}", e.error_description)))?;
    if token.header.get("typ").and_then(Value::as_str) != Some(SIGNATURE_TYPE) {
        return Err(bad(format!(
            "is not of type `{SIGNATURE_TYPE}` (a JWS of another kind is not a bundle signature)"
        )));
    }
    token
        .verify_signature(&trust.keys)
        .map_err(|e| bad(format!("does not verify with the trusted keys: {}", e.error_description)))?;
    // Signed, so the payload is the signer's: still read strictly.
    let claims = token.claims().map_err(|e| bad(format!("has no claims: {}", e.error_description)))?;
    let signed_hash = claims.get("bundleHash").and_then(Value::as_str).unwrap_or_default();
    if signed_hash != hash {
        return Err(bad(format!("is for the bundle `{signed_hash}`, not this one (`{hash}`)")));
    }
    let number = |name: &str| claims.get(name).and_then(Value::as_u64).filter(|n| *n <= MAX_REVISION);
    let revision = number("revision").ok_or_else(|| bad("has no `revision` (a whole number)".into()))?;
    let signed_at = number("signedAt").ok_or_else(|| bad("has no `signedAt` (seconds)".into()))?;
    if let Some(floor) = &trust.floor {
        if revision < floor.revision {
            return Err(refused(
                Code::BundleRollback,
                format!("the bundle's revision {revision} is older than revision {} running now: an older bundle is never loaded again (sign the change with a higher `--revision`)", floor.revision),
            ));
        }
        if revision == floor.revision && hash != floor.hash {
            return Err(refused(
                Code::BundleRollback,
                format!("revision {revision} is running now with other content (`{}`): a changed bundle needs a higher revision", floor.hash),
            ));
        }
    }
    Ok(Some(Signed { revision, signed_at, key_id: token.kid.clone() }))
}
