// Faults, each with its outcome: a JWKS endpoint that is down, slow, failing, lying or rotating, and a storm
// of unknown key ids (each denies with its code, never waits past the timeout, fetches at most once per
// cooldown, recovers); a trap inside the wasm instance (that request is denied, the instance replaced, the
// next request decided); and a store or bundle that does not load (a clear error at start-up, never an
// authorizer that allows). One summary line per scenario is printed for docs/reliability.md.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { Authorizer, AuthorizerLoadError } from 'cedar-authorizer';
import { createRestApiAuthorizer } from 'cedar-authorizer/aws';
import { root, store, signingKey, mint, idClaims, jwksServer, NOW, COGNITO_ISSUER } from './helpers.mjs';

const require = createRequire(import.meta.url);
const TIMEOUT = 150;
const COOLDOWN = 30_000;
const key = signingKey('k1');
const request = (token) => ({
  identityToken: token,
  action: { actionType: 'Rides::Action', actionId: 'get /riders' },
  resource: { entityType: 'Rides::Application', entityId: 'Rides' },
});

/** A fresh authorizer fetching from a loopback endpoint, with the clock in the test's hands. */
async function setup(t, mode = 'ok', jwks = { keys: [key.jwk] }) {
  const server = await jwksServer(jwks);
  server.state.mode = mode;
  server.state.delayMs = 2000;
  t.after(server.close);
  const clock = { ms: NOW * 1000 };
  const authorizer = await Authorizer.load(store('rides'), {
    jwksUris: { [COGNITO_ISSUER]: server.url },
    clock: () => clock.ms,
    jwksTimeoutMs: TIMEOUT,
    jwksCooldownMs: COOLDOWN,
  });
  let longest = 0;
  const ask = async (signer = key, sub = 'u') => {
    const started = performance.now();
    const answer = await authorizer.isAuthorizedWithToken(
      request(mint(signer, idClaims(sub, ['Riders'], { iat: clock.ms / 1000 - 1, exp: clock.ms / 1000 + 3600 }))),
    );
    longest = Math.max(longest, performance.now() - started);
    return answer;
  };
  return { server, clock, authorizer, ask, longest: () => longest };
}

function report(name, outcome, fetches, longest) {
  console.log(`fault: ${name}: ${outcome}; ${fetches} fetch${fetches === 1 ? '' : 'es'}; longest wait ${longest.toFixed(0)} ms`);
}

for (const [mode, name, code] of [
  ['down', 'JWKS endpoint down (connection reset)', 'jwks.unavailable'],
  ['slow', 'JWKS endpoint slower than the timeout', 'jwks.unavailable'],
  ['500', 'JWKS endpoint answering 500', 'jwks.unavailable'],
  ['garbage', 'JWKS endpoint answering garbage', 'jwks.unavailable'],
  ['not-jwks', 'JWKS endpoint answering JSON that is not a JWKS', 'jwks.unavailable'],
]) {
  test(`${name}: denied with ${code}, bounded by the timeout, one fetch per cooldown, then recovered`, async (t) => {
    const f = await setup(t, mode);
    for (let i = 0; i < 20; i += 1) {
      const answer = await f.ask();
      assert.equal(answer.decision, 'DENY');
      assert.equal(answer.errors[0].code, code, JSON.stringify(answer));
    }
    assert.equal(f.server.state.requests, 1, 'one attempt within the cooldown');
    assert.ok(f.longest() < TIMEOUT + 1000, `waited ${f.longest()} ms`);
    const during = f.server.state.requests;
    f.server.state.mode = 'ok';
    f.clock.ms += COOLDOWN + 1;
    assert.equal((await f.ask()).decision, 'ALLOW', 'recovers once the endpoint does');
    report(name, `20 requests denied with ${code}, then ALLOW after the cooldown`, f.server.state.requests, f.longest());
    assert.equal(f.server.state.requests, during + 1);
  });
}

test('keys rotated between two requests: the new kid is fetched once, the old one stops verifying', async (t) => {
  const f = await setup(t);
  assert.equal((await f.ask()).decision, 'ALLOW');
  const rotated = signingKey('k2');
  f.server.state.jwks = { keys: [rotated.jwk] };
  f.clock.ms += COOLDOWN + 1;
  assert.equal((await f.ask(rotated)).decision, 'ALLOW');
  assert.equal((await f.ask(key)).errors[0].code, 'jwks.no_matching_key');
  report(
    'keys rotated between two requests',
    'the new key verifies after one refetch; the old one is refused',
    f.server.state.requests,
    f.longest(),
  );
  assert.equal(f.server.state.requests, 2);
});

test('a storm of unknown kids: one refetch per cooldown, every token denied', async (t) => {
  const f = await setup(t);
  assert.equal((await f.ask()).decision, 'ALLOW');
  f.clock.ms += COOLDOWN + 1;
  for (let i = 0; i < 200; i += 1) {
    // Ten unknown kids, the token signed by the real key under each (generating a key per token would
    // be slow, and Node 20's generateKeyPairSync can deadlock when a GC runs during a JWK export).
    const answer = await f.ask({ ...key, kid: `storm-${i % 10}` });
    assert.equal(answer.errors[0].code, 'jwks.no_matching_key');
  }
  report('a storm of 200 unknown kids', 'all denied with jwks.no_matching_key', f.server.state.requests, f.longest());
  assert.equal(f.server.state.requests, 2, 'the first fetch and one refetch');
  assert.equal((await f.ask()).decision, 'ALLOW', 'the real key still works');
});

test('a trap inside the wasm instance: that request is denied, the instance replaced, the next request decided', async () => {
  const faultBuild = path.join(root, 'build/faults');
  assert.ok(fs.existsSync(path.join(faultBuild, 'cedar_authorizer.cjs')), 'run `make build/faults/.built`');
  const { createApi, platformFor } = require(path.join(root, 'js/lib/node.cjs'));
  const api = createApi(platformFor(faultBuild));
  const authorizer = api.Authorizer.loadSync(store('rides'), {
    jwks: { [COGNITO_ISSUER]: { keys: [key.jwk] } },
    fetchKeys: false,
    clock: () => NOW * 1000,
  });
  const plain = {
    principal: { entityType: 'Rides::CognitoUser', entityId: 'x' },
    action: { actionType: 'Rides::Action', actionId: 'get /riders' },
    resource: { entityType: 'Rides::Application', entityId: 'Rides' },
    entities: [
      {
        uid: { type: 'Rides::CognitoUser', id: 'x' },
        attrs: {},
        parents: [{ type: 'Rides::CognitoUserGroup', id: 'us-east-1_DemoPool1|Riders' }],
      },
    ],
  };
  assert.equal(authorizer.isAuthorized(plain).decision, 'ALLOW');
  const trapped = authorizer.isAuthorized({ ...plain, context: { __fault__: 'trap' } });
  assert.equal(trapped.decision, 'DENY');
  assert.equal(trapped.errors[0].code, 'internal.trap');
  assert.equal(authorizer.stats.instancesReplaced, 1);
  assert.equal(authorizer.isAuthorized(plain).decision, 'ALLOW', 'a fresh instance decides the next request');
  // The token path: keys are imported again into the fresh instance.
  const token = mint(key, idClaims('t', ['Riders']));
  assert.equal(
    (await authorizer.isAuthorizedWithToken({ ...request(token), context: { __fault__: 'trap' } })).errors[0].code,
    'internal.trap',
  );
  assert.equal((await authorizer.isAuthorizedWithToken(request(token))).decision, 'ALLOW');
  // Through a handler: the trapped request is a 401, the next one allowed.
  const handler = createRestApiAuthorizerFor(api, authorizer);
  const arn = 'arn:aws:execute-api:us-east-1:123456789012:a/prod/GET/riders';
  await assert.rejects(
    handler({
      type: 'REQUEST',
      methodArn: arn,
      httpMethod: 'GET',
      path: '/riders',
      resource: '/riders',
      headers: { authorization: `Bearer ${token}` },
      queryStringParameters: { __fault__: 'trap' },
    }),
    { message: 'Unauthorized' },
  );
  assert.equal(authorizer.stats.instancesReplaced, 3);
  const ok = await handler({ type: 'TOKEN', authorizationToken: token, methodArn: arn });
  assert.equal(ok.policyDocument.Statement[0].Effect, 'Allow');
  console.log(
    `fault: a trap inside the wasm instance: denied with internal.trap; ${authorizer.stats.instancesReplaced} instances replaced; the next requests decided`,
  );
});

function createRestApiAuthorizerFor(api, authorizer) {
  const { createAwsApi } = require(path.join(root, 'js/lib/aws/index.cjs'));
  return createAwsApi(api).createRestApiAuthorizer({ authorizer, clock: () => NOW * 1000, logger: false });
}

test('a store or bundle that does not load fails at start-up, naming the file and line', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ca-broken-'));
  fs.cpSync(store('rides'), dir, { recursive: true });
  fs.appendFileSync(
    path.join(dir, 'rides.cedar'),
    '\npermit(principal, action == Rides::Action::"get /riders", resource) when { principal.nope };\n',
  );
  await assert.rejects(Authorizer.load(dir), (e) => e instanceof AuthorizerLoadError && /rides\.cedar:\d+:\d+/.test(e.message));
  const bundleFile = path.join(dir, 'bundle.json');
  fs.writeFileSync(bundleFile, '{\n  "format": "cedar-authorizer/bundle",\n  "hash": oops\n}\n');
  await assert.rejects(
    Authorizer.load(bundleFile),
    (e) => e.code === 'bundle.invalid' && e.message.includes(bundleFile) && /line 3/.test(e.message),
  );
  assert.throws(
    () => createRestApiAuthorizer({ bundle: bundleFile }),
    (e) => e.code === 'bundle.invalid' && e.message.includes(bundleFile),
  );
  assert.throws(() => createRestApiAuthorizer({ bundle: dir }), { name: 'AuthorizerLoadError' });
  console.log(
    'fault: a store or bundle that does not load: AuthorizerLoadError at start-up naming the file and line; no handler is created',
  );
});
