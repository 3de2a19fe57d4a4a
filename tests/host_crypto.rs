//! The path the Node modules take: signatures checked by an installed host rather than in the module. The
//! JOSE vectors (Wycheproof, RFC 7515, RFC 7520) and every token test run again with a host installed,
//! here one built on RustCrypto that sees only what a JavaScript host sees (the algorithm, the key's JWK
//! parts, the message and the signature). That proves the plumbing: the key material handed over, a
//! handle per key and algorithm, and every handle released when its key set is dropped. The host on Node
//! itself (`node:crypto`) is held to the same vectors in tests/js/signatures.test.mjs.
//!
//! A plain `main` (`harness = false` in Cargo.toml): the host is installed once, before anything else runs.

#[path = "common/mod.rs"]
mod common;
#[path = "token/jose.rs"]
mod jose;
#[allow(dead_code)]
#[path = "token/tokens.rs"]
mod tokens;

use std::cell::RefCell;
use std::collections::HashMap;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use cedar_authorizer::ffi;
use cedar_authorizer::token::alg::Alg;
use cedar_authorizer::token::crypto::{self, Host, KeyMaterial, VerifyFn};
use cedar_authorizer::token::keys::KeySet;
use jsonwebtoken::crypto::JwtVerifier;
use jsonwebtoken::{Algorithm, DecodingKey};
use serde_json::json;

/// A key the host holds: its algorithm and material, verified through RustCrypto at each call.
struct Held {
    alg: Alg,
    verifier: VerifyFn,
}

thread_local! {
    static HELD: RefCell<HashMap<u32, Held>> = RefCell::new(HashMap::new());
    static NEXT: RefCell<u32> = const { RefCell::new(1) };
    static IMPORTED: RefCell<usize> = const { RefCell::new(0) };
}

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

fn import_key(alg: Alg, key: KeyMaterial<'_>) -> Result<u32, String> {
    let verifier: VerifyFn = match (alg, key) {
        (Alg::ES512, KeyMaterial::Ec { x, y, .. }) => {
            let mut point = vec![4];
            point.extend_from_slice(x);
            point.extend_from_slice(y);
            let key = p521::ecdsa::VerifyingKey::from_sec1_bytes(&point).map_err(|_| "not on P-521".to_string())?;
            Box::new(move |m, s| {
                p521::ecdsa::Signature::from_slice(s)
                    .is_ok_and(|sig| p521::ecdsa::signature::Verifier::verify(&key, m, &sig).is_ok())
            })
        }
        (alg, key) => {
            let decoding = match key {
                KeyMaterial::Rsa { n, e } => DecodingKey::from_rsa_raw_components(n, e),
                KeyMaterial::Ec { x, y, .. } => {
                    DecodingKey::from_ec_components(&b64(x), &b64(y)).map_err(|e| e.to_string())?
                }
                KeyMaterial::Ed25519 { x } => DecodingKey::from_ed_components(&b64(x)).map_err(|e| e.to_string())?,
            };
            let algorithm: Algorithm =
                alg.name().parse().map_err(|_| format!("{} is not jsonwebtoken's", alg.name()))?;
            let built: Box<dyn JwtVerifier> =
                (jsonwebtoken::crypto::rust_crypto::DEFAULT_PROVIDER.verifier_factory)(&algorithm, &decoding)
                    .map_err(|e| e.to_string())?;
            Box::new(move |m, s| jsonwebtoken::signature::Verifier::verify(&*built, m, &s.to_vec()).is_ok())
        }
    };
    let handle = NEXT.with(|n| {
        let mut n = n.borrow_mut();
        *n += 1;
        *n
    });
    HELD.with(|held| held.borrow_mut().insert(handle, Held { alg, verifier }));
    IMPORTED.with(|i| *i.borrow_mut() += 1);
    Ok(handle)
}

fn verify(handle: u32, message: &[u8], signature: &[u8]) -> bool {
    HELD.with(|held| held.borrow().get(&handle).is_some_and(|key| (key.verifier)(message, signature)))
}

fn release_key(handle: u32) {
    HELD.with(|held| held.borrow_mut().remove(&handle));
}

fn held() -> usize {
    HELD.with(|held| held.borrow().len())
}

fn main() {
    let outcome = ffi::install_host_crypto(Host { import_key, verify, release_key });
    assert_eq!(serde_json::to_value(&outcome).expect("json"), json!({ "type": "success", "verifier": "host" }));
    assert!(crypto::host_installed());
    // A second host is refused: an instance keeps the one it started with.
    let again = ffi::install_host_crypto(Host { import_key, verify, release_key });
    assert_eq!(again.errors()[0].code, "internal.error");

    // An RSA key without `alg` allows six algorithms: six handles, all released with the key set.
    let jwks = common::Minter::new().jwks();
    let set = KeySet::from_jwks(&jwks).expect("keys");
    let handles = held();
    assert_eq!(handles, 1 + 6 + 1 + 1, "rsa-1 (RS256), rsa-any (six), ec-1, ed-1: {:?}", set.skipped);
    HELD.with(|h| {
        let algs: Vec<Alg> = h.borrow().values().map(|k| k.alg).collect();
        assert!(algs.contains(&Alg::PS512) && algs.contains(&Alg::ES256) && algs.contains(&Alg::EdDSA));
    });
    drop(set);
    assert_eq!(held(), 0, "every handle is released when its keys are dropped");

    let tests: [(&str, fn()); 12] = [
        ("jose::wycheproof_vectors_agree", jose::wycheproof_vectors_agree),
        ("jose::rfc7515_appendix_a", jose::rfc7515_appendix_a),
        ("jose::rfc7520_cookbook", jose::rfc7520_cookbook),
        ("tokens::minted_tokens_of_every_algorithm_decide", tokens::minted_tokens_of_every_algorithm_decide),
        (
            "tokens::the_six_routes_for_each_group_with_id_and_access_tokens",
            tokens::the_six_routes_for_each_group_with_id_and_access_tokens,
        ),
        (
            "tokens::hostile_and_broken_tokens_are_denied_with_their_code",
            tokens::hostile_and_broken_tokens_are_denied_with_their_code,
        ),
        ("tokens::keys_missing_for_an_issuer_name_the_issuer", tokens::keys_missing_for_an_issuer_name_the_issuer),
        (
            "tokens::verified_tokens_are_cached_until_exp_and_dropped_with_their_keys",
            tokens::verified_tokens_are_cached_until_exp_and_dropped_with_their_keys,
        ),
        (
            "tokens::batch_with_token_verifies_once_and_answers_each_request",
            tokens::batch_with_token_verifies_once_and_answers_each_request,
        ),
        ("tokens::access_token_claims_fill_context_token", tokens::access_token_claims_fill_context_token),
        (
            "tokens::openid_connect_sources_check_audiences_and_token_selection",
            tokens::openid_connect_sources_check_audiences_and_token_selection,
        ),
        (
            "tokens::bearer_tokens_pick_their_own_kind_and_pass_that_kinds_checks",
            tokens::bearer_tokens_pick_their_own_kind_and_pass_that_kinds_checks,
        ),
    ];
    for (name, test) in tests {
        test();
        println!("test {name} (host verifier) ... ok");
    }
    let imported = IMPORTED.with(|i| *i.borrow());
    assert!(imported > 800, "the vectors went through the host: {imported} keys imported");
    assert_eq!(held(), 0, "every key imported by the tests was released");
    println!("host verifier: {} tests passed, {imported} keys imported and released", tests.len());
}
