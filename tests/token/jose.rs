//! Signature vectors from `../shared/corpora/jose` through the authorizer's own verification path:
//! Wycheproof (RSA PKCS#1 v1.5, RSA-PSS, ECDSA in JWS's P1363 encoding, Ed25519) and the RFC 7515 and
//! RFC 7520 examples. Every `valid` vector verifies, every `invalid` one is rejected, DER-encoded ECDSA
//! signatures are rejected, and HMAC and `none` are refused.

use std::fs;
use std::path::{Path, PathBuf};

use cedar_authorizer::store::config::TokenValidation;
use cedar_authorizer::token::alg::Alg;
use cedar_authorizer::token::keys::{KeySet, PublicKey};
use cedar_authorizer::token::sources::{Issuers, Provider, Source};
use cedar_authorizer::token::{jws, TokenKind};
use serde_json::{json, Value};

fn jose() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpora/jose")
}

fn read_json(path: &Path) -> Value {
    serde_json::from_str(&fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))).expect("JSON")
}

fn hex(text: &str) -> Vec<u8> {
    (0..text.len()).step_by(2).map(|i| u8::from_str_radix(&text[i..i + 2], 16).expect("hex")).collect()
}

#[derive(Default, Debug)]
struct Tally {
    valid: usize,
    invalid: usize,
    acceptable: usize,
    failures: Vec<String>,
}

fn alg_for(file: &str, jwk: &Value) -> Alg {
    if let Some(alg) = jwk.get("alg").and_then(Value::as_str) {
        return Alg::from_name(alg).unwrap_or_else(|| panic!("{file}: alg {alg}"));
    }
    match file {
        f if f.starts_with("ed25519") => Alg::EdDSA,
        f if f.contains("secp256r1") => Alg::ES256,
        f if f.contains("secp384r1") => Alg::ES384,
        f if f.contains("secp521r1") => Alg::ES512,
        f => panic!("{f}: which algorithm?"),
    }
}

/// The JWK of a Wycheproof ECDSA group given only as an uncompressed point (the DER files).
fn ec_jwk(group: &Value) -> Value {
    use base64::Engine;
    let key = &group["publicKey"];
    let b64 = |h: &str| {
        let bytes = hex(h);
        let size: usize = match key["curve"].as_str() {
            Some("secp256r1") => 32,
            Some("secp384r1") => 48,
            _ => 66,
        };
        let mut padded = vec![0u8; size.saturating_sub(bytes.len())];
        padded.extend(bytes.iter().skip(bytes.len().saturating_sub(size)));
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(padded)
    };
    let crv = match key["curve"].as_str() {
        Some("secp256r1") => "P-256",
        Some("secp384r1") => "P-384",
        _ => "P-521",
    };
    json!({ "kty": "EC", "crv": crv, "x": b64(key["wx"].as_str().expect("wx")), "y": b64(key["wy"].as_str().expect("wy")) })
}

pub fn wycheproof_vectors_agree() {
    let dir = jose().join("wycheproof/testvectors_v1");
    let mut files: Vec<String> = fs::read_dir(&dir)
        .expect("wycheproof dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().to_string())
        .collect();
    files.sort();
    let mut total = Tally::default();
    let mut der_rejected = 0;
    for file in &files {
        let doc = read_json(&dir.join(file));
        let der = file.starts_with("ecdsa") && !file.contains("p1363");
        for group in doc["testGroups"].as_array().expect("groups") {
            let jwk =
                group.get("publicKeyJwk").or_else(|| group.get("keyJwk")).cloned().unwrap_or_else(|| ec_jwk(group));
            let key = PublicKey::from_jwk(&jwk).unwrap_or_else(|e| panic!("{file}: key does not import: {e}"));
            let alg = alg_for(file, &jwk);
            for t in group["tests"].as_array().expect("tests") {
                let ok = key.verify(alg, &hex(t["msg"].as_str().expect("msg")), &hex(t["sig"].as_str().expect("sig")));
                let id = format!("{file} #{}", t["tcId"]);
                if der {
                    // JWS carries ECDSA signatures as fixed-size r || s; DER must never verify.
                    if ok {
                        total.failures.push(format!("{id}: a DER signature verified"));
                    } else {
                        der_rejected += 1;
                    }
                    continue;
                }
                match t["result"].as_str() {
                    Some("valid") => {
                        total.valid += 1;
                        if !ok {
                            total.failures.push(format!("{id}: valid vector rejected ({})", t["comment"]));
                        }
                    }
                    Some("invalid") => {
                        total.invalid += 1;
                        if ok {
                            total.failures.push(format!("{id}: invalid vector accepted ({})", t["comment"]));
                        }
                    }
                    _ => total.acceptable += 1,
                }
            }
        }
    }
    println!(
        "wycheproof: {} valid verified, {} invalid rejected, {} acceptable (either), {} DER signatures rejected, {} failures",
        total.valid - total.failures.iter().filter(|f| f.contains("valid vector rejected")).count(),
        total.invalid - total.failures.iter().filter(|f| f.contains("invalid vector accepted")).count(),
        total.acceptable,
        der_rejected,
        total.failures.len()
    );
    for f in total.failures.iter().take(20) {
        println!("  {f}");
    }
    assert!(total.failures.is_empty());
    // Every vector of the corpus was seen: 982 valid, 1,712 invalid, 5 acceptable, 1,530 DER.
    assert_eq!((total.valid, total.invalid, total.acceptable, der_rejected), (982, 1712, 5, 1530));
}

fn public_part(jwk: &Value) -> Value {
    let mut jwk = jwk.clone();
    if let Value::Object(map) = &mut jwk {
        for private in ["d", "p", "q", "dp", "dq", "qi", "k"] {
            map.remove(private);
        }
    }
    jwk
}

/// An issuer named `iss` with one key, as the authorizer would hold it.
fn issuer_with_key(iss: &str, jwk: &Value) -> Issuers {
    let source = Source {
        issuer: iss.into(),
        principal_type: "App::User".into(),
        group_type: None,
        group_claim: None,
        id_prefix: None,
        principal_id_claim: "iss".into(),
        provider: Provider::Oidc { kind: TokenKind::Identity, audiences: vec![] },
    };
    let mut issuers = Issuers::new(vec![source], TokenValidation::default());
    issuers.set_keys(iss, &json!({ "keys": [public_part(jwk)] })).expect("keys");
    issuers
}

pub fn rfc7515_appendix_a() {
    let doc = read_json(&jose().join("rfc7515-appendix-a/rfc7515-appendix-a.json"));
    let ex = &doc["examples"];
    let exp = 1_300_819_380;
    for (name, token, jwk) in [
        ("A.2 RS256", &ex["A.2"]["a.2.1.compact"], &ex["A.2"]["a.2.1.jwk+json"]),
        ("A.3 ES256", &ex["A.3"]["a.3.1.compact"], &ex["A.3"]["a.3.1.jwk+json"]),
    ] {
        let jwk: Value = serde_json::from_str(jwk.as_str().expect("jwk")).expect("jwk JSON");
        let issuers = issuer_with_key("joe", &jwk);
        let token = token.as_str().expect("token");
        // signature-valid with the clock before `exp`...
        let verified = issuers.verify(token, TokenKind::Identity, exp - 100).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(verified.claims["http://example.com/is_root"], json!(true), "{name}");
        // ...but expired since 2011
        assert_eq!(
            issuers.verify(token, TokenKind::Identity, 1_700_000_000).unwrap_err().code(),
            "token.expired",
            "{name}"
        );
        // and one flipped bit in the signature breaks it
        let mut tampered = token.to_string();
        let last = tampered.pop().expect("char");
        tampered.push(if last == 'A' { 'B' } else { 'A' });
        assert_eq!(
            issuers.verify(&tampered, TokenKind::Identity, exp - 100).unwrap_err().code(),
            "token.bad_signature",
            "{name}"
        );
    }
    // A.4 ES512: the signature verifies; its payload (`Payload`) is no JWT claims set, so as a token it is malformed.
    let jwk: Value = serde_json::from_str(ex["A.4"]["a.4.1.jwk+json"].as_str().expect("jwk")).expect("jwk JSON");
    let token = ex["A.4"]["a.4.1.compact"].as_str().expect("token");
    let keys = KeySet::from_jwks(&json!({ "keys": [public_part(&jwk)] })).expect("keys");
    let parsed = jws::parse(token, 16384).expect("parses");
    parsed.verify_signature(&keys).expect("ES512 signature verifies");
    assert_eq!(parsed.claims().unwrap_err().code(), "token.malformed");
    // A.1 HS256 and A.5 `none` are refused outright, and a symmetric key is never imported.
    for token in [&ex["A.1"]["a.1.1.compact"], &ex["A.5"]["a.5.compact"]] {
        assert_eq!(
            jws::parse(token.as_str().expect("token"), 16384).unwrap_err().code(),
            "token.unsupported_algorithm"
        );
    }
    let oct: Value = serde_json::from_str(ex["A.1"]["a.1.1.jwk+json"].as_str().expect("jwk")).expect("jwk JSON");
    assert!(PublicKey::from_jwk(&oct).unwrap_err().contains("symmetric"));
}

pub fn rfc7520_cookbook() {
    let dir = jose().join("rfc7520-cookbook");
    let mut verified = 0;
    for file in [
        "jws/4_1.rsa_v15_signature.json",
        "jws/4_2.rsa-pss_signature.json",
        "jws/4_3.ecdsa_signature.json",
        "curve25519/jws.json",
    ] {
        let doc = read_json(&dir.join(file));
        let doc = if doc.is_array() { doc[0].clone() } else { doc };
        let keys = KeySet::from_jwks(&json!({ "keys": [public_part(&doc["input"]["key"])] })).expect("keys");
        assert!(keys.skipped.is_empty(), "{file}: {:?}", keys.skipped);
        let token = doc["output"]["compact"].as_str().expect("compact");
        let parsed = jws::parse(token, 16384).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(Some(parsed.alg.name()), doc["input"]["alg"].as_str());
        parsed.verify_signature(&keys).unwrap_or_else(|e| panic!("{file}: {e}"));
        verified += 1;
    }
    assert_eq!(verified, 4);
    for file in ["jws/4_4.hmac-sha2_integrity_protection.json", "jws/4_5.signature_with_detached_content.json"] {
        let doc = read_json(&dir.join(file));
        let token = doc["output"]["compact"].as_str().expect("compact");
        assert_eq!(jws::parse(token, 16384).unwrap_err().code(), "token.unsupported_algorithm", "{file}");
    }
}
