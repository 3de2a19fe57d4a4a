// Attacks on the packed package's adapters and key fetching, each tried in every form the input can take:
// paths that an origin would read differently from the router, cookies with bad escapes, identity sources
// that could mint each other's users, discovery documents for another issuer, key sets that never end.
// docs/security.md names these tests beside the claims they prove.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { createRestApiAuthorizer, createHttpApiAuthorizer, createEdgeViewerRequestHandler } from 'cedar-authorizer/aws';
import { Authorizer, readStoreFolder } from 'cedar-authorizer';
import { root, store, signingKey, mint, idClaims, jwksServer, NOW, COGNITO_ISSUER } from './helpers.mjs';

const key = signingKey('k1');
const routesStore = path.join(root, 'tests/fixtures/routes-store');
const base = { jwks: { [COGNITO_ISSUER]: { keys: [key.jwk] } }, fetchKeys: false, clock: () => NOW * 1000, logger: false };
const rider = mint(key, idClaims('rider', ['Riders']));
const arn = (method, p) => `arn:aws:execute-api:us-east-1:123456789012:abcdef123/prod/${method}${p}`;

/** The routes store without its header-dependent route (which policyScope 'all-routes' refuses). */
function routesWithoutHeaders() {
  const files = readStoreFolder(routesStore);
  const config = JSON.parse(files['authorizer.json']);
  config.routes = config.routes.filter((r) => !JSON.stringify(r.context ?? {}).includes('{header.'));
  files['authorizer.json'] = JSON.stringify(config);
  return { files };
}

function edgeEvent(uri, headers = {}) {
  return { Records: [{ cf: { config: {}, request: { clientIp: '203.0.113.1', method: 'GET', uri, querystring: '', headers } } }] };
}
const bearer = (token) => ({ authorization: [{ key: 'Authorization', value: `Bearer ${token}` }] });

test('the edge routes every spelling of a path as the origin will read it, and forwards that spelling', async () => {
  const edge = createEdgeViewerRequestHandler({ ...base, bundle: routesStore });
  // A rider may use the catch-all, not /admin/...: every spelling of /admin/x is refused.
  const allowed = await edge(edgeEvent('/x/y', bearer(rider)));
  assert.equal(allowed.uri, '/x/y');
  for (const uri of [
    '/admin/x',
    '/./admin/x',
    '/foo/../admin/x',
    '/riders/7/../../admin/x',
    '/%61dmin/x',
    '//admin//x',
    '/%2E%2E/admin/x',
    '/riders/%2e%2e/%2e%2E/admin/x',
  ]) {
    const answer = await edge(edgeEvent(uri, bearer(rider)));
    assert.equal(answer.status, '403', `${uri}: ${JSON.stringify(answer)}`);
  }
  // What cannot be normalized safely is a 400, never forwarded.
  for (const uri of ['/admin%2Fx', '/admin%2fx', '/admin;x/y', '/a\\admin', '/x%zz', '/x%00', '/x%5Cadmin']) {
    const answer = await edge(edgeEvent(uri, bearer(rider)));
    assert.equal(answer.status, '400', `${uri}: ${JSON.stringify(answer)}`);
  }
  // An allowed path not in normal form goes on in normal form: the origin sees what was decided.
  const normalized = await edge(edgeEvent('/x/./y/../z', bearer(rider)));
  assert.equal(normalized.uri, '/x/z', JSON.stringify(normalized));
  const decoded = await edge(edgeEvent('/x/%7e%61', bearer(rider)));
  assert.equal(decoded.uri, '/x/~a');
});

test('a malformed percent escape in a cookie is a 401, never an exception', async () => {
  const edge = createEdgeViewerRequestHandler({ ...base, bundle: store('rides'), tokenCookie: 'id_token' });
  for (const value of ['id_token=%E0%A4%A', 'id_token=%', `id_token=${rider}%zz`, 'theme=%ff; id_token=%']) {
    const answer = await edge(edgeEvent('/riders', { cookie: [{ key: 'Cookie', value }] }));
    assert.equal(answer.status, '401', value);
  }
  const good = await edge(edgeEvent('/riders', { cookie: [{ key: 'Cookie', value: `theme=%ff; id_token=${rider}` }] }));
  assert.equal(good.uri, '/riders', 'a bad escape in another cookie does not hide the token');
});

test('API Gateway handlers refuse a path that is not in normal form, where they cannot change what is forwarded', async () => {
  const rest = createRestApiAuthorizer({ ...base, bundle: routesStore });
  const httpApi = createHttpApiAuthorizer({ ...base, bundle: routesStore });
  for (const p of ['/./admin/x', '/foo/../admin/x', '/%61dmin/x', '//admin//x', '/admin%2Fx', '/admin;x/y']) {
    const viaRest = await rest({
      type: 'REQUEST',
      methodArn: arn('GET', p),
      httpMethod: 'GET',
      path: p,
      headers: { Authorization: `Bearer ${rider}` },
    });
    assert.equal(viaRest.policyDocument.Statement[0].Effect, 'Deny', `REST ${p}`);
    const viaHttp = await httpApi({
      version: '2.0',
      routeKey: '$default',
      rawPath: p,
      identitySource: [rider],
      headers: {},
      requestContext: { http: { method: 'GET', path: p } },
    });
    assert.equal(viaHttp.isAuthorized, false, `HTTP API ${p}`);
  }
  const viaHttp = await httpApi({
    version: '2.0',
    routeKey: 'ANY /{proxy+}',
    rawPath: '/x/y',
    identitySource: [rider],
    headers: {},
    requestContext: { http: { method: 'GET', path: '/x/y' } },
  });
  assert.equal(viaHttp.isAuthorized, true, 'a normal path through the catch-all');
});

test("policyScope 'all-routes' refuses at start-up a store whose routes read headers, which a token-keyed cache cannot tell apart", () => {
  assert.throws(() => createRestApiAuthorizer({ ...base, bundle: routesStore, policyScope: 'all-routes' }), {
    code: 'config.invalid',
    message: /GET \/tenant.*headers/,
  });
  assert.throws(() => createHttpApiAuthorizer({ ...base, bundle: routesStore, responseType: 'iam', policyScope: 'all-routes' }), {
    code: 'config.invalid',
  });
  assert.doesNotThrow(() => createRestApiAuthorizer({ ...base, bundle: routesWithoutHeaders(), policyScope: 'all-routes' }));
  assert.doesNotThrow(() => createRestApiAuthorizer({ ...base, bundle: routesStore, policyScope: 'route' }));
});

test('identity sources that could mint the same principal are refused at load, naming both', () => {
  const files = readStoreFolder(store('rides'));
  const config = JSON.parse(files['authorizer.json']);
  config.identitySources.push({
    principalEntityType: 'Rides::CognitoUser',
    configuration: {
      openIdConnectConfiguration: {
        issuer: 'https://idp.example',
        groupConfiguration: { groupClaim: 'groups', groupEntityType: 'Rides::CognitoUserGroup' },
        tokenSelection: { identityTokenOnly: { clientIds: ['web'], principalIdClaim: 'email' } },
      },
    },
  });
  files['authorizer.json'] = JSON.stringify(config);
  assert.throws(
    () => Authorizer.loadSync({ files }, base),
    (e) => e.name === 'AuthorizerLoadError' && /https:\/\/idp\.example/.test(e.message) && /cognito-idp\.us-east-1/.test(e.message),
  );
});

test('a source that accepts any client is a warning at load, through onWarning or the handler log', () => {
  const files = readStoreFolder(store('rides'));
  const config = JSON.parse(files['authorizer.json']);
  config.identitySources[0].configuration.cognitoUserPoolConfiguration.clientIds = [];
  files['authorizer.json'] = JSON.stringify(config);
  const warnings = [];
  Authorizer.loadSync({ files }, { ...base, onWarning: (w) => warnings.push(w) });
  assert.equal(warnings.length, 1);
  assert.match(warnings[0], /no `clientIds`/);
  const lines = [];
  createRestApiAuthorizer({ ...base, bundle: { files }, logger: (l) => lines.push(l) });
  assert.ok(
    lines.some((l) => JSON.parse(l).warning?.includes('clientIds')),
    lines.join('\n'),
  );
});

// ---- OpenID Connect discovery and key set limits, with an injected fetch --------------------------

const oidcStore = path.join(root, 'tests/fixtures/oidc-store');
const ISSUER = 'https://login.corp.example';
const oidcToken = mint(key, {
  iss: ISSUER,
  aud: 'portal',
  employee_id: 'e1',
  email: 'e1@corp.example',
  teams: ['platform'],
  iat: NOW - 60,
  exp: NOW + 3600,
});
const read = {
  identityToken: oidcToken,
  action: { actionType: 'Corp::Action', actionId: 'read' },
  resource: { entityType: 'Corp::Doc', entityId: 'd' },
};

function fetchFrom(routes) {
  return async (url) => {
    const handler = routes[url];
    if (!handler) return new Response('not found', { status: 404 });
    return handler();
  };
}
const json =
  (body, headers = {}) =>
  () =>
    new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json', ...headers } });

test('OIDC discovery: the document must name the configured issuer and an https jwks_uri', async () => {
  const discovery = `${ISSUER}/.well-known/openid-configuration`;
  const jwksUrl = 'https://keys.corp.example/jwks.json';
  const cases = [
    [{ issuer: ISSUER, jwks_uri: jwksUrl }, 'ALLOW', null],
    [{ issuer: 'https://evil.example', jwks_uri: jwksUrl }, 'DENY', /is for issuer `https:\/\/evil.example`/],
    [{ jwks_uri: jwksUrl }, 'DENY', /names no `issuer`/],
    [{ issuer: `${ISSUER}/`, jwks_uri: jwksUrl }, 'DENY', /is for issuer/],
    [{ issuer: ISSUER, jwks_uri: 'http://keys.corp.example/jwks.json' }, 'DENY', /not https/],
  ];
  for (const [document, decision, why] of cases) {
    const fetch = fetchFrom({
      [discovery]: json(document),
      [jwksUrl]: json({ keys: [key.jwk] }),
      'http://keys.corp.example/jwks.json': json({ keys: [key.jwk] }),
    });
    const authorizer = await Authorizer.load(oidcStore, { fetch, clock: () => NOW * 1000 });
    const answer = await authorizer.isAuthorizedWithToken(read);
    assert.equal(answer.decision, decision, `${JSON.stringify(document)}: ${JSON.stringify(answer)}`);
    if (why) assert.match(answer.errors[0].errorDescription, why, JSON.stringify(answer.errors));
  }
});

test('a key set is read no further than the byte limit, counted in bytes', async () => {
  const jwksUrl = 'https://keys.corp.example/jwks.json';
  let pulled = 0;
  const endless = () =>
    new Response(
      new ReadableStream({
        pull(controller) {
          pulled += 64 * 1024;
          controller.enqueue(new Uint8Array(64 * 1024).fill(0x20));
        },
      }),
      { status: 200, headers: { 'content-type': 'application/json' } },
    );
  const authorizer = await Authorizer.load(oidcStore, {
    fetch: fetchFrom({ [jwksUrl]: endless }),
    jwksUris: { [ISSUER]: jwksUrl },
    clock: () => NOW * 1000,
  });
  const answer = await authorizer.isAuthorizedWithToken(read);
  assert.equal(answer.decision, 'DENY');
  assert.match(answer.errors[0].errorDescription, /over the limit of 524288/);
  assert.ok(pulled <= 524288 + 3 * 64 * 1024, `read ${pulled} bytes of an endless body`);

  // A declared length over the limit is refused before the body is read.
  let bodyRead = false;
  const declared = () => ({
    ok: true,
    status: 200,
    headers: new Headers({ 'content-length': String(10 * 1024 * 1024) }),
    body: null,
    arrayBuffer: async () => {
      bodyRead = true;
      return new ArrayBuffer(0);
    },
  });
  const second = await Authorizer.load(oidcStore, {
    fetch: fetchFrom({ [jwksUrl]: declared }),
    jwksUris: { [ISSUER]: jwksUrl },
    clock: () => NOW * 1000,
  });
  assert.match((await second.isAuthorizedWithToken(read)).errors[0].errorDescription, /over the limit/);
  assert.equal(bodyRead, false);

  // Multi-byte characters count as bytes: 300,000 three-byte characters are 900,000 bytes.
  const wide = () => new Response(JSON.stringify({ keys: [key.jwk], pad: '\u20ac'.repeat(300_000) }), { status: 200 });
  const third = await Authorizer.load(oidcStore, {
    fetch: fetchFrom({ [jwksUrl]: wide }),
    jwksUris: { [ISSUER]: jwksUrl },
    clock: () => NOW * 1000,
  });
  assert.match((await third.isAuthorizedWithToken(read)).errors[0].errorDescription, /over the limit/);
});

// ---- the second review ----------------------------------------------------------------------------

test("API Gateway's matched resource never wins over the store's own route: a catch-all resource does not open /admin", async () => {
  const restLines = [];
  const httpLines = [];
  const rest = createRestApiAuthorizer({ ...base, logger: (line) => restLines.push(JSON.parse(line)), bundle: routesStore });
  const httpApi = createHttpApiAuthorizer({ ...base, logger: (line) => httpLines.push(JSON.parse(line)), bundle: routesStore });
  const viaRest = (p, token = rider) =>
    rest({
      type: 'REQUEST',
      methodArn: arn('GET', p),
      httpMethod: 'GET',
      path: p,
      resource: '/{proxy+}',
      pathParameters: { proxy: p.slice(1) },
      headers: { Authorization: `Bearer ${token}` },
    });
  const viaHttp = (p, routeKey = 'ANY /{proxy+}') =>
    httpApi({
      version: '2.0',
      routeKey,
      rawPath: p,
      identitySource: [rider],
      headers: {},
      pathParameters: { proxy: p.slice(1) },
      requestContext: { http: { method: 'GET', path: p } },
    });
  for (let round = 0; round < 2; round++) {
    // Twice: the second round comes from the decision cache, which must keep the stricter answer too.
    assert.equal((await viaRest('/admin/x')).policyDocument.Statement[0].Effect, 'Deny', `REST, round ${round}`);
    assert.equal((await viaHttp('/admin/x')).isAuthorized, false, `HTTP API, round ${round}`);
    assert.equal((await viaHttp('/admin/x', '$default')).isAuthorized, false, `HTTP API $default, round ${round}`);
    // Where both routes allow, the request is allowed.
    assert.equal((await viaRest('/riders')).policyDocument.Statement[0].Effect, 'Allow', `REST /riders, round ${round}`);
    assert.equal((await viaHttp('/x/y')).isAuthorized, true, `HTTP API catch-all, round ${round}`);
  }
  const admin = mint(key, idClaims('admin', ['Admin']));
  assert.equal((await viaRest('/admin/x', admin)).policyDocument.Statement[0].Effect, 'Allow', 'an admin is allowed by both routes');
  // A base path mapping puts `/v1` in the event's path, while the integration is sent `admin/x`: the
  // store's route for the path API Gateway's route and parameters describe decides too.
  const based = await rest({
    type: 'REQUEST',
    methodArn: arn('GET', '/v1/admin/x'),
    httpMethod: 'GET',
    path: '/v1/admin/x',
    resource: '/{proxy+}',
    pathParameters: { proxy: 'admin/x' },
    headers: { Authorization: `Bearer ${rider}` },
  });
  assert.equal(based.policyDocument.Statement[0].Effect, 'Deny', 'a base path does not hide /admin');
  // Each handler logs the mismatch once per pair of routes, saying what to fix.
  for (const lines of [restLines, httpLines]) {
    const mismatches = lines.filter((l) => l.message === 'route mismatch');
    const pairs = mismatches.map((l) => `${l.eventRoute} | ${l.pathRoute}`);
    assert.deepEqual([...new Set(pairs)].sort(), pairs.slice().sort(), 'each pair logged once');
    assert.ok(pairs.includes('ANY /{proxy+} | GET /admin/{proxy+}'), JSON.stringify(pairs));
    assert.match(mismatches[0].detail, /both are decided/);
    const denied = lines.filter((l) => l.message === 'authorization decision' && l.decision === 'DENY');
    assert.ok(
      denied.length >= 2 && denied.every((l) => l.route === 'GET /admin/{proxy+}'),
      `the decision lines name the route that denied, from the cache too: ${JSON.stringify(denied.map((l) => [l.route, l.cacheHit]))}`,
    );
  }
});

test('an unknown kid refetches an unchanged key set without emptying the caches', async (t) => {
  const server = await jwksServer({ keys: [key.jwk] });
  t.after(server.close);
  let now = NOW * 1000;
  const options = { jwksUris: { [COGNITO_ISSUER]: server.url }, clock: () => now, jwksCooldownMs: 1000, logger: false };
  const authorizer = await Authorizer.load(store('rides'), options);
  const handler = createRestApiAuthorizer({ ...options, bundle: routesStore });
  const request = {
    identityToken: rider,
    action: { actionType: 'Rides::Action', actionId: 'get /riders' },
    resource: { entityType: 'Rides::Application', entityId: 'Rides' },
  };
  const rest = () => handler({ type: 'TOKEN', authorizationToken: rider, methodArn: arn('GET', '/riders') });
  assert.equal((await authorizer.isAuthorizedWithToken(request)).decision, 'ALLOW');
  await rest();
  await rest();
  const before = { answers: authorizer.stats.answerCache.entries, tokens: authorizer.stats.tokenCache, requests: server.state.requests };
  assert.ok(before.answers > 0);
  // Unsigned tokens with the configured issuer and unknown kids, each after the cooldown: each refetches.
  for (let i = 0; i < 3; i++) {
    now += 2000;
    const forged = mint(signingKey(`unknown-${i}`), idClaims('x', ['Admin']));
    const answer = await authorizer.isAuthorizedWithToken({ ...request, identityToken: forged });
    assert.equal(answer.errors[0].code, 'jwks.no_matching_key');
    await assert.rejects(handler({ type: 'TOKEN', authorizationToken: forged, methodArn: arn('GET', '/riders') }), {
      message: 'Unauthorized',
    });
  }
  assert.ok(server.state.requests >= before.requests + 3, 'each unknown kid after the cooldown refetched');
  assert.equal(authorizer.stats.answerCache.entries, before.answers, 'the answer cache kept its answers');
  assert.equal(authorizer.stats.answerCache.hits, 0);
  await authorizer.isAuthorizedWithToken(request);
  assert.equal(authorizer.stats.answerCache.hits, 1, 'the answer is still served from the cache');
  const lines = [];
  const logged = createRestApiAuthorizer({ ...options, bundle: routesStore, logger: (l) => lines.push(JSON.parse(l)) });
  await logged({ type: 'TOKEN', authorizationToken: rider, methodArn: arn('GET', '/riders') });
  now += 2000;
  await assert.rejects(
    logged({ type: 'TOKEN', authorizationToken: mint(signingKey('other'), idClaims('x', [])), methodArn: arn('GET', '/riders') }),
  );
  await logged({ type: 'TOKEN', authorizationToken: rider, methodArn: arn('GET', '/riders') });
  assert.equal(lines.at(-1).cacheHit, true, 'the decision cache kept its answer across the refetch');
  // The same keys in another order, and members in another order, are the same key set.
  const other = signingKey('k0');
  server.state.jwks = { keys: [other.jwk, key.jwk] };
  now += 2000;
  await authorizer.isAuthorizedWithToken({ ...request, identityToken: mint(other, idClaims('o', ['Riders'])) });
  const kept = authorizer.stats.answerCache.entries;
  server.state.jwks = { keys: [Object.fromEntries(Object.entries(key.jwk).reverse()), other.jwk] };
  now += 2000;
  await authorizer.isAuthorizedWithToken({ ...request, identityToken: mint(signingKey('unknown-again'), idClaims('x', [])) });
  assert.equal(authorizer.stats.answerCache.entries, kept, 'a reordered key set is not a change');
  // A changed key set is imported, and the caches are cleared as before.
  const next = signingKey('k2');
  server.state.jwks = { keys: [key.jwk, next.jwk] };
  now += 2000;
  const rotated = mint(next, idClaims('r', ['Riders']));
  assert.equal((await authorizer.isAuthorizedWithToken({ ...request, identityToken: rotated })).decision, 'ALLOW');
  assert.equal(authorizer.stats.answerCache.entries, 1, 'new keys cleared the answers kept under the old ones');
});

test('the edge forwards only identity it verified: every spelling of the principal header, and the credential that did not decide, are removed', async () => {
  const edge = createEdgeViewerRequestHandler({
    ...base,
    bundle: store('rides'),
    principalHeader: 'x-cedar-principal',
    tokenCookie: 'id_token',
  });
  const forged = mint(signingKey('forger'), idClaims('admin', ['Admin']));
  const event = (headers) => ({
    Records: [{ cf: { config: {}, request: { clientIp: '203.0.113.1', method: 'GET', uri: '/riders', querystring: '', headers } } }],
  });
  const spoofs = {
    x_cedar_principal: [{ key: 'X_Cedar_Principal', value: 'Rides::CognitoUser::"admin"' }],
    'X-Cedar-Principal': [{ key: 'X-Cedar-Principal', value: 'Rides::CognitoUser::"admin"' }],
    'x-cedar_principal': [{ key: 'x-cedar_principal', value: 'Rides::CognitoUser::"admin"' }],
  };
  const principalHeaders = (request) =>
    Object.keys(request.headers).filter((k) => k.toLowerCase().replace(/_/g, '-') === 'x-cedar-principal');
  // The header decides: spoofed principal headers and a forged token cookie do not go on.
  const byHeader = await edge(
    event({ ...bearer(rider), ...spoofs, cookie: [{ key: 'Cookie', value: `theme=dark; id_token=${forged}; lang=en` }] }),
  );
  assert.equal(byHeader.uri, '/riders', JSON.stringify(byHeader));
  assert.deepEqual(principalHeaders(byHeader), ['x-cedar-principal']);
  assert.match(byHeader.headers['x-cedar-principal'][0].value, /rider/);
  assert.deepEqual(byHeader.headers.cookie, [{ key: 'Cookie', value: 'theme=dark; lang=en' }], 'the unverified token cookie is removed');
  assert.ok(byHeader.headers.authorization, 'the verified header goes on');
  // The cookie decides: Authorization headers (two of them, never verified) do not go on.
  const byCookie = await edge(
    event({
      authorization: [
        { key: 'Authorization', value: `Bearer ${forged}` },
        { key: 'Authorization', value: `Bearer ${forged}` },
      ],
      ...spoofs,
      cookie: [{ key: 'Cookie', value: `id_token=${rider}` }],
    }),
  );
  assert.equal(byCookie.uri, '/riders', JSON.stringify(byCookie));
  assert.equal(byCookie.headers.authorization, undefined, 'unverified Authorization headers are removed');
  assert.deepEqual(principalHeaders(byCookie), ['x-cedar-principal']);
  assert.equal(byCookie.headers.cookie[0].value, `id_token=${rider}`, 'the verified cookie goes on');
  // Spellings of the token cookie that origins read as it: beside a deciding header they are removed; as a
  // second candidate beside a deciding cookie the request has no token (401).
  for (const spoof of [
    `id_token =${forged}`,
    `ID_TOKEN=${forged}`,
    `id.token=${forged}`,
    `id%5Ftoken=${forged}`,
    `a=b id_token=${forged}`,
  ]) {
    const answer = await edge(event({ ...bearer(rider), cookie: [{ key: 'Cookie', value: `theme=dark; ${spoof}` }] }));
    assert.equal(answer.uri, '/riders', spoof);
    assert.deepEqual(answer.headers.cookie, [{ key: 'Cookie', value: 'theme=dark' }], `${spoof} is removed`);
    for (const cookie of [`id_token=${rider}; ${spoof}`, `${spoof}; id_token=${rider}`]) {
      const twice = await edge(event({ cookie: [{ key: 'Cookie', value: cookie }] }));
      assert.equal(twice.status, '401', `${cookie}: ${JSON.stringify(twice)}`);
    }
  }
});

test('a header a route reads is never taken when given twice or in two spellings', async () => {
  const guest = mint(key, idClaims('guest', ['Guests']));
  const rest = createRestApiAuthorizer({ ...base, bundle: routesStore });
  const ask = (headers, multiValueHeaders) =>
    rest({
      type: 'REQUEST',
      methodArn: arn('GET', '/tenant'),
      httpMethod: 'GET',
      path: '/tenant',
      resource: '/tenant',
      headers: { Authorization: `Bearer ${guest}`, ...headers },
      multiValueHeaders: multiValueHeaders && { Authorization: [`Bearer ${guest}`], ...multiValueHeaders },
    });
  const effect = async (...args) => (await ask(...args)).policyDocument.Statement[0].Effect;
  assert.equal(await effect({ 'x-tenant': 'acme' }), 'Allow', 'the one value decides');
  assert.equal(await effect({ 'X-Tenant': 'acme' }, { 'X-Tenant': ['acme'] }), 'Allow', 'the same header in both lists');
  assert.equal(await effect({ 'X-Tenant': 'victim', 'x-tenant': 'acme' }), 'Deny', 'two spellings');
  assert.equal(await effect({ 'x-tenant': 'acme', x_tenant: 'victim' }), 'Deny', '_ for -');
  assert.equal(await effect({ 'x-tenant': 'acme' }, { 'x-tenant': ['victim', 'acme'] }), 'Deny', 'two values');
});

test('input nested too deeply for JSON is a malformed request, not a trap: no instance is replaced and the caches stay', async () => {
  const authorizer = await Authorizer.load(store('rides'), { ...base });
  const request = {
    identityToken: rider,
    action: { actionType: 'Rides::Action', actionId: 'get /riders' },
    resource: { entityType: 'Rides::Application', entityId: 'Rides' },
  };
  assert.equal((await authorizer.isAuthorizedWithToken(request)).decision, 'ALLOW');
  let deep = {};
  for (let i = 0; i < 200_000; i++) deep = { a: deep };
  const plain = {
    principal: { entityType: 'Rides::CognitoUser', entityId: 'x' },
    action: request.action,
    resource: request.resource,
    context: { deep },
  };
  for (const answer of [
    authorizer.isAuthorized(plain),
    authorizer.batchIsAuthorized({ requests: [plain] }).results[0],
    await authorizer.isAuthorizedWithToken({ ...request, context: { deep } }),
    (
      await authorizer.batchIsAuthorizedWithToken({
        identityToken: rider,
        requests: [{ ...plain, principal: undefined }],
        entities: { deep },
      })
    ).results[0],
    await authorizer.authorizeHttp({ token: rider, http: { method: 'GET', path: '/riders' }, context: { deep } }),
  ]) {
    assert.equal(answer.decision, 'DENY');
    assert.equal(answer.errors[0].code, 'request.malformed', JSON.stringify(answer.errors));
  }
  assert.equal(authorizer.stats.instancesReplaced, 0, 'no instance was replaced');
  await authorizer.isAuthorizedWithToken(request);
  assert.equal(authorizer.stats.answerCache.hits, 1, 'the answer cache kept its answers');
});
