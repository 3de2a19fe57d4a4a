//! Public keys: a JWKS imported once into ready-to-use verifiers, and the one signature check every
//! token goes through.
//!
//! Only asymmetric JWS algorithms are accepted. A key is used only with an algorithm it can have: its
//! own `alg` when the JWK names one, else the algorithms of its key type and curve. Keys whose `use` is
//! not `sig`, whose `key_ops` exclude `verify`, or that are symmetric are skipped with a note.

use std::collections::BTreeMap;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::DecodingKey;
use serde_json::Value;

use super::alg::Alg;
use super::crypto::{self, VerifyFn};

/// A key ready to verify signatures with each algorithm it allows.
pub struct PublicKey {
    pub kid: Option<String>,
    pub kty: String,
    verifiers: Vec<(Alg, VerifyFn)>,
}

impl std::fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PublicKey").field("kid", &self.kid).field("kty", &self.kty).field("algs", &self.algs()).finish()
    }
}

impl PublicKey {
    pub fn algs(&self) -> Vec<Alg> {
        self.verifiers.iter().map(|(a, _)| *a).collect()
    }

    pub fn allows(&self, alg: Alg) -> bool {
        self.verifiers.iter().any(|(a, _)| *a == alg)
    }

    /// Whether `signature` is a valid `alg` signature of `message` by this key. False for an algorithm
    /// the key does not allow.
    pub fn verify(&self, alg: Alg, message: &[u8], signature: &[u8]) -> bool {
        self.verifiers.iter().find(|(a, _)| *a == alg).is_some_and(|(_, verify)| verify(message, signature))
    }

    /// Imports one JWK. `Err` says why the key cannot be used.
    pub fn from_jwk(jwk: &Value) -> Result<PublicKey, String> {
        let text = |field: &str| jwk.get(field).and_then(Value::as_str);
        let kid = text("kid").map(str::to_string);
        let kty = text("kty").ok_or("the key has no `kty`")?.to_string();
        if let Some(usage) = text("use") {
            if usage != "sig" {
                return Err(format!("the key's `use` is `{usage}`, not `sig`"));
            }
        }
        if let Some(ops) = jwk.get("key_ops").and_then(Value::as_array) {
            if !ops.iter().any(|o| o.as_str() == Some("verify")) {
                return Err("the key's `key_ops` do not include `verify`".into());
            }
        }
        let family: Vec<Alg> = match (kty.as_str(), text("crv")) {
            ("RSA", _) => vec![Alg::RS256, Alg::RS384, Alg::RS512, Alg::PS256, Alg::PS384, Alg::PS512],
            ("EC", Some("P-256")) => vec![Alg::ES256],
            ("EC", Some("P-384")) => vec![Alg::ES384],
            ("EC", Some("P-521")) => vec![Alg::ES512],
            ("OKP", Some("Ed25519")) => vec![Alg::EdDSA],
            ("oct", _) => {
                return Err("symmetric (`oct`) keys are not accepted: tokens must be signed with a public key".into())
            }
            (kty, crv) => {
                return Err(format!(
                    "unsupported key type `{kty}`{}",
                    crv.map(|c| format!(" with curve `{c}`")).unwrap_or_default()
                ))
            }
        };
        let algs = match text("alg") {
            Some(name) => {
                let alg = Alg::from_name(name)
                    .ok_or_else(|| format!("the key's `alg` `{name}` is not a supported signing algorithm"))?;
                if !family.contains(&alg) {
                    return Err(format!("the key's `alg` `{name}` does not fit its key type `{kty}`"));
                }
                vec![alg]
            }
            None => family,
        };
        let mut verifiers: Vec<(Alg, VerifyFn)> = Vec::new();
        for alg in algs {
            verifiers.push((alg, verifier(alg, jwk)?));
        }
        Ok(PublicKey { kid, kty, verifiers })
    }
}

fn b64_field(jwk: &Value, field: &str) -> Result<Vec<u8>, String> {
    let text = jwk.get(field).and_then(Value::as_str).ok_or_else(|| format!("the key has no `{field}`"))?;
    URL_SAFE_NO_PAD.decode(text).map_err(|_| format!("the key's `{field}` is not base64url"))
}

/// Builds the verifier for one algorithm from a JWK, doing the key parsing once.
fn verifier(alg: Alg, jwk: &Value) -> Result<VerifyFn, String> {
    let decoding = match alg {
        Alg::RS256 | Alg::RS384 | Alg::RS512 | Alg::PS256 | Alg::PS384 | Alg::PS512 => {
            let n = b64_field(jwk, "n")?;
            let e = b64_field(jwk, "e")?;
            check_rsa_key(&n, &e)?;
            DecodingKey::from_rsa_raw_components(&n, &e)
        }
        Alg::ES256 | Alg::ES384 | Alg::ES512 => {
            let x = jwk.get("x").and_then(Value::as_str).ok_or("the key has no `x`")?;
            let y = jwk.get("y").and_then(Value::as_str).ok_or("the key has no `y`")?;
            DecodingKey::from_ec_components(x, y).map_err(|e| format!("the EC key is not usable: {e}"))?
        }
        Alg::EdDSA => {
            let x = jwk.get("x").and_then(Value::as_str).ok_or("the key has no `x`")?;
            DecodingKey::from_ed_components(x).map_err(|e| format!("the Ed25519 key is not usable: {e}"))?
        }
    };
    crypto::verifier(alg, &decoding)
}

/// Refuses RSA public keys that are short, have a public exponent below 3 or even (no such key can be a
/// correct RSA key: an even exponent has no inverse, 1 signs nothing), or carry the ROCA fingerprint.
pub fn check_rsa_key(n: &[u8], e: &[u8]) -> Result<(), String> {
    let n: &[u8] = &n[n.iter().take_while(|b| **b == 0).count()..];
    let e: &[u8] = &e[e.iter().take_while(|b| **b == 0).count()..];
    let bits = n.first().map_or(0, |b| n.len() * 8 - b.leading_zeros() as usize);
    if bits < 2048 {
        return Err(format!("RSA keys shorter than 2048 bits are not accepted (this one has {bits})"));
    }
    match e {
        [] | [0..=2] => return Err("the RSA public exponent is below 3".into()),
        [.., last] if last % 2 == 0 => return Err("the RSA public exponent is even".into()),
        _ => {}
    }
    if n.last().is_some_and(|b| b % 2 == 0) {
        return Err("the RSA modulus is even".into());
    }
    if has_roca_fingerprint(n) {
        return Err("the RSA key has the ROCA fingerprint (CVE-2017-15361): it was made by a weak key generator and can be factored".into());
    }
    Ok(())
}

/// The small primes of the ROCA fingerprint (Nemec et al., "The Return of Coppersmith's Attack", CCS 2017).
const ROCA_PRIMES: [u32; 38] = [
    3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83, 89, 97, 101, 103, 107, 109,
    113, 127, 131, 137, 139, 149, 151, 157, 163, 167,
];

/// Whether a modulus (big-endian) has the ROCA fingerprint: for every prime `p` of the list, `n mod p`
/// lies in the subgroup of `(Z/pZ)*` generated by 65537. Moduli of the vulnerable generator always do; a
/// random modulus does with a probability below 2^-100.
pub fn has_roca_fingerprint(n: &[u8]) -> bool {
    ROCA_PRIMES.iter().all(|&p| {
        let residue = n.iter().fold(0u32, |r, &b| (r * 256 + u32::from(b)) % p);
        let generator = 65537 % p;
        let mut element = 1u32;
        loop {
            if element == residue {
                return true;
            }
            element = element * generator % p;
            if element == 1 {
                return false;
            }
        }
    })
}

/// An issuer's keys, imported from its JWKS.
#[derive(Debug, Default)]
pub struct KeySet {
    pub keys: Vec<PublicKey>,
    /// Keys that were skipped, and why.
    pub skipped: Vec<String>,
}

impl KeySet {
    /// Imports every usable key of a JWKS (`{"keys": [...]}`). Fails when the document is not a JWKS, or
    /// when it has keys and every one of them was refused (the error says why, key by key).
    pub fn from_jwks(jwks: &Value) -> Result<KeySet, String> {
        let keys = jwks.get("keys").and_then(Value::as_array).ok_or("a JWKS is an object with a `keys` list")?;
        let mut set = KeySet::default();
        let mut seen: BTreeMap<String, usize> = BTreeMap::new();
        for (i, jwk) in keys.iter().enumerate() {
            match PublicKey::from_jwk(jwk) {
                Ok(key) => {
                    if let Some(kid) = &key.kid {
                        if seen.insert(kid.clone(), i).is_some() {
                            set.skipped.push(format!("key {i}: `kid` `{kid}` appears twice; the first is used"));
                            continue;
                        }
                    }
                    set.keys.push(key);
                }
                Err(reason) => set.skipped.push(format!(
                    "key {i}{}: {reason}",
                    jwk.get("kid").and_then(Value::as_str).map(|k| format!(" (`{k}`)")).unwrap_or_default()
                )),
            }
        }
        if set.keys.is_empty() && !keys.is_empty() {
            return Err(format!("every key of the key set was refused: {}", set.skipped.join("; ")));
        }
        Ok(set)
    }

    /// The key a token names: by `kid`, or, when the token has none, the only key that allows `alg`.
    pub fn find(&self, kid: Option<&str>, alg: Alg) -> Option<&PublicKey> {
        match kid {
            Some(kid) => self.keys.iter().find(|k| k.kid.as_deref() == Some(kid)),
            None => {
                let mut candidates = self.keys.iter().filter(|k| k.allows(alg));
                match (candidates.next(), candidates.next()) {
                    (Some(only), None) => Some(only),
                    _ => None,
                }
            }
        }
    }
}
