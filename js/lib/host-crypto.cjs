'use strict';

// The platform's signature primitive for the wasm module (src/token/crypto.rs): `node:crypto`, which is
// OpenSSL, synchronous and much faster than signature code compiled to wasm. The module decides everything
// (which key, which algorithm, every claim); this only imports a public key once and then answers whether a
// signature verifies under it.

/** What each JWS algorithm is, for `node:crypto`: the key kind it needs, its digest, and its options. */
const ALGORITHMS = {
  RS256: { kind: 'RSA', digest: 'sha256' },
  RS384: { kind: 'RSA', digest: 'sha384' },
  RS512: { kind: 'RSA', digest: 'sha512' },
  PS256: { kind: 'RSA', digest: 'sha256', pss: true },
  PS384: { kind: 'RSA', digest: 'sha384', pss: true },
  PS512: { kind: 'RSA', digest: 'sha512', pss: true },
  ES256: { kind: 'P-256', digest: 'sha256', curve: 'prime256v1' },
  ES384: { kind: 'P-384', digest: 'sha384', curve: 'secp384r1' },
  ES512: { kind: 'P-521', digest: 'sha512', curve: 'secp521r1' },
  EdDSA: { kind: 'Ed25519', digest: null },
};

const b64url = (bytes) => Buffer.from(bytes).toString('base64url');

/** The JWK of a key's parts, as the module hands them over. */
function jwkOf(kind, a, b) {
  if (kind === 'RSA') return { kty: 'RSA', n: b64url(a), e: b64url(b) };
  if (kind === 'Ed25519') return { kty: 'OKP', crv: 'Ed25519', x: b64url(a) };
  return { kty: 'EC', crv: kind, x: b64url(a), y: b64url(b) };
}

/**
 * A host for one module instance. `importKey` throws with the reason a key cannot be used (the module skips
 * that key, as it does any unusable key); `verify` never throws. A key used with several algorithms (an RSA
 * key without `alg` allows six) is imported into `node:crypto` once.
 */
function createHostCrypto(given) {
  // `node:crypto` is loaded when the first key is imported: a process that never sees a token never pays
  // for OpenSSL's start-up.
  let loaded = given;
  const lib = () => (loaded ??= require('node:crypto'));
  const keyObjects = new Map(); // key material -> { key, uses }
  const handles = new Map(); // handle -> { material, digest, key (with its options) }
  let next = 1;

  function keyObject(kind, a, b, algorithm) {
    const jwk = jwkOf(kind, a, b);
    const material = `${kind}.${jwk.n ?? jwk.x}.${jwk.e ?? jwk.y ?? ''}`;
    let entry = keyObjects.get(material);
    if (!entry) {
      const key = lib().createPublicKey({ key: jwk, format: 'jwk' });
      const type = kind === 'RSA' ? 'rsa' : kind === 'Ed25519' ? 'ed25519' : 'ec';
      if (key.asymmetricKeyType !== type) throw new Error(`the key is ${key.asymmetricKeyType}, not ${type}`);
      if (algorithm.curve && key.asymmetricKeyDetails?.namedCurve !== algorithm.curve) {
        throw new Error(`the key is on ${key.asymmetricKeyDetails?.namedCurve}, not ${kind}`);
      }
      entry = { key, uses: 0 };
      keyObjects.set(material, entry);
    }
    entry.uses += 1;
    return { material, key: entry.key };
  }

  return {
    importKey(alg, kind, a, b) {
      const algorithm = ALGORITHMS[alg];
      if (!algorithm || algorithm.kind !== kind) throw new Error(`a ${kind} key cannot verify ${alg}`);
      let imported;
      try {
        imported = keyObject(kind, a, b, algorithm);
      } catch (e) {
        throw new Error(String(e?.message ?? e), { cause: e });
      }
      const { RSA_PKCS1_PSS_PADDING, RSA_PSS_SALTLEN_DIGEST } = lib().constants;
      const options = algorithm.pss
        ? { key: imported.key, padding: RSA_PKCS1_PSS_PADDING, saltLength: RSA_PSS_SALTLEN_DIGEST }
        : algorithm.curve
          ? { key: imported.key, dsaEncoding: 'ieee-p1363' }
          : imported.key;
      const handle = next++;
      handles.set(handle, { material: imported.material, digest: algorithm.digest, key: options });
      return handle;
    },

    verify(handle, message, signature) {
      const entry = handles.get(handle);
      if (!entry) return false;
      try {
        return loaded.verify(entry.digest, message, entry.key, signature);
      } catch {
        return false;
      }
    },

    releaseKey(handle) {
      const entry = handles.get(handle);
      if (!entry) return;
      handles.delete(handle);
      const shared = keyObjects.get(entry.material);
      if (shared && --shared.uses === 0) keyObjects.delete(entry.material);
    },

    /** How many handles and `KeyObject`s are held (for tests: keys dropped by the module are released). */
    size: () => ({ handles: handles.size, keyObjects: keyObjects.size }),
  };
}

module.exports = { createHostCrypto };
