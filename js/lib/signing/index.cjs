'use strict';

const crypto = require('node:crypto');

/**
 * Signing bundles (`cedar-authorizer sign`): a compact JWS of type `cedar-authorizer-bundle+jws` whose
 * payload is `{ bundleHash, revision, signedAt }`, written into the bundle's `signature` member, which its
 * content hash leaves out. The module checks it (src/bundle/signature.rs); nothing here decides.
 *
 * A key is a PEM private key (RSA: RS256; P-256: ES256; P-384: ES384; Ed25519: EdDSA) or an AWS KMS key
 * (`Sign` with `RSASSA_PKCS1_V1_5_SHA_256` or `ECDSA_SHA_256`), so that no private key needs to be on a
 * build machine. Its `kid` is the RFC 7638 thumbprint of its public key unless one is given.
 */
const SIGNATURE_TYPE = 'cedar-authorizer-bundle+jws';

const b64url = (bytes) => Buffer.from(bytes).toString('base64url');

/** The JWS algorithm of a public or private key object. */
function algorithmOf(key) {
  const type = key.asymmetricKeyType;
  if (type === 'rsa') return 'RS256';
  if (type === 'ed25519') return 'EdDSA';
  if (type === 'ec') {
    const curve = key.asymmetricKeyDetails && key.asymmetricKeyDetails.namedCurve;
    if (curve === 'prime256v1') return 'ES256';
    if (curve === 'secp384r1') return 'ES384';
    throw new Error(`EC keys on ${curve} are not supported: use P-256 or P-384`);
  }
  throw new Error(`${type} keys are not supported: use an RSA, EC (P-256, P-384) or Ed25519 key`);
}

/** The public JWK of a key (public or private), with `kid` (its RFC 7638 thumbprint by default), `alg` and `use`. */
function publicJwk(key, kid) {
  const publicKey = key.type === 'private' ? crypto.createPublicKey(key) : key;
  const jwk = publicKey.export({ format: 'jwk' });
  const members = { EC: ['crv', 'kty', 'x', 'y'], RSA: ['e', 'kty', 'n'], OKP: ['crv', 'kty', 'x'] }[jwk.kty];
  const thumbprint = b64url(
    crypto
      .createHash('sha256')
      .update(JSON.stringify(Object.fromEntries(members.map((m) => [m, jwk[m]]))))
      .digest(),
  );
  return { ...jwk, kid: kid ?? thumbprint, alg: algorithmOf(publicKey), use: 'sig' };
}

/** A signer over a PEM private key. */
function pemSigner(pem, { kid } = {}) {
  let key;
  try {
    key = crypto.createPrivateKey(pem);
  } catch (e) {
    throw new Error(`the key is not a PEM private key: ${e.message}`, { cause: e });
  }
  const alg = algorithmOf(key);
  const jwk = publicJwk(key, kid);
  const digest = { RS256: 'sha256', ES256: 'sha256', ES384: 'sha384', EdDSA: null }[alg];
  return {
    alg,
    kid: jwk.kid,
    publicJwk: async () => jwk,
    sign: async (input) => crypto.sign(digest, Buffer.from(input), alg.startsWith('ES') ? { key, dsaEncoding: 'ieee-p1363' } : key),
  };
}

/** An ECDSA signature in DER (as KMS returns it) as the fixed-size `r || s` JWS needs. */
function derToJose(der, size) {
  const bytes = Buffer.from(der);
  let at = 0;
  const fail = () => {
    throw new Error('the ECDSA signature is not DER');
  };
  if (bytes[at++] !== 0x30) fail();
  let length = bytes[at++];
  if (length & 0x80) {
    const n = length & 0x7f;
    length = 0;
    for (let i = 0; i < n; i += 1) length = length * 256 + bytes[at++];
  }
  if (at + length !== bytes.length) fail();
  const integer = () => {
    if (bytes[at++] !== 0x02) fail();
    const n = bytes[at++];
    let value = bytes.subarray(at, at + n);
    at += n;
    while (value.length > size && value[0] === 0) value = value.subarray(1);
    if (value.length > size) fail();
    return Buffer.concat([Buffer.alloc(size - value.length), value]);
  };
  const r = integer();
  const s = integer();
  if (at !== bytes.length) fail();
  return Buffer.concat([r, s]);
}

/** A signer over an AWS KMS asymmetric signing key: the private key never leaves KMS. */
function kmsSigner(keyId, { client, region, endpoint, kid } = {}) {
  let sdk;
  try {
    sdk = require('@aws-sdk/client-kms');
  } catch (e) {
    throw new Error('--kms-key-id signs with the AWS SDK, which is not installed: run `npm install @aws-sdk/client-kms`', { cause: e });
  }
  const kms = client ?? new sdk.KMSClient({ ...(region ? { region } : {}), ...(endpoint ? { endpoint } : {}) });
  let described;
  const describe = async () => {
    if (!described) {
      const answer = await kms.send(new sdk.GetPublicKeyCommand({ KeyId: keyId }));
      const key = crypto.createPublicKey({ key: Buffer.from(answer.PublicKey), format: 'der', type: 'spki' });
      const alg = algorithmOf(key);
      const kmsAlgorithm = { RS256: 'RSASSA_PKCS1_V1_5_SHA_256', ES256: 'ECDSA_SHA_256', ES384: 'ECDSA_SHA_384' }[alg];
      if (!kmsAlgorithm || !(answer.SigningAlgorithms ?? []).includes(kmsAlgorithm)) {
        throw new Error(
          `KMS key ${keyId} (${answer.KeySpec}) cannot sign with ${kmsAlgorithm ?? alg}: use an RSA_2048 or larger, or an ECC_NIST_P256 key, with key usage SIGN_VERIFY`,
        );
      }
      described = { alg, kmsAlgorithm, jwk: publicJwk(key, kid) };
    }
    return described;
  };
  return {
    describe,
    publicJwk: async () => (await describe()).jwk,
    async sign(input) {
      const { alg, kmsAlgorithm } = await describe();
      const answer = await kms.send(
        new sdk.SignCommand({ KeyId: keyId, Message: Buffer.from(input), MessageType: 'RAW', SigningAlgorithm: kmsAlgorithm }),
      );
      return alg.startsWith('ES') ? derToJose(answer.Signature, alg === 'ES256' ? 32 : 48) : Buffer.from(answer.Signature);
    },
  };
}

/** The compact JWS over a bundle's hash at a revision. */
async function signatureFor(signer, { hash, revision, signedAt }) {
  const jwk = await signer.publicJwk();
  const header = { alg: jwk.alg, typ: SIGNATURE_TYPE, kid: jwk.kid };
  const payload = { bundleHash: hash, revision, signedAt };
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`;
  return `${input}.${b64url(await signer.sign(input))}`;
}

/**
 * Where a bundle's JSON text has its top-level `signature` member: `[start, end)` of the member and its
 * comma, or undefined. The text is scanned, not parsed and written again, so every number stays exact.
 */
function signatureMember(text) {
  let depth = 0;
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i];
    if (c === '"') {
      const end = stringEnd(text, i);
      if (depth === 1 && text.slice(i, end) === '"signature"') {
        let j = end;
        while (/\s/.test(text[j])) j += 1;
        if (text[j] !== ':') return undefined;
        j += 1;
        while (/\s/.test(text[j])) j += 1;
        if (text[j] !== '"') throw new Error('the bundle has a `signature` member that is not a string: remove it and sign again');
        j = stringEnd(text, j);
        while (/\s/.test(text[j])) j += 1;
        let start = i;
        if (text[j] === ',') {
          j += 1;
          while (/\s/.test(text[j])) j += 1;
        } else {
          // The last member: its comma is the one before it.
          let k = i - 1;
          while (k >= 0 && /\s/.test(text[k])) k -= 1;
          if (text[k] === ',') start = k;
        }
        return [start, j];
      }
      i = end - 1;
    } else if (c === '{' || c === '[') depth += 1;
    else if (c === '}' || c === ']') depth -= 1;
  }
  return undefined;
}

function stringEnd(text, start) {
  for (let i = start + 1; i < text.length; i += 1) {
    if (text[i] === '\\') i += 1;
    else if (text[i] === '"') return i + 1;
  }
  throw new Error('the bundle is not JSON: a string does not end');
}

/** The bundle's text with `signature` as its first member, replacing any it had. */
function withSignature(text, signature) {
  const member = signatureMember(text);
  const without = member ? text.slice(0, member[0]) + text.slice(member[1]) : text;
  const open = without.indexOf('{');
  if (open < 0) throw new Error('the bundle is not a JSON object');
  const rest = without.slice(open + 1);
  const empty = /^\s*}/.test(rest);
  return `${without.slice(0, open + 1)}\n  "signature": ${JSON.stringify(signature)}${empty ? '' : ','}${rest}`;
}

module.exports = { SIGNATURE_TYPE, pemSigner, kmsSigner, publicJwk, signatureFor, withSignature, derToJose };
