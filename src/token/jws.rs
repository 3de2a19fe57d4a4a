//! JWS compact serialization, read strictly: three base64url parts, a header that names an accepted
//! asymmetric algorithm and nothing dangerous, and a JSON object payload. Nothing here trusts the token:
//! the result is only the material to check.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::{Map, Value};

use super::alg::Alg;
use super::keys::KeySet;
use crate::errors::{Code, Error};

/// A token split and decoded, not yet verified.
#[derive(Debug, Clone)]
pub struct UnverifiedToken<'t> {
    pub alg: Alg,
    pub kid: Option<String>,
    pub header: Map<String, Value>,
    /// The decoded payload bytes; [`UnverifiedToken::claims`] reads them as a JWT claims set.
    pub payload: Vec<u8>,
    /// `<header>.<payload>`, the bytes the signature covers.
    pub signing_input: &'t str,
    pub signature: Vec<u8>,
}

/// Header members that embed or point to keys, or make the token depend on extensions we do not know:
/// a token that carries any of them is refused outright.
const REFUSED_HEADERS: [&str; 6] = ["crit", "jwk", "jku", "x5u", "x5c", "b64"];

fn decode_part(part: &str, what: &str) -> Result<Vec<u8>, Error> {
    URL_SAFE_NO_PAD
        .decode(part)
        .map_err(|_| Error::new(Code::TokenMalformed, format!("the token's {what} is not base64url")))
}

fn json_object(bytes: &[u8], what: &str) -> Result<Map<String, Value>, Error> {
    match serde_json::from_slice::<Value>(bytes) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(Error::new(Code::TokenMalformed, format!("the token's {what} is not a JSON object"))),
        Err(_) => Err(Error::new(Code::TokenMalformed, format!("the token's {what} is not JSON"))),
    }
}

impl UnverifiedToken<'_> {
    /// The payload as a JWT claims set (a JSON object).
    pub fn claims(&self) -> Result<Map<String, Value>, Error> {
        json_object(&self.payload, "payload")
    }

    /// Checks the signature with the issuer's keys: the key the token names (by `kid`, or the only key for
    /// its algorithm), which must allow the token's algorithm.
    pub fn verify_signature(&self, keys: &KeySet) -> Result<(), Error> {
        let key = keys.find(self.kid.as_deref(), self.alg).ok_or_else(|| {
            Error::new(
                Code::JwksNoMatchingKey,
                match &self.kid {
                    Some(kid) => format!("no key `{kid}` among the issuer's keys"),
                    None => format!("the token has no `kid` and the issuer has no single {} key", self.alg.name()),
                },
            )
        })?;
        if !key.allows(self.alg) {
            return Err(Error::new(
                Code::TokenAlgorithmMismatch,
                format!("key `{}` is not for `{}`", key.kid.as_deref().unwrap_or("-"), self.alg.name()),
            ));
        }
        if !key.verify(self.alg, self.signing_input.as_bytes(), &self.signature) {
            return Err(Error::new(Code::TokenBadSignature, "the token's signature does not verify"));
        }
        Ok(())
    }
}

/// Splits and decodes a compact JWS, refusing anything that is not a plain signed JWT.
pub fn parse(token: &str, max_bytes: usize) -> Result<UnverifiedToken<'_>, Error> {
    if token.len() > max_bytes {
        return Err(Error::new(
            Code::TokenTooLarge,
            format!("the token is {} bytes, over the limit of {max_bytes}", token.len()),
        ));
    }
    if token.is_empty() {
        return Err(Error::new(Code::TokenMissing, "no token"));
    }
    let parts: Vec<&str> = token.split('.').collect();
    match parts.len() {
        3 => {}
        5 => {
            return Err(Error::new(
                Code::TokenEncrypted,
                "the token is encrypted (JWE): only signed tokens are accepted",
            ))
        }
        n => {
            return Err(Error::new(
                Code::TokenMalformed,
                format!("a JWT has three dot-separated parts, this token has {n}"),
            ))
        }
    }
    let header = json_object(&decode_part(parts[0], "header")?, "header")?;
    let alg_name = header.get("alg").and_then(Value::as_str).unwrap_or_default();
    let alg = match Alg::from_name(alg_name) {
        Some(alg) => alg,
        None if alg_name.eq_ignore_ascii_case("none") => {
            return Err(Error::new(Code::TokenUnsupportedAlgorithm, "unsigned tokens (`alg: none`) are refused"))
        }
        None if alg_name.starts_with("HS") => {
            return Err(Error::new(
                Code::TokenUnsupportedAlgorithm,
                format!("`{alg_name}` is a shared-secret algorithm: only public-key signatures are accepted"),
            ))
        }
        None => {
            return Err(Error::new(
                Code::TokenUnsupportedAlgorithm,
                format!("unsupported signing algorithm `{alg_name}`"),
            ))
        }
    };
    if let Some(refused) = REFUSED_HEADERS.iter().find(|h| header.contains_key(**h)) {
        let code = if *refused == "crit" || *refused == "b64" { Code::TokenCritHeader } else { Code::TokenEmbeddedKey };
        return Err(Error::new(code, format!("tokens with a `{refused}` header are refused")));
    }
    let kid = match header.get("kid") {
        None => None,
        Some(Value::String(kid)) => Some(kid.clone()),
        Some(_) => return Err(Error::new(Code::TokenMalformed, "the token's `kid` is not a string")),
    };
    let payload = decode_part(parts[1], "payload")?;
    let signature = decode_part(parts[2], "signature")?;
    let signing_input = &token[..parts[0].len() + 1 + parts[1].len()];
    Ok(UnverifiedToken { alg, kid, header, payload, signing_input, signature })
}
