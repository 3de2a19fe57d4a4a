//! Signed bundles: a bundle loaded under trusted keys must carry a signature of this type, by a trusted
//! key, over its own hash, at a revision no older than the bundle running (and the running revision only
//! with the same content). Every refusal names its code; the content hash never covers the signature.

use cedar_authorizer::bundle::signature::{Floor, TrustInput, SIGNATURE_TYPE};
use cedar_authorizer::errors::Code;
use cedar_authorizer::ffi::{self, build_bundle, compile_bundle};
use jsonwebtoken::{Algorithm, Header};
use serde_json::{json, Value};

use crate::common::{example, Minter};

fn rides_bundle() -> Value {
    let built = build_bundle(&example("rides")).ok().expect("the rides store builds");
    serde_json::to_value(built.bundle).expect("json")
}

fn compiled_bundle() -> Value {
    let compiled = compile_bundle(rides_bundle()).ok().expect("compiles");
    serde_json::to_value(compiled.bundle).expect("json")
}

fn sign(minter: &Minter, alg: Algorithm, kid: &str, typ: Option<&str>, claims: &Value) -> String {
    let mut header = Header::new(alg);
    header.kid = Some(kid.into());
    header.typ = typ.map(str::to_string);
    minter.sign_header(&header, claims)
}

fn signed(bundle: &Value, signature: &str) -> Value {
    let mut bundle = bundle.clone();
    bundle["signature"] = json!(signature);
    bundle
}

fn claims(bundle: &Value, revision: u64) -> Value {
    json!({ "bundleHash": bundle["hash"], "revision": revision, "signedAt": 1_800_000_000u64 })
}

fn trust(minter: &Minter, floor: Option<(u64, &str)>) -> TrustInput {
    TrustInput {
        keys: minter.jwks(),
        floor: floor.map(|(revision, hash)| Floor { revision, hash: hash.into() }),
        required: true,
    }
}

fn refusal(document: Value, trust: &TrustInput) -> (Code, String) {
    match ffi::load_trusted(document.clone(), Some(trust)) {
        Ok(_) => panic!("loaded: {document}"),
        Err(failure) => {
            let text = ffi::load_text_trusted(&document.to_string(), Some(trust)).err().expect("refused as text too");
            assert_eq!(text.errors[0].code, failure.errors[0].code, "text and document agree");
            (failure.errors[0].code, failure.errors[0].error_description.clone())
        }
    }
}

#[test]
fn a_bundle_signed_by_a_trusted_key_loads_with_its_revision_on_either_kind_and_either_key() {
    let minter = Minter::new();
    for bundle in [rides_bundle(), compiled_bundle()] {
        for (alg, kid) in [(Algorithm::RS256, "rsa-1"), (Algorithm::ES256, "ec-1"), (Algorithm::EdDSA, "ed-1")] {
            let document = signed(&bundle, &sign(&minter, alg, kid, Some(SIGNATURE_TYPE), &claims(&bundle, 7)));
            let authorizer = ffi::load_trusted(document.clone(), Some(&trust(&minter, None))).expect("loads");
            let signature = authorizer.signed().expect("signature kept");
            assert_eq!((signature.revision, signature.signed_at), (7, 1_800_000_000));
            assert_eq!(signature.key_id.as_deref(), Some(kid));
            // The signature is outside the content hash, and a load without trust ignores it.
            assert_eq!(authorizer.hash(), bundle["hash"].as_str().expect("hash"));
            let plain = ffi::load_text(&document.to_string()).expect("loads without trust");
            assert!(plain.signed().is_none());
            let described = ffi::describe(&authorizer).ok().expect("described");
            assert_eq!(described.signature.map(|s| s.revision), Some(7));
        }
    }
}

#[test]
fn unsigned_wrongly_signed_tampered_and_foreign_signatures_are_refused() {
    let minter = Minter::new();
    let bundle = rides_bundle();
    let trusted = trust(&minter, None);
    let good = sign(&minter, Algorithm::RS256, "rsa-1", Some(SIGNATURE_TYPE), &claims(&bundle, 3));

    assert_eq!(refusal(bundle.clone(), &trusted).0, Code::BundleUnsigned);

    // Tampered content: the content hash refuses it before any signature is read.
    let mut tampered = signed(&bundle, &good);
    tampered["policyFiles"][0]["text"] = json!("permit(principal, action, resource);");
    assert_eq!(refusal(tampered, &trusted).0, Code::BundleHashMismatch);

    // A tampered hash and content together: the signature is for another hash.
    let mut rehashed = bundle.clone();
    rehashed["policyFiles"][0]["text"] = json!("permit(principal, action, resource);");
    rehashed["hash"] = json!(cedar_authorizer::bundle::hash::content_hash(
        &serde_json::from_value::<cedar_authorizer::bundle::Bundle>(rehashed.clone()).expect("a bundle")
    ));
    let (code, why) = refusal(signed(&rehashed, &good), &trusted);
    assert_eq!(code, Code::BundleBadSignature);
    assert!(why.contains("not this one"), "{why}");

    // Signed by a key that is not trusted: the same key set without the signing key.
    let mut others = minter.jwks();
    others["keys"].as_array_mut().expect("keys").retain(|k| k["kid"] == "ec-1");
    let only_ec = TrustInput { keys: others, floor: None, required: true };
    let (code, why) = refusal(signed(&bundle, &good), &only_ec);
    assert_eq!(code, Code::BundleBadSignature);
    assert!(why.contains("rsa-1"), "{why}");

    // A signature whose bytes were changed; one over other claims pasted onto this header.
    let mut parts: Vec<String> = good.split('.').map(str::to_string).collect();
    let last = parts[2].pop().expect("signature");
    parts[2].push(if last == 'A' { 'B' } else { 'A' });
    assert_eq!(refusal(signed(&bundle, &parts.join(".")), &trusted).0, Code::BundleBadSignature);
    let other = sign(&minter, Algorithm::RS256, "rsa-1", Some(SIGNATURE_TYPE), &claims(&bundle, 99));
    let spliced = format!(
        "{}.{}.{}",
        good.split('.').next().unwrap_or_default(),
        other.split('.').nth(1).unwrap_or_default(),
        good.split('.').nth(2).unwrap_or_default()
    );
    assert_eq!(refusal(signed(&bundle, &spliced), &trusted).0, Code::BundleBadSignature);

    // A token of another kind by a trusted key (an ID token, a JWT without a type) is not a signature.
    for typ in [None, Some("JWT"), Some("cedar-authorizer-bundle+JWS ")] {
        let (code, why) =
            refusal(signed(&bundle, &sign(&minter, Algorithm::RS256, "rsa-1", typ, &claims(&bundle, 3))), &trusted);
        assert_eq!(code, Code::BundleBadSignature, "{typ:?}");
        assert!(why.contains(SIGNATURE_TYPE), "{why}");
    }

    // Unsigned algorithms, shared secrets, a JWE, not a string, not a JWS at all.
    let none = format!("{}.{}.", b64(&json!({"alg": "none", "typ": SIGNATURE_TYPE})), b64(&claims(&bundle, 3)));
    let hs = format!("{}.{}.c2ln", b64(&json!({"alg": "HS256", "typ": SIGNATURE_TYPE})), b64(&claims(&bundle, 3)));
    for bad in [
        json!(none),
        json!(hs),
        json!("a.b.c.d.e"),
        json!(42),
        json!({"jws": good}),
        json!(""),
        json!("x".repeat(20_000)),
    ] {
        let mut document = bundle.clone();
        document["signature"] = bad.clone();
        assert_eq!(refusal(document, &trusted).0, Code::BundleBadSignature, "{bad}");
    }

    // Claims that are missing, negative, fractional or beyond 2^53.
    for broken in [
        json!({ "bundleHash": bundle["hash"], "signedAt": 1 }),
        json!({ "bundleHash": bundle["hash"], "revision": -1, "signedAt": 1 }),
        json!({ "bundleHash": bundle["hash"], "revision": 1.5, "signedAt": 1 }),
        json!({ "bundleHash": bundle["hash"], "revision": 9_007_199_254_740_992u64, "signedAt": 1 }),
        json!({ "bundleHash": bundle["hash"], "revision": "2", "signedAt": 1 }),
        json!({ "bundleHash": bundle["hash"], "revision": 2 }),
        json!({ "revision": 2, "signedAt": 1 }),
    ] {
        let signature = sign(&minter, Algorithm::ES256, "ec-1", Some(SIGNATURE_TYPE), &broken);
        assert_eq!(refusal(signed(&bundle, &signature), &trusted).0, Code::BundleBadSignature, "{broken}");
    }
}

#[test]
fn an_older_revision_and_the_running_revision_with_other_content_are_refused() {
    let minter = Minter::new();
    let bundle = rides_bundle();
    let hash = bundle["hash"].as_str().expect("hash").to_string();
    let at = |revision| {
        signed(&bundle, &sign(&minter, Algorithm::ES256, "ec-1", Some(SIGNATURE_TYPE), &claims(&bundle, revision)))
    };
    let (code, why) = refusal(at(4), &trust(&minter, Some((5, "sha256:other"))));
    assert_eq!(code, Code::BundleRollback);
    assert!(why.contains("older than revision 5"), "{why}");
    let (code, why) = refusal(at(5), &trust(&minter, Some((5, "sha256:other"))));
    assert_eq!(code, Code::BundleRollback);
    assert!(why.contains("other content"), "{why}");
    // The running bundle itself, and any newer one, load.
    assert!(ffi::load_trusted(at(5), Some(&trust(&minter, Some((5, &hash))))).is_ok());
    assert!(ffi::load_trusted(at(6), Some(&trust(&minter, Some((5, "sha256:other"))))).is_ok());
}

#[test]
fn without_a_required_signature_an_unsigned_bundle_loads_but_a_bad_one_never_does() {
    let minter = Minter::new();
    let bundle = rides_bundle();
    let optional = TrustInput { required: false, ..trust(&minter, None) };
    let authorizer = ffi::load_trusted(bundle.clone(), Some(&optional)).expect("an unsigned zip bundle loads");
    assert!(authorizer.signed().is_none());
    let mut bad = bundle.clone();
    bad["signature"] = json!("not.a.signature");
    assert_eq!(refusal(bad, &optional).0, Code::BundleBadSignature);
}

#[test]
fn trusted_keys_that_hold_no_usable_key_are_a_configuration_error() {
    let bundle = rides_bundle();
    for keys in [json!({}), json!({"keys": []}), json!({"keys": [{"kty": "oct", "k": "c2VjcmV0"}]})] {
        let trust = TrustInput { keys: keys.clone(), floor: None, required: true };
        assert_eq!(refusal(bundle.clone(), &trust).0, Code::ConfigInvalid, "{keys}");
    }
}

fn b64(value: &Value) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(value.to_string())
}
