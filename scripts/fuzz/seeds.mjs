// Seed corpora for `make fuzz`, from the project's tests and ../shared/corpora: tokens (RFC examples,
// tokens signed with the test key, mapping fixtures' claims), bundles and store files of the examples,
// requests from the stores' test files and the conformance corpus, and route configurations.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const shared = path.resolve(root, '../shared');
const { readStoreFolder, buildBundle, compileBundle } = require('../../js/lib/node.cjs');
const out = (target) => {
  const dir = path.join(root, 'fuzz/corpus', target);
  fs.mkdirSync(dir, { recursive: true });
  let n = 0;
  return (data) => {
    const text = typeof data === 'string' ? data : JSON.stringify(data);
    fs.writeFileSync(path.join(dir, crypto.createHash('sha1').update(text).digest('hex')), text);
    n += 1;
    return n;
  };
};

// tokens
const token = out('token');
const rfc = JSON.parse(fs.readFileSync(path.join(shared, 'corpora/jose/rfc7515-appendix-a/rfc7515-appendix-a.json'), 'utf8')).examples;
for (const example of Object.values(rfc)) for (const [k, v] of Object.entries(example)) if (k.endsWith('compact')) token(v);
const pem = fs.readFileSync(path.join(shared, 'corpora/jose/keats-jsonwebtoken-test-keys/rsa/private_rsa_key_pkcs1.pem'));
const b64 = (v) => Buffer.from(JSON.stringify(v)).toString('base64url');
const sign = (header, claims) => {
  const input = `${b64(header)}.${b64(claims)}`;
  return `${input}.${crypto.sign('sha256', Buffer.from(input), pem).toString('base64url')}`;
};
const iss = 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_DemoPool1';
const base = { sub: 's', iss, aud: 'ridesdemoclient', token_use: 'id', 'cognito:groups': ['Admin'], iat: 1799999000, exp: 1800003600 };
for (const claims of [base, { ...base, token_use: 'access', client_id: 'ridesdemoclient', scope: 'a b' }, { ...base, exp: 1 }, { ...base, 'cognito:groups': 'Admin' }]) {
  token(sign({ alg: 'RS256', kid: 'rsa-1' }, claims));
}
let tokens = 0;
for (const f of fs.readdirSync(path.join(root, 'tests/fixtures/mapping'))) {
  const fixture = JSON.parse(fs.readFileSync(path.join(root, 'tests/fixtures/mapping', f), 'utf8'));
  for (const claims of Object.values(fixture.tokens)) tokens = token(claims);
}

// bundles and store files
const bundle = out('bundle');
let bundles = 0;
for (const name of fs.readdirSync(path.join(root, 'policies'))) {
  const files = readStoreFolder(path.join(root, 'policies', name));
  bundle(files);
  const built = buildBundle(files).bundle;
  bundle(built);
  bundles = bundle(compileBundle(built));
}

// requests
const request = out('request');
let requests = 0;
for (const name of fs.readdirSync(path.join(root, 'policies'))) {
  const dir = path.join(root, 'policies', name, 'tests');
  for (const f of fs.readdirSync(dir)) {
    const file = JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8'));
    for (const c of file.cases) {
      const { name: _name, expect: _expect, ...req } = c;
      requests = request({ ...req, entities: [...(file.entities ?? []), ...(req.entities ?? [])] });
    }
  }
}
for (const f of ['tests/multi/1.json', 'tests/ip/1.json', 'tests/decimal/1.json']) {
  const t = JSON.parse(fs.readFileSync(path.join(shared, 'corpora/cedar', f), 'utf8'));
  for (const r of t.requests) requests = request({ principal: r.principal, action: r.action, resource: r.resource, context: r.context });
}

// routes
const routes = out('routes');
const config = JSON.parse(fs.readFileSync(path.join(root, 'policies/rides/authorizer.json'), 'utf8'));
let routeSeeds = 0;
for (const http of [{ method: 'GET', path: '/riders' }, { method: 'GET', path: '/x/y', routeKey: '$default' }, { method: 'POST', path: '/riders/1', routeKey: '/riders/{id}', pathParameters: { id: '1' } }]) {
  routes({ config, http });
  routeSeeds = routes({ config: { routes: [{ route: 'ANY /{proxy+}', resource: { type: 'Rides::Application', id: '{path.proxy}' }, context: { ip: '{sourceIp}', q: '{query.q}' } }, { route: '$default' }] }, http: { ...http, query: { q: '1' }, sourceIp: '10.0.0.1' } });
}
console.log(`fuzz seeds: token ${tokens}, bundle ${bundles}, request ${requests}, routes ${routeSeeds}`);
