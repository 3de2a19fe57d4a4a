//! The signature primitive under every key: jsonwebtoken's `CryptoProvider`, with two verifiers behind it.
//!
//! - **The host's.** Where the module runs on Node (Lambda, Lambda@Edge), JavaScript installs a [`Host`]:
//!   one function that imports a public key once (a `node:crypto` `KeyObject`) and one that checks a
//!   signature with it. Only the primitive crosses: which key, which algorithm, the JWS parsing, the claims
//!   and the mapping all stay here, and the host answers true or false.
//! - **RustCrypto's** (the `rust-crypto` feature, on in the full build): used wherever no host is
//!   installed, as in the browser, whose WebCrypto is asynchronous. Builds without the feature (the Node
//!   runtime and Lambda@Edge modules) do not link the RustCrypto signature crates at all, and refuse every
//!   key until a host is installed.
//!
//! The provider is installed as jsonwebtoken's process default, and every verifier is built through its
//! `verifier_factory`, once per key and algorithm when a key set is imported. ES512, which jsonwebtoken's
//! `Algorithm` lacks, takes the same two routes directly.

use std::sync::OnceLock;

use jsonwebtoken::crypto::{CryptoProvider, JwtSigner, JwtVerifier, KeyUtils};
use jsonwebtoken::errors::{Error as JwtError, ErrorKind};
use jsonwebtoken::jwk::{EllipticCurve, ThumbprintHash};
use jsonwebtoken::signature;
use jsonwebtoken::{Algorithm, DecodingKey, DecodingKeyKind, EncodingKey};

use super::alg::Alg;

/// Public key material as a JWK carries it (big-endian, unpadded only where JWK allows).
#[derive(Debug, Clone, Copy)]
pub enum KeyMaterial<'a> {
    Rsa { n: &'a [u8], e: &'a [u8] },
    Ec { curve: Curve, x: &'a [u8], y: &'a [u8] },
    Ed25519 { x: &'a [u8] },
}

/// The curves of JWS's ECDSA algorithms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Curve {
    P256,
    P384,
    P521,
}

impl Curve {
    /// Its JWK name (`crv`).
    pub fn name(self) -> &'static str {
        match self {
            Curve::P256 => "P-256",
            Curve::P384 => "P-384",
            Curve::P521 => "P-521",
        }
    }

    /// The size in bytes of a coordinate, and of each of `r` and `s` in a JWS signature.
    pub fn size(self) -> usize {
        match self {
            Curve::P256 => 32,
            Curve::P384 => 48,
            Curve::P521 => 66,
        }
    }
}

impl KeyMaterial<'_> {
    /// The JWK key type, with the curve where there is one: `RSA`, `P-256`, `P-384`, `P-521`, `Ed25519`.
    pub fn kind(&self) -> &'static str {
        match self {
            KeyMaterial::Rsa { .. } => "RSA",
            KeyMaterial::Ec { curve, .. } => curve.name(),
            KeyMaterial::Ed25519 { .. } => "Ed25519",
        }
    }

    /// The two byte strings that make the key: `n` and `e`, `x` and `y`, or `x` and nothing.
    pub fn parts(&self) -> (&[u8], &[u8]) {
        match self {
            KeyMaterial::Rsa { n, e } => (n, e),
            KeyMaterial::Ec { x, y, .. } => (x, y),
            KeyMaterial::Ed25519 { x } => (x, &[]),
        }
    }
}

/// The host's signature primitive. `import_key` prepares a key for one algorithm and answers a handle (or
/// why the key cannot be used); `verify` answers whether a signature of a message is valid under a handle;
/// `release_key` forgets a handle whose key was dropped. None of them may throw.
#[derive(Debug, Clone, Copy)]
pub struct Host {
    pub import_key: fn(alg: Alg, key: KeyMaterial<'_>) -> Result<u32, String>,
    pub verify: fn(handle: u32, message: &[u8], signature: &[u8]) -> bool,
    pub release_key: fn(handle: u32),
}

static HOST: OnceLock<Host> = OnceLock::new();

/// Installs the host's primitive for this instance, and the provider as jsonwebtoken's default. Only the
/// first call counts: a module instance has one host for its lifetime.
pub fn install_host(host: Host) -> bool {
    let installed = HOST.set(host).is_ok();
    // Ours unless jsonwebtoken has already chosen one (it chooses on its first use, and only tests use it
    // before this point); our verifiers are built through PROVIDER either way.
    let _ = CryptoProvider::install_default(&PROVIDER);
    installed
}

/// Whether signatures are checked by the host's primitive.
pub fn host_installed() -> bool {
    HOST.get().is_some()
}

/// Which verifier this instance uses: `host`, `rust-crypto`, or `none` (every key is refused).
pub fn verifier_name() -> &'static str {
    if host_installed() {
        "host"
    } else if cfg!(feature = "rust-crypto") {
        "rust-crypto"
    } else {
        "none"
    }
}

/// The provider: the host's verifier where one is installed, else RustCrypto's where it is built in. The
/// rest (signing, reading private keys) is RustCrypto's where it is built in, and refused otherwise: the
/// module itself only ever verifies.
pub static PROVIDER: CryptoProvider = CryptoProvider {
    signer_factory: rust_crypto::signer,
    verifier_factory: provider_verifier,
    key_utils: KeyUtils {
        rsa_pub_components_from_private_key: rust_crypto::rsa_from_private,
        rsa_pub_components_from_public_key: rust_crypto::rsa_from_public,
        ec_pub_components_from_private_key: rust_crypto::ec_from_private,
        ed_pub_components_from_private_key: rust_crypto::ed_from_private,
        compute_digest,
    },
};

type JwtResult<T> = jsonwebtoken::errors::Result<T>;

/// What RustCrypto's provider does where it is built in, and a refusal that says so where it is not.
mod rust_crypto {
    use super::*;

    macro_rules! delegate {
        ($($name:ident: $field:ident $(. $sub:ident)? ($($arg:ident: $ty:ty),*) -> $out:ty, $why:expr;)*) => {$(
            #[cfg(feature = "rust-crypto")]
            pub fn $name($($arg: $ty),*) -> JwtResult<$out> {
                (jsonwebtoken::crypto::rust_crypto::DEFAULT_PROVIDER.$field $(. $sub)?)($($arg),*)
            }

            #[cfg(not(feature = "rust-crypto"))]
            pub fn $name($(_: $ty),*) -> JwtResult<$out> {
                Err(JwtError::from(ErrorKind::Provider($why)))
            }
        )*};
    }

    delegate! {
        signer: signer_factory(alg: &Algorithm, key: &EncodingKey) -> Box<dyn JwtSigner>, only_verifies("signing");
        verifier: verifier_factory(alg: &Algorithm, key: &DecodingKey) -> Box<dyn JwtVerifier>, NO_VERIFIER.into();
        rsa_from_private: key_utils.rsa_pub_components_from_private_key(der: &[u8]) -> (Vec<u8>, Vec<u8>), only_verifies("reading private keys");
        rsa_from_public: key_utils.rsa_pub_components_from_public_key(der: &[u8]) -> (Vec<u8>, Vec<u8>), only_verifies("reading DER public keys");
        ec_from_private: key_utils.ec_pub_components_from_private_key(der: &[u8], alg: Algorithm) -> (EllipticCurve, Vec<u8>, Vec<u8>), only_verifies("reading private keys");
        ed_from_private: key_utils.ed_pub_components_from_private_key(der: &[u8], curve: &EllipticCurve) -> Vec<u8>, only_verifies("reading private keys");
    }
}

/// Why a build without RustCrypto refuses `what`.
#[cfg(not(feature = "rust-crypto"))]
fn only_verifies(what: &str) -> String {
    format!("{what} is not supported: this build only verifies signatures")
}

fn compute_digest(data: &[u8], hash: ThumbprintHash) -> JwtResult<Vec<u8>> {
    use sha2::Digest;
    Ok(match hash {
        ThumbprintHash::SHA256 => sha2::Sha256::digest(data).to_vec(),
        ThumbprintHash::SHA384 => sha2::Sha384::digest(data).to_vec(),
        ThumbprintHash::SHA512 => sha2::Sha512::digest(data).to_vec(),
        _ => return Err(JwtError::from(ErrorKind::Provider("unknown thumbprint hash".into()))),
    })
}

/// jsonwebtoken's algorithm for ours (none for ES512, which jsonwebtoken lacks).
fn jwt_algorithm(alg: Alg) -> Option<Algorithm> {
    Some(match alg {
        Alg::RS256 => Algorithm::RS256,
        Alg::RS384 => Algorithm::RS384,
        Alg::RS512 => Algorithm::RS512,
        Alg::PS256 => Algorithm::PS256,
        Alg::PS384 => Algorithm::PS384,
        Alg::PS512 => Algorithm::PS512,
        Alg::ES256 => Algorithm::ES256,
        Alg::ES384 => Algorithm::ES384,
        Alg::EdDSA => Algorithm::EdDSA,
        Alg::ES512 => return None,
    })
}

fn our_algorithm(alg: &Algorithm) -> Option<Alg> {
    Some(match alg {
        Algorithm::RS256 => Alg::RS256,
        Algorithm::RS384 => Alg::RS384,
        Algorithm::RS512 => Alg::RS512,
        Algorithm::PS256 => Alg::PS256,
        Algorithm::PS384 => Alg::PS384,
        Algorithm::PS512 => Alg::PS512,
        Algorithm::ES256 => Alg::ES256,
        Algorithm::ES384 => Alg::ES384,
        Algorithm::EdDSA => Alg::EdDSA,
        _ => return None,
    })
}

/// The key material of a jsonwebtoken key, for the algorithm it will verify.
fn material(alg: Alg, key: &DecodingKey) -> Result<KeyMaterial<'_>, String> {
    match (alg, key.kind()) {
        (
            Alg::RS256 | Alg::RS384 | Alg::RS512 | Alg::PS256 | Alg::PS384 | Alg::PS512,
            DecodingKeyKind::RsaModulusExponent { n, e },
        ) => Ok(KeyMaterial::Rsa { n, e }),
        (Alg::ES256 | Alg::ES384 | Alg::ES512, DecodingKeyKind::SecretOrDer(point)) => {
            let curve = match alg {
                Alg::ES256 => Curve::P256,
                Alg::ES384 => Curve::P384,
                _ => Curve::P521,
            };
            ec_point(curve, point)
        }
        (Alg::EdDSA, DecodingKeyKind::SecretOrDer(x)) if x.len() == 32 => Ok(KeyMaterial::Ed25519 { x }),
        (Alg::EdDSA, _) => Err("an Ed25519 key is 32 bytes".into()),
        _ => Err(format!("the key is not a {} key", alg.name())),
    }
}

/// An uncompressed SEC1 point (`04 || x || y`) of the curve, each coordinate full size as JWK requires.
fn ec_point(curve: Curve, point: &[u8]) -> Result<KeyMaterial<'_>, String> {
    let size = curve.size();
    match point.split_first() {
        Some((4, xy)) if xy.len() == 2 * size => Ok(KeyMaterial::Ec { curve, x: &xy[..size], y: &xy[size..] }),
        _ => Err(format!("a {} key needs {size}-byte `x` and `y`", curve.name())),
    }
}

/// A key imported into the host for one algorithm; the handle is released when the key is dropped.
struct HostKey {
    handle: u32,
    host: Host,
}

impl HostKey {
    fn import(host: Host, alg: Alg, key: KeyMaterial<'_>) -> Result<HostKey, String> {
        let handle =
            (host.import_key)(alg, key).map_err(|reason| format!("the platform cannot use the key: {reason}"))?;
        Ok(HostKey { handle, host })
    }

    fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        (self.host.verify)(self.handle, message, signature)
    }
}

impl Drop for HostKey {
    fn drop(&mut self) {
        (self.host.release_key)(self.handle);
    }
}

/// jsonwebtoken's view of a host key.
struct HostVerifier {
    algorithm: Algorithm,
    key: HostKey,
}

impl signature::Verifier<Vec<u8>> for HostVerifier {
    fn verify(&self, message: &[u8], signature: &Vec<u8>) -> Result<(), signature::Error> {
        if self.key.verify(message, signature) {
            Ok(())
        } else {
            Err(signature::Error::new())
        }
    }
}

impl JwtVerifier for HostVerifier {
    fn algorithm(&self) -> Algorithm {
        self.algorithm
    }
}

fn provider_verifier(algorithm: &Algorithm, key: &DecodingKey) -> JwtResult<Box<dyn JwtVerifier>> {
    let provider_error = |reason: String| JwtError::from(ErrorKind::Provider(reason));
    if let Some(host) = HOST.get() {
        let alg = our_algorithm(algorithm).ok_or_else(|| provider_error(format!("{algorithm:?} is not accepted")))?;
        let key = HostKey::import(*host, alg, material(alg, key).map_err(provider_error)?).map_err(provider_error)?;
        return Ok(Box::new(HostVerifier { algorithm: *algorithm, key }));
    }
    rust_crypto::verifier(algorithm, key)
}

/// Why keys are refused in a build without RustCrypto whose host was not installed.
#[cfg(not(feature = "rust-crypto"))]
const NO_VERIFIER: &str = "this module checks signatures with the platform's crypto, and none was installed";

/// A ready signature check: message and signature in, valid or not out.
pub type VerifyFn = Box<dyn Fn(&[u8], &[u8]) -> bool>;

/// The verifier of one key for one algorithm, built once when the key is imported. The key's shape is
/// checked here first, for every verifier alike (RustCrypto's ECDSA import panics on a short coordinate).
pub fn verifier(alg: Alg, key: &DecodingKey) -> Result<VerifyFn, String> {
    material(alg, key)?;
    let built: Box<dyn JwtVerifier> = match jwt_algorithm(alg) {
        Some(algorithm) => (PROVIDER.verifier_factory)(&algorithm, key).map_err(|e| match e.kind() {
            ErrorKind::Provider(reason) => reason.clone(),
            _ => format!("the key is not usable for {}: {e}", alg.name()),
        })?,
        None => return es512_verifier(key),
    };
    Ok(Box::new(move |message: &[u8], signature: &[u8]| {
        signature::Verifier::verify(&*built, message, &signature.to_vec()).is_ok()
    }))
}

/// ES512 (P-521 with SHA-512), which jsonwebtoken lacks: the host's primitive, or RustCrypto's p521.
/// Signatures are JWS's fixed-size `r || s`.
fn es512_verifier(key: &DecodingKey) -> Result<VerifyFn, String> {
    let point = match key.kind() {
        DecodingKeyKind::SecretOrDer(point) => point,
        DecodingKeyKind::RsaModulusExponent { .. } => return Err("the key is not a P-521 key".into()),
    };
    let material = ec_point(Curve::P521, point)?;
    if let Some(host) = HOST.get() {
        let key = HostKey::import(*host, Alg::ES512, material)?;
        return Ok(Box::new(move |message: &[u8], signature: &[u8]| {
            signature.len() == 132 && key.verify(message, signature)
        }));
    }
    p521_verifier(point)
}

#[cfg(feature = "rust-crypto")]
fn p521_verifier(point: &[u8]) -> Result<VerifyFn, String> {
    let key = p521::ecdsa::VerifyingKey::from_sec1_bytes(point)
        .map_err(|_| "the P-521 key is not a point on the curve".to_string())?;
    Ok(Box::new(move |message: &[u8], signature: &[u8]| {
        signature.len() == 132
            && p521::ecdsa::Signature::from_slice(signature)
                .is_ok_and(|sig| p521::ecdsa::signature::Verifier::verify(&key, message, &sig).is_ok())
    }))
}

#[cfg(not(feature = "rust-crypto"))]
fn p521_verifier(_: &[u8]) -> Result<VerifyFn, String> {
    Err(NO_VERIFIER.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn material_is_read_back_from_jsonwebtoken_keys() {
        let rsa = DecodingKey::from_rsa_raw_components(&[0xc5; 256], &[1, 0, 1]);
        assert!(
            matches!(material(Alg::PS256, &rsa), Ok(KeyMaterial::Rsa { n, e }) if n.len() == 256 && e == [1, 0, 1])
        );
        assert!(material(Alg::ES256, &rsa).is_err());
        let x = "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU";
        let y = "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0";
        let ec = DecodingKey::from_ec_components(x, y).expect("P-256 key");
        match material(Alg::ES256, &ec) {
            Ok(KeyMaterial::Ec { curve: Curve::P256, x, y }) => assert_eq!((x.len(), y.len()), (32, 32)),
            other => panic!("{other:?}"),
        }
        // A P-256 point is not a P-384 key, nor a short one a P-256 key.
        assert!(material(Alg::ES384, &ec).is_err());
        let short = DecodingKey::from_ec_components("AAAA", "AAAA").expect("decodes");
        assert!(material(Alg::ES256, &short).unwrap_err().contains("32-byte"));
        let ed = DecodingKey::from_ed_components("11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo").expect("Ed25519 key");
        assert!(matches!(material(Alg::EdDSA, &ed), Ok(KeyMaterial::Ed25519 { x }) if x.len() == 32));
    }

    #[test]
    fn the_provider_signs_only_where_rust_crypto_is_built_in() {
        let key = EncodingKey::from_secret(b"secret");
        let signer = (PROVIDER.signer_factory)(&Algorithm::HS256, &key);
        match signer {
            Ok(signer) => assert!(cfg!(feature = "rust-crypto") && signer.algorithm() == Algorithm::HS256),
            Err(error) => assert!(!cfg!(feature = "rust-crypto") && error.to_string().contains("only verifies")),
        }
        assert_eq!((PROVIDER.key_utils.compute_digest)(b"abc", ThumbprintHash::SHA256).expect("digest").len(), 32);
    }
}
