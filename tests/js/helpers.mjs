// Shared by the JS tests: paths of the repository, the example stores and the shared corpora.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const policies = path.join(root, 'policies');
export const shared = path.resolve(root, '../shared');
export const store = (name) => path.join(policies, name);

export const rides = {
  pool: 'us-east-1_DemoPool1',
  user: (sub) => ({ entityType: 'Rides::CognitoUser', entityId: `us-east-1_DemoPool1|${sub}` }),
  group: (name) => ({ entityType: 'Rides::CognitoUserGroup', entityId: `us-east-1_DemoPool1|${name}` }),
  action: (id) => ({ actionType: 'Rides::Action', actionId: id }),
  app: { entityType: 'Rides::Application', entityId: 'Rides' },
};

// ---- tokens minted at test time, with keys generated here ----------------------------------------

import crypto from 'node:crypto';
import http from 'node:http';

export const NOW = 1_800_000_000;
export const COGNITO_ISSUER = 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_DemoPool1';

const b64url = (data) => Buffer.from(typeof data === 'string' ? data : JSON.stringify(data)).toString('base64url');

/**
 * A new key pair as KeyObjects made from PEM. (Exporting a JWK from the KeyObjects that
 * generateKeyPairSync returns can deadlock Node 20 when a garbage collection runs during the export: the
 * generation job's destructor waits on the key's lock.)
 */
export function keyPair(type, options = {}) {
  const pair = crypto.generateKeyPairSync(type, {
    ...options,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  return { privateKey: crypto.createPrivateKey(pair.privateKey), publicKey: crypto.createPublicKey(pair.publicKey) };
}

/** A signing key and its public JWK. `kind`: 'rsa' (RS256) or 'ec' (ES256). */
export function signingKey(kid, kind = 'rsa') {
  const { privateKey, publicKey } = kind === 'rsa' ? keyPair('rsa', { modulusLength: 2048 }) : keyPair('ec', { namedCurve: 'P-256' });
  const alg = kind === 'rsa' ? 'RS256' : 'ES256';
  const jwk = { ...publicKey.export({ format: 'jwk' }), kid, alg, use: 'sig' };
  return { kid, alg, privateKey, jwk };
}

/** A compact JWS of `claims` signed by `key`; `header` adds or overrides header members. */
export function mint(key, claims, header = {}) {
  const head = b64url({ alg: key.alg, kid: key.kid, typ: 'JWT', ...header });
  const body = b64url(claims);
  const input = `${head}.${body}`;
  const signature = crypto.sign(
    'sha256',
    Buffer.from(input),
    key.alg === 'ES256' ? { key: key.privateKey, dsaEncoding: 'ieee-p1363' } : key.privateKey,
  );
  return `${input}.${signature.toString('base64url')}`;
}

export function idClaims(sub, groups, extra = {}) {
  return {
    sub,
    iss: COGNITO_ISSUER,
    aud: 'ridesdemoclient',
    token_use: 'id',
    'cognito:username': sub,
    email: `${sub}@example.com`,
    'cognito:groups': groups,
    iat: NOW - 60,
    exp: NOW + 3600,
    ...extra,
  };
}

export function accessClaims(sub, groups, extra = {}) {
  return {
    sub,
    iss: COGNITO_ISSUER,
    client_id: 'ridesdemoclient',
    token_use: 'access',
    username: sub,
    scope: 'openid rides/read',
    'cognito:groups': groups,
    iat: NOW - 60,
    exp: NOW + 3600,
    ...extra,
  };
}

/** A JWKS endpoint on loopback whose behaviour the test sets, counting requests. */
export async function jwksServer(jwks) {
  const state = { mode: 'ok', jwks, requests: 0, delayMs: 0, maxAge: undefined };
  const server = http.createServer((req, res) => {
    state.requests += 1;
    const send = () => {
      if (state.mode === 'down') {
        req.socket.destroy();
      } else if (state.mode === '500') {
        res.writeHead(500).end('oops');
      } else if (state.mode === 'garbage') {
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"keys": [ not json');
      } else if (state.mode === 'not-jwks') {
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"hello": "world"}');
      } else {
        const headers = { 'content-type': 'application/json' };
        if (state.maxAge !== undefined) headers['cache-control'] = `public, max-age=${state.maxAge}`;
        res.writeHead(200, headers).end(JSON.stringify(state.jwks));
      }
    };
    if (state.mode === 'slow') setTimeout(send, state.delayMs);
    else send();
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${server.address().port}/.well-known/jwks.json`;
  return { state, url, close: () => new Promise((r) => server.close(r)) };
}
