// The two signature verifiers side by side: RustCrypto compiled into the module (the browser's, and the full
// module's when no host is installed) and the platform's, `node:crypto` through the host the Node loader
// installs (src/token/crypto.rs, js/lib/host-crypto.cjs), in the full, runtime and edge modules. Every JOSE
// vector (Wycheproof, RFC 7515, RFC 7520) gives its expected result through each, random mutations of
// valid tokens get the same answer from each, the hostile-token table denies with the same codes through
// each, and a key the host cannot import is skipped with a reason.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { createRequire } from 'node:module';
import { Authorizer, compileBundle, buildBundle, readStoreFolder } from 'cedar-authorizer';
import { shared, store, signingKey, keyPair, mint, idClaims, NOW, COGNITO_ISSUER } from './helpers.mjs';

const require = createRequire(import.meta.url);
const installed = path.dirname(require.resolve('cedar-authorizer/package.json'));
const { createHostCrypto } = require(path.join(installed, 'lib/host-crypto.cjs'));
const { createApi, nodePlatform } = require(path.join(installed, 'lib/node.cjs'));

/** A fresh instance of one of the package's modules, with the `node:crypto` host installed or not. */
function instance(kind, withHost) {
  const dir = path.join(installed, 'wasm', kind);
  const loaderFile = path.join(dir, 'cedar_authorizer.cjs');
  delete require.cache[loaderFile];
  const loader = require(loaderFile);
  const plain = path.join(dir, 'cedar_authorizer_bg.wasm');
  const bytes = fs.existsSync(plain) ? fs.readFileSync(plain) : zlib.brotliDecompressSync(fs.readFileSync(`${plain}.br`));
  loader.initSync({ module: new WebAssembly.Module(bytes) });
  const host = withHost ? createHostCrypto() : null;
  if (host) assert.equal(loader.installHostCrypto(host).type, 'success');
  return { loader, host };
}

const verifiers = {
  'rust-crypto (full)': instance('full', false),
  'host (full)': instance('full', true),
  'host (runtime)': instance('runtime', true),
  'host (edge)': instance('edge', true),
};

/** Each verifier's answer for one check: `true`, `false`, or the failure's code. */
function everyVerifier(jwk, alg, message, signature) {
  const answers = {};
  for (const [name, { loader }] of Object.entries(verifiers)) {
    const outcome = loader.verifySignature(jwk, alg, message, signature);
    answers[name] = outcome.type === 'success' ? outcome.verified : outcome.errors[0].code;
    if (outcome.type === 'success') assert.equal(outcome.verifier, name.startsWith('host') ? 'host' : 'rust-crypto');
  }
  return answers;
}

/** The one answer all verifiers agree on, or a failure naming who said what. */
function agreed(answers, what) {
  const distinct = new Set(Object.values(answers));
  assert.equal(distinct.size, 1, `${what}: the verifiers disagree: ${JSON.stringify(answers)}`);
  return [...distinct][0];
}

const hex = (text) => Buffer.from(text, 'hex');

/** The JWK of a Wycheproof ECDSA group given only as a point (the DER files). */
function ecJwk(group) {
  const key = group.publicKey;
  const size = { secp256r1: 32, secp384r1: 48 }[key.curve] ?? 66;
  const coordinate = (h) => {
    const bytes = hex(h.length % 2 ? `0${h}` : h);
    const trimmed = bytes.subarray(Math.max(0, bytes.length - size));
    return Buffer.concat([Buffer.alloc(size - trimmed.length), trimmed]).toString('base64url');
  };
  return { kty: 'EC', crv: { secp256r1: 'P-256', secp384r1: 'P-384' }[key.curve] ?? 'P-521', x: coordinate(key.wx), y: coordinate(key.wy) };
}

function algFor(file, jwk) {
  if (jwk.alg) return jwk.alg;
  if (file.startsWith('ed25519')) return 'EdDSA';
  if (file.includes('secp256r1')) return 'ES256';
  if (file.includes('secp384r1')) return 'ES384';
  return 'ES512';
}

test('every Wycheproof vector gives its expected result through every verifier', () => {
  const dir = path.join(shared, 'corpora/jose/wycheproof/testvectors_v1');
  const tally = { valid: 0, invalid: 0, acceptable: 0, der: 0 };
  for (const file of fs.readdirSync(dir).sort()) {
    const doc = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8'));
    const der = file.startsWith('ecdsa') && !file.includes('p1363');
    for (const group of doc.testGroups) {
      const jwk = group.publicKeyJwk ?? group.keyJwk ?? ecJwk(group);
      const alg = algFor(file, jwk);
      for (const t of group.tests) {
        const what = `${file} #${t.tcId} (${t.comment})`;
        const answer = agreed(everyVerifier(jwk, alg, hex(t.msg), hex(t.sig)), what);
        if (der) {
          assert.equal(answer, false, `${what}: a DER signature verified`);
          tally.der += 1;
        } else if (t.result === 'valid') {
          assert.equal(answer, true, what);
          tally.valid += 1;
        } else if (t.result === 'invalid') {
          assert.equal(answer, false, what);
          tally.invalid += 1;
        } else {
          assert.equal(typeof answer, 'boolean', what);
          tally.acceptable += 1;
        }
      }
    }
  }
  console.log(
    `wycheproof through ${Object.keys(verifiers).length} verifiers: ${tally.valid} valid, ${tally.invalid} invalid, ${tally.acceptable} acceptable, ${tally.der} DER, all agreeing`,
  );
  assert.deepEqual(tally, { valid: 982, invalid: 1712, acceptable: 5, der: 1530 });
});

/** A compact JWS split into what is signed and the signature. */
function parts(compact) {
  const [head, body, signature] = compact.split('.');
  return {
    alg: JSON.parse(Buffer.from(head, 'base64url')).alg,
    input: Buffer.from(`${head}.${body}`),
    signature: Buffer.from(signature, 'base64url'),
  };
}

const publicPart = ({ d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, k: _k, ...jwk }) => jwk;

test('the RFC 7515 and RFC 7520 examples verify through every verifier, and break when tampered with', () => {
  const a = JSON.parse(fs.readFileSync(path.join(shared, 'corpora/jose/rfc7515-appendix-a/rfc7515-appendix-a.json'), 'utf8')).examples;
  const cases = [
    ['RFC 7515 A.2', a['A.2']['a.2.1.compact'], JSON.parse(a['A.2']['a.2.1.jwk+json'])],
    ['RFC 7515 A.3', a['A.3']['a.3.1.compact'], JSON.parse(a['A.3']['a.3.1.jwk+json'])],
    ['RFC 7515 A.4', a['A.4']['a.4.1.compact'], JSON.parse(a['A.4']['a.4.1.jwk+json'])],
  ];
  const cookbook = path.join(shared, 'corpora/jose/rfc7520-cookbook');
  for (const file of [
    'jws/4_1.rsa_v15_signature.json',
    'jws/4_2.rsa-pss_signature.json',
    'jws/4_3.ecdsa_signature.json',
    'curve25519/jws.json',
  ]) {
    let doc = JSON.parse(fs.readFileSync(path.join(cookbook, file), 'utf8'));
    if (Array.isArray(doc)) doc = doc[0];
    cases.push([`RFC 7520 ${file}`, doc.output.compact, doc.input.key]);
  }
  for (const [name, compact, jwk] of cases) {
    const { alg, input, signature } = parts(compact);
    assert.equal(agreed(everyVerifier(publicPart(jwk), alg, input, signature), name), true, name);
    const tampered = Buffer.from(signature);
    tampered[tampered.length >> 1] ^= 1;
    assert.equal(agreed(everyVerifier(publicPart(jwk), alg, input, tampered), name), false, `${name} tampered`);
  }
});

/** A key pair and JWK for each algorithm, and a signer producing JWS signatures (P1363 for ECDSA). */
const keyPairs = {
  RSA: keyPair('rsa', { modulusLength: 2048 }),
  'P-256': keyPair('ec', { namedCurve: 'P-256' }),
  'P-384': keyPair('ec', { namedCurve: 'P-384' }),
  'P-521': keyPair('ec', { namedCurve: 'P-521' }),
  Ed25519: keyPair('ed25519'),
};
const ALGS = {
  RS256: ['RSA', 'sha256'],
  RS384: ['RSA', 'sha384'],
  RS512: ['RSA', 'sha512'],
  PS256: ['RSA', 'sha256', 'pss'],
  PS384: ['RSA', 'sha384', 'pss'],
  PS512: ['RSA', 'sha512', 'pss'],
  ES256: ['P-256', 'sha256', 'ec'],
  ES384: ['P-384', 'sha384', 'ec'],
  ES512: ['P-521', 'sha512', 'ec'],
  EdDSA: ['Ed25519', null],
};
function sign(alg, input, options = {}) {
  const [kind, digest, mode] = ALGS[alg];
  const key = keyPairs[kind].privateKey;
  const signer =
    mode === 'pss'
      ? { key, padding: crypto.constants.RSA_PKCS1_PSS_PADDING, saltLength: options.saltLength ?? crypto.constants.RSA_PSS_SALTLEN_DIGEST }
      : mode === 'ec'
        ? { key, dsaEncoding: options.der ? 'der' : 'ieee-p1363' }
        : key;
  return crypto.sign(digest, input, signer);
}
const jwkOf = (alg) => ({ ...keyPairs[ALGS[alg][0]].publicKey.export({ format: 'jwk' }), alg });

/** The curve order of each ECDSA curve, for signatures with a high `s`. */
const ORDERS = {
  ES256: 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n,
  ES384: 0xffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973n,
  ES512:
    0x01ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffa51868783bf2f966b7fcc0148f709a5d03bb5c9b8899c47aebb6fb71e91386409n,
};
const toBig = (bytes) => BigInt(`0x${Buffer.from(bytes).toString('hex') || '0'}`);
const fromBig = (n, size) => Buffer.from(n.toString(16).padStart(size * 2, '0'), 'hex');

/** xorshift: the same mutations every run. */
function rng(seed) {
  let s = BigInt(seed);
  return (n) => {
    s ^= (s << 13n) & 0xffffffffffffffffn;
    s ^= s >> 7n;
    s ^= (s << 17n) & 0xffffffffffffffffn;
    return Number(s % BigInt(n));
  };
}

test('random mutations of valid tokens get the same answer from every verifier', () => {
  const pick = rng(0x5eed1234n);
  let checked = 0;
  let verified = 0;
  for (const alg of Object.keys(ALGS)) {
    const jwk = jwkOf(alg);
    for (let i = 0; i < 60; i += 1) {
      const header = Buffer.from(JSON.stringify({ alg, kid: 'k', typ: 'JWT' })).toString('base64url');
      const payload = Buffer.from(JSON.stringify({ sub: `u${i}`, iss: 'https://issuer.example', exp: NOW + i })).toString('base64url');
      let input = Buffer.from(`${header}.${payload}`);
      let signature = sign(alg, input);
      const mutation = pick(12);
      if (mutation === 1) signature[pick(signature.length)] ^= 1 << pick(8);
      else if (mutation === 2) input = Buffer.concat([input.subarray(0, input.length - 1), Buffer.from('A')]);
      else if (mutation === 3) signature = signature.subarray(0, signature.length - 1 - pick(4));
      else if (mutation === 4) signature = Buffer.concat([signature, Buffer.alloc(1 + pick(3))]);
      else if (mutation === 5) signature = Buffer.concat([Buffer.alloc(1), signature]);
      else if (mutation === 6) signature = Buffer.alloc(signature.length);
      else if (mutation === 7) signature = Buffer.alloc(0);
      else if (mutation === 8 && ALGS[alg][2] === 'ec') signature = sign(alg, input, { der: true });
      else if (mutation === 9 && ALGS[alg][2] === 'ec') {
        // (r, n - s): the same signature with a high `s`.
        const size = signature.length / 2;
        signature = Buffer.concat([signature.subarray(0, size), fromBig(ORDERS[alg] - toBig(signature.subarray(size)), size)]);
      } else if (mutation === 10 && ALGS[alg][2] === 'pss') signature = sign(alg, input, { saltLength: pick(2) === 0 ? 0 : 20 });
      else if (mutation === 11) signature = sign(Object.keys(ALGS).find((a) => ALGS[a][0] === ALGS[alg][0] && a !== alg) ?? alg, input);
      const answer = agreed(everyVerifier(jwk, alg, input, signature), `${alg} mutation ${mutation} #${i}`);
      if (mutation === 0) assert.equal(answer, true, `${alg}: an untouched signature verifies`);
      if (answer === true) verified += 1;
      checked += 1;
    }
  }
  console.log(`mutations: ${checked} signatures through every verifier, ${verified} verified, all agreeing`);
  assert.equal(checked, 600);
});

test('a key the host cannot use is skipped with a reason, and a build without RustCrypto and without a host refuses every key', () => {
  const refused = [
    [
      'an EC point off the curve',
      { kty: 'EC', crv: 'P-256', x: Buffer.alloc(32, 1).toString('base64url'), y: Buffer.alloc(32, 2).toString('base64url') },
      'ES256',
    ],
    ['a short EC coordinate', { kty: 'EC', crv: 'P-384', x: 'AAAA', y: 'AAAA' }, 'ES384'],
    ['a short Ed25519 key', { kty: 'OKP', crv: 'Ed25519', x: 'AAAA' }, 'EdDSA'],
    ['an even RSA modulus', { kty: 'RSA', n: Buffer.alloc(256, 2).toString('base64url'), e: 'AQAB' }, 'RS256'],
    ['an unsupported curve', { kty: 'EC', crv: 'secp256k1', x: 'AAAA', y: 'AAAA' }, 'ES256'],
    ['an X25519 key', { kty: 'OKP', crv: 'X25519', x: Buffer.alloc(32, 9).toString('base64url') }, 'EdDSA'],
  ];
  for (const [what, jwk, alg] of refused) {
    const answers = everyVerifier(jwk, alg, Buffer.from('m'), Buffer.alloc(64));
    assert.equal(agreed(answers, what), 'jwks.invalid', what);
  }
  const bare = instance('runtime', false);
  const outcome = bare.loader.verifySignature(jwkOf('RS256'), 'RS256', Buffer.from('m'), sign('RS256', Buffer.from('m')));
  assert.equal(outcome.type, 'failure');
  assert.equal(outcome.errors[0].code, 'jwks.invalid');
  assert.match(outcome.errors[0].errorDescription, /platform's crypto, and none was installed/);
});

test('keys the module drops are released by the host', () => {
  const { loader, host } = instance('runtime', true);
  for (let i = 0; i < 50; i += 1) loader.verifySignature(jwkOf('RS256'), 'RS256', Buffer.from('m'), Buffer.alloc(256));
  assert.deepEqual(host.size(), { handles: 0, keyObjects: 0 });
});

// Tokens end to end: the store through the full module with RustCrypto, the full module with the host, and
// the compiled bundle through the runtime module with the host.
const rsa = signingKey('k1');
const ec = signingKey('k2', 'ec');
const jwks = { keys: [rsa.jwk, ec.jwk] };
const options = { jwks: { [COGNITO_ISSUER]: jwks }, fetchKeys: false, clock: () => NOW * 1000, decisionCache: false };
const b64 = (v) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');
const withHeader = (token, header) => {
  const [, body, sig] = token.split('.');
  return `${b64(header)}.${body}.${sig}`;
};

function hostileTokens() {
  const good = mint(rsa, idClaims('a', ['Admin']));
  const [head, body, sig] = good.split('.');
  const ecGood = mint(ec, idClaims('a', ['Admin']));
  const [ecHead, ecBody, ecSig] = ecGood.split('.');
  const ecSigBytes = Buffer.from(ecSig, 'base64url');
  const highS = Buffer.concat([ecSigBytes.subarray(0, 32), fromBig(ORDERS.ES256 - toBig(ecSigBytes.subarray(32)), 32)]);
  const derSig = crypto.sign('sha256', Buffer.from(`${ecHead}.${ecBody}`), { key: ec.privateKey, dsaEncoding: 'der' });
  const hmac = (input, secret) => crypto.createHmac('sha256', secret).update(input).digest('base64url');
  const hsHead = b64({ alg: 'HS256', kid: 'k1', typ: 'JWT' });
  const publicPem = crypto.createPublicKey({ key: rsa.jwk, format: 'jwk' }).export({ type: 'spki', format: 'pem' });
  return [
    ['a good RS256 token', good, 'ALLOW'],
    ['a good ES256 token', ecGood, 'ALLOW'],
    ['ES256 with a high s', `${ecHead}.${ecBody}.${highS.toString('base64url')}`, null],
    ['ES256 signed in DER', `${ecHead}.${ecBody}.${derSig.toString('base64url')}`, 'token.bad_signature'],
    ['alg none', `${b64({ alg: 'none', typ: 'JWT' })}.${body}.`, 'token.unsupported_algorithm'],
    ['HS256 keyed with the public key', `${hsHead}.${body}.${hmac(`${hsHead}.${body}`, publicPem)}`, 'token.unsupported_algorithm'],
    ['kid of the EC key on an RS256 signature', withHeader(good, { alg: 'RS256', kid: 'k2', typ: 'JWT' }), 'token.algorithm_mismatch'],
    ['an unknown kid', withHeader(good, { alg: 'RS256', kid: 'nope', typ: 'JWT' }), 'jwks.no_matching_key'],
    ['a changed payload', `${head}.${b64(idClaims('a', ['Admin'], { sub: 'b' }))}.${sig}`, 'token.bad_signature'],
    ['a changed signature', `${head}.${body}.${sig.slice(0, -4)}AAAA`, 'token.bad_signature'],
    [
      'a signature one byte short',
      `${head}.${body}.${Buffer.from(sig, 'base64url').subarray(1).toString('base64url')}`,
      'token.bad_signature',
    ],
    ['an empty signature', `${head}.${body}.`, 'token.bad_signature'],
    ['an embedded jwk', withHeader(good, { alg: 'RS256', kid: 'k1', jwk: rsa.jwk }), 'token.embedded_key'],
    ['a jku', withHeader(good, { alg: 'RS256', kid: 'k1', jku: 'https://evil.example/jwks' }), 'token.embedded_key'],
    ['a crit header', withHeader(good, { alg: 'RS256', kid: 'k1', crit: ['exp'] }), 'token.crit_header'],
    ['a JWE', `${head}.a.b.c.d`, 'token.encrypted'],
    ['expired an hour ago', mint(rsa, idClaims('a', ['Admin'], { exp: NOW - 3600 })), 'token.expired'],
    ['another issuer', mint(rsa, idClaims('a', ['Admin'], { iss: 'https://evil.example' })), 'token.wrong_issuer'],
    ['another audience', mint(rsa, idClaims('a', ['Admin'], { aud: 'other' })), 'token.wrong_audience'],
    ['signed by another key', mint(signingKey('k1'), idClaims('a', ['Admin'])), 'token.bad_signature'],
  ];
}

test('the hostile-token table denies with the same code through both verifiers, in every module', async () => {
  const rust = createApi(nodePlatform({ hostCrypto: false }));
  const files = readStoreFolder(store('rides'));
  const compiled = compileBundle(buildBundle(files).bundle);
  const authorizers = {
    'rust-crypto (full)': await rust.Authorizer.load(store('rides'), options),
    'host (full)': await Authorizer.load(store('rides'), options),
    'host (runtime)': await Authorizer.load(compiled, options),
  };
  for (const [what, token, expected] of hostileTokens()) {
    const answers = {};
    for (const [name, authorizer] of Object.entries(authorizers)) {
      const answer = await authorizer.isAuthorizedWithToken({
        identityToken: token,
        action: { actionType: 'Rides::Action', actionId: 'get /riders' },
        resource: { entityType: 'Rides::Application', entityId: 'Rides' },
      });
      answers[name] = answer.decision === 'ALLOW' ? 'ALLOW' : answer.errors[0]?.code;
    }
    const answer = agreed(answers, what);
    if (expected) assert.equal(answer, expected, what);
  }
  // A key set with a key the verifier cannot use: that key is skipped with its reason, the others kept.
  const offCurve = {
    kty: 'EC',
    crv: 'P-256',
    x: Buffer.alloc(32, 1).toString('base64url'),
    y: Buffer.alloc(32, 2).toString('base64url'),
    kid: 'bad',
  };
  for (const [name, authorizer] of Object.entries(authorizers)) {
    const imported = authorizer.setJwks(COGNITO_ISSUER, { keys: [offCurve, rsa.jwk, ec.jwk] });
    assert.equal(imported.type, 'success', name);
    assert.deepEqual(imported.keys, ['k1', 'k2'], name);
    assert.equal(imported.skipped.length, 1, name);
    assert.match(imported.skipped[0], /key 0 \(`bad`\): /, name);
  }
});
