// Tokens through the packed package: isAuthorizedWithToken with keys given up front and fetched, the
// rides store for every group, and the JWKS provider against a real HTTP server on loopback (rotation,
// unknown kids, a slow endpoint, 500s, garbage), with the clock injected.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Authorizer } from 'cedar-authorizer';
import { store, signingKey, mint, idClaims, accessClaims, jwksServer, NOW, COGNITO_ISSUER } from './helpers.mjs';

const routes = ['get /rider', 'get /riders', 'get /trainer', 'get /trainers', 'get /unicorn', 'get /unicorns'];
const allowed = {
  Admin: routes,
  Riders: ['get /rider', 'get /riders', 'get /unicorn', 'get /unicorns'],
  Trainers: ['get /trainer', 'get /trainers', 'get /unicorn', 'get /unicorns'],
};
const clock = () => NOW * 1000;
const request = (kind, token, route) => ({
  [kind]: token,
  action: { actionType: 'Rides::Action', actionId: route },
  resource: { entityType: 'Rides::Application', entityId: 'Rides' },
});

const key = signingKey('k1');
const ecKey = signingKey('k2', 'ec');
const jwks = { keys: [key.jwk, ecKey.jwk] };

test('the six routes for each group, with ID and access tokens, keys given up front', async () => {
  const authorizer = await Authorizer.load(store('rides'), { jwks: { [COGNITO_ISSUER]: jwks }, fetchKeys: false, clock });
  for (const [group, routesAllowed] of Object.entries(allowed)) {
    const id = mint(key, idClaims(`${group}-sub`, [group]));
    const access = mint(ecKey, accessClaims(`${group}-sub`, [group]));
    for (const route of routes) {
      for (const [kind, token] of [
        ['identityToken', id],
        ['accessToken', access],
      ]) {
        const answer = await authorizer.isAuthorizedWithToken(request(kind, token, route));
        assert.equal(
          answer.decision,
          routesAllowed.includes(route) ? 'ALLOW' : 'DENY',
          `${group} ${kind} ${route}: ${JSON.stringify(answer)}`,
        );
        assert.deepEqual(answer.principal, { entityType: 'Rides::CognitoUser', entityId: `us-east-1_DemoPool1|${group}-sub` });
        assert.deepEqual(answer.errors, []);
      }
    }
  }
  const batch = await authorizer.batchIsAuthorizedWithToken({
    identityToken: mint(key, idClaims('r', ['Riders'])),
    requests: routes.map((r) => ({
      action: { actionType: 'Rides::Action', actionId: r },
      resource: { entityType: 'Rides::Application', entityId: 'Rides' },
    })),
  });
  assert.deepEqual(
    batch.results.map((r) => r.decision),
    ['ALLOW', 'ALLOW', 'DENY', 'DENY', 'ALLOW', 'ALLOW'],
  );
  assert.ok(authorizer.stats.tokenCache.hits > 0, JSON.stringify(authorizer.stats));
});

test('failures are DENY with a code, never a throw, and never echo the token', async () => {
  const authorizer = await Authorizer.load(store('rides'), { jwks: { [COGNITO_ISSUER]: jwks }, fetchKeys: false, clock });
  const token = mint(key, idClaims('a', ['Admin'], { exp: NOW - 3600 }));
  const expired = await authorizer.isAuthorizedWithToken(request('identityToken', token, 'get /riders'));
  assert.equal(expired.decision, 'DENY');
  assert.equal(expired.errors[0].code, 'token.expired');
  assert.ok(!JSON.stringify(expired).includes(token.split('.')[2]));
  for (const [input, code] of [
    [request('identityToken', 'garbage', 'get /riders'), 'token.malformed'],
    [{ action: { actionType: 'Rides::Action', actionId: 'get /riders' } }, 'token.missing'],
    [request('accessToken', mint(key, idClaims('a', ['Admin'])), 'get /riders'), 'token.wrong_use'],
    [request('identityToken', mint(signingKey('k1'), idClaims('a', ['Admin'])), 'get /riders'), 'token.bad_signature'],
    [null, 'token.missing'],
  ]) {
    const answer = await authorizer.isAuthorizedWithToken(input);
    assert.equal(answer.decision, 'DENY');
    assert.equal(answer.errors[0].code, code, JSON.stringify(answer));
  }
  const noKeys = await Authorizer.load(store('rides'), { fetchKeys: false, clock });
  const unavailable = await noKeys.isAuthorizedWithToken(request('identityToken', mint(key, idClaims('a', ['Admin'])), 'get /riders'));
  assert.equal(unavailable.errors[0].code, 'jwks.unavailable');
  assert.match(unavailable.errors[0].errorDescription, /fetching is off/);
  await assert.rejects(Authorizer.load(store('rides'), { jwks: { 'https://elsewhere.example': jwks } }), { code: 'config.invalid' });
});

test('explainToken decodes, verifies and maps, or says exactly why not', async () => {
  const authorizer = await Authorizer.load(store('rides'), { jwks: { [COGNITO_ISSUER]: jwks }, fetchKeys: false, clock });
  const good = authorizer.explainToken(mint(key, idClaims('u', ['Riders'])), 'identity');
  assert.equal(good.verified, true);
  assert.equal(good.header.kid, 'k1');
  assert.equal(good.mapping.principal.id, 'us-east-1_DemoPool1|u');
  assert.deepEqual(good.mapping.groups, [{ type: 'Rides::CognitoUserGroup', id: 'us-east-1_DemoPool1|Riders' }]);
  assert.equal(good.mapping.attributes.email, 'u@example.com');
  const bad = authorizer.explainToken(mint(key, idClaims('u', ['Riders'], { aud: 'nope' })), 'identity');
  assert.equal(bad.verified, false);
  assert.equal(bad.error.code, 'token.wrong_audience');
  assert.equal(bad.mapping.principal.id, 'us-east-1_DemoPool1|u', 'what it would map to');
  assert.equal(authorizer.explainToken('x', 'identity').error.code, 'token.malformed');
});

test('the JWKS provider: fetch once, rotation, unknown kids, cooldown, failures and recovery', async (t) => {
  const server = await jwksServer(jwks);
  t.after(server.close);
  let nowMs = NOW * 1000;
  const authorizer = await Authorizer.load(store('rides'), {
    jwksUris: { [COGNITO_ISSUER]: server.url },
    clock: () => nowMs,
    jwksCooldownMs: 30_000,
    jwksTimeoutMs: 200,
    jwksMaxAgeMs: 600_000,
    jwksMaxStaleMs: 3_600_000,
  });
  const ask = (token) => authorizer.isAuthorizedWithToken(request('identityToken', token, 'get /riders'));
  // Tokens minted now, valid for an hour from the test's clock.
  const current = (signer, sub, groups) => mint(signer, idClaims(sub, groups, { iat: nowMs / 1000 - 60, exp: nowMs / 1000 + 3600 }));

  // Many concurrent first requests share one fetch.
  const tokens = Array.from({ length: 20 }, (_, i) => mint(key, idClaims(`u${i}`, ['Riders'])));
  const answers = await Promise.all(tokens.map(ask));
  assert.ok(
    answers.every((a) => a.decision === 'ALLOW'),
    JSON.stringify(answers[0]),
  );
  assert.equal(server.state.requests, 1, 'one fetch in flight for many callers');

  // A storm of unknown kids: one refetch (the first fetch was long enough ago), then the penalty box
  // until the cooldown ends.
  nowMs += 31_000;
  const stranger = signingKey('k-unknown');
  for (let i = 0; i < 50; i += 1) {
    const a = await ask(mint(stranger, idClaims(`s${i}`, ['Admin'])));
    assert.equal(a.errors[0].code, 'jwks.no_matching_key');
  }
  assert.equal(server.state.requests, 2, 'an unknown kid refetches once per cooldown');

  // Rotation: the new key appears at the endpoint; after the cooldown its tokens verify.
  const rotated = signingKey('k3');
  server.state.jwks = { keys: [rotated.jwk] };
  const fresh = mint(rotated, idClaims('r', ['Riders']));
  assert.equal((await ask(fresh)).errors[0].code, 'jwks.no_matching_key', 'still cooling down');
  nowMs += 31_000;
  assert.equal((await ask(fresh)).decision, 'ALLOW');
  assert.equal(server.state.requests, 3);
  // The old key left the set: its tokens stop verifying at once, even ones verified (and cached) before.
  assert.equal((await ask(tokens[0])).errors[0].code, 'jwks.no_matching_key');

  // Failures keep the last good keys (stale) and count one attempt per cooldown.
  for (const mode of ['500', 'garbage', 'not-jwks']) {
    server.state.mode = mode;
    nowMs += 700_000; // past max-age: the keys are stale and a refetch is due
    const before = server.state.requests;
    const a = await ask(mint(rotated, idClaims('r', ['Riders'])));
    assert.equal(a.decision, 'ALLOW', `${mode}: stale keys still verify`);
    const b = await ask(mint(signingKey('k-other'), idClaims('r', ['Riders'])));
    assert.equal(b.errors[0].code, 'jwks.no_matching_key', mode);
    assert.equal(server.state.requests - before, 1, `${mode}: one attempt within the cooldown`);
  }

  // A slow endpoint: the request does not wait longer than the timeout.
  server.state.mode = 'slow';
  server.state.delayMs = 2000;
  nowMs += 700_000;
  const started = performance.now();
  const slow = await ask(mint(signingKey('k-new'), idClaims('r', ['Riders'])));
  const waited = performance.now() - started;
  assert.equal(slow.errors[0].code, 'jwks.no_matching_key');
  assert.ok(waited < 1500, `waited ${waited} ms with a 200 ms timeout`);

  // Past the stale limit with the endpoint still down: no keys, every token denied.
  server.state.mode = '500';
  nowMs += 4 * 3_600_000;
  const dead = await ask(current(rotated, 'r', ['Riders']));
  assert.equal(dead.decision, 'DENY');
  assert.equal(dead.errors[0].code, 'jwks.unavailable', JSON.stringify(dead));

  // Recovery: the endpoint comes back; after the cooldown, tokens verify again.
  server.state.mode = 'ok';
  nowMs += 31_000;
  const recovered = await ask(current(rotated, 'r', ['Riders']));
  assert.equal(recovered.decision, 'ALLOW', JSON.stringify(recovered));
});

test('Cache-Control max-age decides when keys are refetched', async (t) => {
  const server = await jwksServer(jwks);
  t.after(server.close);
  server.state.maxAge = 60;
  let nowMs = NOW * 1000;
  const authorizer = await Authorizer.load(store('rides'), { jwksUris: { [COGNITO_ISSUER]: server.url }, clock: () => nowMs });
  assert.deepEqual(await authorizer.prefetchKeys(), { [COGNITO_ISSUER]: 'ok' });
  assert.equal(server.state.requests, 1);
  const token = mint(key, idClaims('u', ['Admin']));
  nowMs += 30_000;
  await authorizer.isAuthorizedWithToken(request('identityToken', token, 'get /riders'));
  assert.equal(server.state.requests, 1, 'fresh within max-age: no fetch');
});

test('repeated answers come from the answer cache, but never past expiry or across a key change', async () => {
  let nowMs = NOW * 1000;
  const authorizer = await Authorizer.load(store('rides'), { jwks: { [COGNITO_ISSUER]: jwks }, fetchKeys: false, clock: () => nowMs });
  const token = mint(key, idClaims('c', ['Riders'], { exp: NOW + 100 }));
  const ask = () => authorizer.isAuthorizedWithToken(request('identityToken', token, 'get /riders'));
  const first = await ask();
  assert.equal(first.decision, 'ALLOW');
  for (let i = 0; i < 5; i += 1) assert.deepEqual(await ask(), first);
  assert.equal(authorizer.stats.answerCache.hits, 5);
  // A forged copy is verified (and refused) by the engine, never served from the cache.
  const forged = await authorizer.isAuthorizedWithToken(
    request('identityToken', mint(signingKey('k1'), idClaims('c', ['Riders'], { exp: NOW + 100 })), 'get /riders'),
  );
  assert.equal(forged.errors[0].code, 'token.bad_signature');
  // Past exp plus the clock skew the cached answer is not used.
  nowMs = (NOW + 100 + 61) * 1000;
  assert.equal((await ask()).errors[0].code, 'token.expired');
  // New keys clear every cached answer: the signing key is gone, so the token no longer verifies.
  nowMs = NOW * 1000;
  assert.equal((await ask()).decision, 'ALLOW');
  authorizer.setJwks(COGNITO_ISSUER, { keys: [ecKey.jwk] });
  assert.equal((await ask()).errors[0].code, 'jwks.no_matching_key');
});

test("the answer cache never answers one request with another's answer", async () => {
  const cached = await Authorizer.load(store('rides'), { jwks: { [COGNITO_ISSUER]: jwks }, fetchKeys: false, clock });
  const uncached = await Authorizer.load(store('rides'), {
    jwks: { [COGNITO_ISSUER]: jwks },
    fetchKeys: false,
    clock,
    decisionCache: false,
  });
  const id = mint(key, idClaims('r', ['Riders']));
  const access = mint(ecKey, accessClaims('r', ['Riders']));
  // The same token in the other field, under both fields, with another route, resource or context.
  const inputs = [];
  for (const route of routes) {
    inputs.push(
      request('identityToken', id, route),
      request('accessToken', id, route),
      request('accessToken', access, route),
      request('identityToken', access, route),
    );
    inputs.push({ ...request('identityToken', id, route), accessToken: access });
    inputs.push({ ...request('identityToken', id, route), resource: { entityType: 'Rides::Application', entityId: 'Other' } });
    inputs.push({ ...request('identityToken', id, route), context: { contextMap: { unexpected: { string: 'x' } } } });
    inputs.push({ ...request('identityToken', id, route), identityToken: 42 });
  }
  const decisions = new Set();
  for (let round = 0; round < 3; round += 1) {
    for (const input of inputs) {
      const answer = await cached.isAuthorizedWithToken(input);
      assert.deepEqual(answer, await uncached.isAuthorizedWithToken(input), JSON.stringify(input).slice(-200));
      decisions.add(`${answer.decision} ${answer.errors.map((e) => e.code).join()}`);
    }
  }
  assert.ok(decisions.size >= 4, [...decisions].join('; '));
  const { hits, misses } = cached.stats.answerCache;
  assert.ok(hits >= 2 * 6 * 2, `cached answers were reused (${hits} hits, ${misses} misses)`);
});
