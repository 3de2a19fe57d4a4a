//! Shared by the Rust integration tests: reading example stores and minting tokens with the test keys in
//! `../shared/corpora/jose/keats-jsonwebtoken-test-keys`.
#![allow(dead_code)]

use std::fs;
use std::path::{Path, PathBuf};

use cedar_authorizer::store::StoreFiles;
use jsonwebtoken::jwk::Jwk;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{json, Value};

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn read_store(dir: &Path) -> StoreFiles {
    let mut files = StoreFiles::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in fs::read_dir(&d).expect("store folder") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if let Ok(text) = fs::read_to_string(&path) {
                let rel = path.strip_prefix(dir).expect("inside").to_string_lossy().replace('\\', "/");
                files.insert(rel, text);
            }
        }
    }
    files
}

/// The routes store (`tests/fixtures/routes-store`, every kind of route) with the test minter's keys.
pub fn routes_store() -> (cedar_authorizer::Authorizer, Minter) {
    let minter = Minter::new();
    let mut authorizer =
        cedar_authorizer::Authorizer::from_files(&read_store(&root().join("tests/fixtures/routes-store")))
            .expect("routes store");
    authorizer.set_jwks(COGNITO_ISSUER, &minter.jwks()).expect("keys");
    (authorizer, minter)
}

pub fn example(name: &str) -> StoreFiles {
    read_store(&root().join("policies").join(name))
}

fn key_file(rel: &str) -> Vec<u8> {
    fs::read(root().join("../shared/corpora/jose/keats-jsonwebtoken-test-keys").join(rel)).expect("test key")
}

/// Signs tokens with an RSA, an EC P-256 and an Ed25519 key, and publishes their JWKS.
pub struct Minter {
    pub rsa: EncodingKey,
    pub ec: EncodingKey,
    pub ed: EncodingKey,
}

impl Minter {
    pub fn new() -> Self {
        Minter {
            rsa: EncodingKey::from_rsa_pem(&key_file("rsa/private_rsa_key_pkcs1.pem")).expect("rsa"),
            ec: EncodingKey::from_ec_pem(&key_file("ecdsa/private_ecdsa_key.pem")).expect("ec"),
            ed: EncodingKey::from_ed_pem(&key_file("eddsa/private_ed25519_key.pem")).expect("ed"),
        }
    }

    fn jwk(key: &EncodingKey, alg: Algorithm, kid: &str) -> Value {
        let mut jwk = serde_json::to_value(Jwk::from_encoding_key(key, alg).expect("jwk")).expect("json");
        jwk["kid"] = json!(kid);
        jwk["use"] = json!("sig");
        jwk
    }

    /// The public keys: `rsa-1` (RS256 only), `rsa-any` (the same key, any RSA algorithm), `ec-1`, `ed-1`.
    pub fn jwks(&self) -> Value {
        let mut any = Self::jwk(&self.rsa, Algorithm::RS256, "rsa-any");
        any.as_object_mut().expect("object").remove("alg");
        json!({ "keys": [
            Self::jwk(&self.rsa, Algorithm::RS256, "rsa-1"),
            any,
            Self::jwk(&self.ec, Algorithm::ES256, "ec-1"),
            Self::jwk(&self.ed, Algorithm::EdDSA, "ed-1"),
        ]})
    }

    pub fn sign_header(&self, header: &Header, claims: &Value) -> String {
        let key = match header.alg {
            Algorithm::ES256 => &self.ec,
            Algorithm::EdDSA => &self.ed,
            _ => &self.rsa,
        };
        jsonwebtoken::encode(header, claims, key).expect("sign")
    }

    pub fn sign(&self, alg: Algorithm, kid: &str, claims: &Value) -> String {
        let mut header = Header::new(alg);
        header.kid = Some(kid.to_string());
        self.sign_header(&header, claims)
    }
}

pub const NOW: u64 = 1_800_000_000;
pub const POOL: &str = "us-east-1_DemoPool1";
pub const COGNITO_ISSUER: &str = "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_DemoPool1";

/// Claims of a Cognito ID token of the rides demo pool.
pub fn id_claims(sub: &str, groups: &[&str]) -> Value {
    json!({
        "sub": sub, "iss": COGNITO_ISSUER, "aud": "ridesdemoclient", "token_use": "id",
        "cognito:username": sub, "email": format!("{sub}@example.com"), "email_verified": true,
        "cognito:groups": groups, "auth_time": NOW - 60, "iat": NOW - 60, "exp": NOW + 3600,
    })
}

/// Claims of a Cognito access token of the rides demo pool.
pub fn access_claims(sub: &str, groups: &[&str]) -> Value {
    json!({
        "sub": sub, "iss": COGNITO_ISSUER, "client_id": "ridesdemoclient", "token_use": "access",
        "username": sub, "scope": "openid rides/read", "cognito:groups": groups,
        "iat": NOW - 60, "exp": NOW + 3600,
    })
}

/// `IsAuthorizedWithToken` through the Rust API, with the request as a `Value`; the same request read from
/// its JSON text (as the wasm module reads it) must be answered alike whenever that reader takes it.
#[allow(dead_code)]
pub fn with_token(
    authorizer: &cedar_authorizer::Authorizer,
    input: &Value,
    now: u64,
) -> cedar_authorizer::request::Answer {
    let from_text = authorizer.is_authorized_with_token_text(&input.to_string(), now);
    let (answer, valid_until) = authorizer.is_authorized_with_token_until(input, now);
    if let Some(from_text) = from_text {
        assert_eq!(from_text, (answer.clone(), valid_until), "{input}: read from text, answered differently");
    }
    answer
}
