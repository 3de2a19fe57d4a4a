// The demo issuer's signing key: generated once into build/demo/ (never committed), and its JWKS.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export const DEMO_KID = 'demo-key-1';

/** Loads the demo key, generating it on first use. Returns `{ privateKey, jwks }`. */
export function demoKey(dir) {
  const keyFile = path.join(dir, 'demo-key.pem');
  const jwksFile = path.join(dir, 'jwks.json');
  if (!fs.existsSync(keyFile)) {
    fs.mkdirSync(dir, { recursive: true });
    // Written as PEM by the generation itself: exporting from generateKeyPairSync's own KeyObjects can
    // deadlock Node 20 when a garbage collection runs during the export.
    const { privateKey } = crypto.generateKeyPairSync('rsa', {
      modulusLength: 2048,
      publicKeyEncoding: { type: 'spki', format: 'pem' },
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    });
    fs.writeFileSync(keyFile, privateKey, { mode: 0o600 });
  }
  const privateKey = crypto.createPrivateKey(fs.readFileSync(keyFile));
  const publicJwk = crypto.createPublicKey(privateKey).export({ format: 'jwk' });
  const jwks = { keys: [{ ...publicJwk, kid: DEMO_KID, alg: 'RS256', use: 'sig' }] };
  const text = JSON.stringify(jwks, null, 2) + '\n';
  if (!fs.existsSync(jwksFile) || fs.readFileSync(jwksFile, 'utf8') !== text) fs.writeFileSync(jwksFile, text);
  return { privateKey, jwks };
}

/** An RS256 JWT of `claims`, signed by the demo key. */
export function sign(privateKey, claims) {
  const b64 = (v) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const input = `${b64({ alg: 'RS256', kid: DEMO_KID, typ: 'JWT' })}.${b64(claims)}`;
  return `${input}.${crypto.sign('sha256', Buffer.from(input), privateKey).toString('base64url')}`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  demoKey(process.argv[2] ?? 'build/demo');
  console.log(`demo key and JWKS in ${process.argv[2] ?? 'build/demo'}`);
}
