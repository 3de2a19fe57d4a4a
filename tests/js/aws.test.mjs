// The AWS handlers from the packed package: every authorizer event fixture in ../shared/corpora/aws-events
// through its handler with responses of the documented shapes, the rides store end to end through each
// handler, and bad input that must give 401 or 403, never an Allow or an unhandled exception.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { createRestApiAuthorizer, createHttpApiAuthorizer, createEdgeViewerRequestHandler } from 'cedar-authorizer/aws';
import { Authorizer } from 'cedar-authorizer';
import { store, shared, signingKey, mint, idClaims, accessClaims, NOW, COGNITO_ISSUER } from './helpers.mjs';

const events = path.join(shared, 'corpora/aws-events');
const fixture = (rel) => JSON.parse(fs.readFileSync(path.join(events, rel), 'utf8'));
const jsonc = (rel) =>
  JSON.parse(
    fs
      .readFileSync(path.join(events, rel), 'utf8')
      .replace(/\/\/[^\n"]*$/gm, '')
      .replace(/true\/false/g, 'true'),
  );

const key = signingKey('k1');
const logs = [];
const options = {
  bundle: store('rides'),
  jwks: { [COGNITO_ISSUER]: { keys: [key.jwk] } },
  fetchKeys: false,
  clock: () => NOW * 1000,
  logger: (line) => logs.push(line),
};
const rest = createRestApiAuthorizer(options);
const restAll = createRestApiAuthorizer({ ...options, policyScope: 'all-routes' });
const httpApi = createHttpApiAuthorizer(options);
const httpIam = createHttpApiAuthorizer({ ...options, responseType: 'iam' });
const edge = createEdgeViewerRequestHandler({
  ...options,
  principalHeader: 'x-principal',
  stripAuthorization: true,
  tokenCookie: 'id_token',
});

const groups = { Admin: 6, Riders: 4, Trainers: 4 };
const routes = ['/rider', '/riders', '/trainer', '/trainers', '/unicorn', '/unicorns'];
const arnFor = (p, method = 'GET') => `arn:aws:execute-api:us-east-1:123456789012:abcdef123/prod/${method}${p}`;
const unauthorized = { message: 'Unauthorized' };

/** The keys and value kinds of `actual` match the documented `template` (placeholders such as `Allow|Deny` aside). */
function assertShape(actual, template, where = 'response') {
  assert.equal(typeof actual, typeof template, `${where}: ${JSON.stringify(actual)}`);
  if (Array.isArray(template)) {
    assert.ok(Array.isArray(actual), where);
    actual.forEach((item) => assertShape(item, template[0], `${where}[]`));
  } else if (template && typeof template === 'object' && where.endsWith('context')) {
    // The documented context keys are examples; what is fixed is that values are strings, numbers or booleans.
    for (const [k, v] of Object.entries(actual))
      assert.ok(['string', 'number', 'boolean'].includes(typeof v), `${where}.${k} is ${typeof v}`);
  } else if (template && typeof template === 'object') {
    for (const k of Object.keys(template)) {
      if (k === 'usageIdentifierKey') continue; // optional: only with API keys
      assert.ok(k in actual, `${where}: missing ${k}`);
      // A statement's Action and Resource may be a string or a list of strings.
      if ((k === 'Action' || k === 'Resource') && (typeof actual[k] === 'string' || Array.isArray(actual[k]))) continue;
      assertShape(actual[k], template[k], `${where}.${k}`);
    }
  }
}

const restResponse = fixture('aws-lambda-go/apigw-custom-auth-response.json');
const restTemplate = jsonc('awsdocs/apigw-rest-authorizer-output-template.jsonc');
const simpleTemplate = jsonc('awsdocs/httpapi-authorizer-v2-simple-response-template.jsonc');

function assertIamPolicy(response, effect, arn) {
  assertShape(response, restResponse);
  assertShape(response, restTemplate);
  assert.equal(response.policyDocument.Version, '2012-10-17');
  const statement = response.policyDocument.Statement.find((s) => s.Resource.includes(arn));
  assert.ok(statement, `no statement for ${arn}: ${JSON.stringify(response.policyDocument)}`);
  assert.equal(statement.Effect, effect);
  assert.equal(statement.Action, 'execute-api:Invoke');
}

test('REST TOKEN and REQUEST fixtures: 401 as they come, documented policy shapes with a token', async () => {
  const token = mint(key, idClaims('admin', ['Admin']));
  const tokenEvents = [
    'awsdocs/apigw-rest-token-authorizer-input.json',
    'aws-lambda-go/apigw-custom-auth-request.json',
    'aws-lambda-rust-runtime/fixtures/example-apigw-custom-auth-request.json',
  ];
  const requestEvents = [
    'awsdocs/apigw-rest-request-authorizer-input.json',
    'aws-lambda-go/apigw-custom-auth-request-type-request.json',
    'aws-lambda-rust-runtime/fixtures/example-apigw-custom-auth-request-type-request.json',
  ];
  for (const rel of [...tokenEvents, ...requestEvents]) {
    const event = fixture(rel);
    await assert.rejects(rest(event), unauthorized, `${rel} carries no JWT`);
    // With a valid token: the fixture's own route is not in the store (a 403 policy); /riders is (Allow).
    const withToken = structuredClone(event);
    if (withToken.type === 'TOKEN') withToken.authorizationToken = `Bearer ${token}`;
    else withToken.headers = { ...(withToken.headers ?? {}), Authorization: `Bearer ${token}` };
    const denied = await rest(withToken);
    assertIamPolicy(denied, 'Deny', withToken.methodArn);
    assert.equal(denied.context.decision, 'DENY', rel);
    const allowed = structuredClone(withToken);
    allowed.methodArn = arnFor('/riders');
    if (allowed.type === 'REQUEST') Object.assign(allowed, { resource: '/riders', path: '/riders', httpMethod: 'GET' });
    const response = await rest(allowed);
    assertIamPolicy(response, 'Allow', allowed.methodArn);
    assert.equal(response.principalId, 'Rides::CognitoUser::"us-east-1_DemoPool1|admin"', rel);
    assert.equal(response.context.determiningPolicies, 'admin-all-routes');
  }
});

test('HTTP API fixtures: payload 2.0 simple responses and payload 1.0 IAM policies, documented shapes', async () => {
  const token = mint(key, accessClaims('rider', ['Riders']));
  const v2 = [
    'aws-lambda-go/apigw-v2-custom-authorizer-v2-request.json',
    'aws-lambda-rust-runtime/fixtures/example-apigw-v2-custom-authorizer-v2-request.json',
    'aws-lambda-rust-runtime/fixtures/example-apigw-v2-custom-authorizer-v2-request-without-cookies.json',
    'aws-lambda-rust-runtime/fixtures/example-apigw-v2-custom-authorizer-v2-request-without-identity-source.json',
  ];
  for (const rel of v2) {
    const event = fixture(rel);
    await assert.rejects(httpApi(event), unauthorized, rel);
    const withToken = { ...structuredClone(event), identitySource: [`Bearer ${token}`] };
    const denied = await httpApi(withToken);
    assertShape(denied, simpleTemplate);
    assert.equal(denied.isAuthorized, false, rel);
    const allowed = {
      ...withToken,
      routeKey: 'GET /riders',
      rawPath: '/riders',
      requestContext: { ...withToken.requestContext, http: { ...withToken.requestContext.http, method: 'GET', path: '/riders' } },
    };
    const ok = await httpApi(allowed);
    assert.equal(ok.isAuthorized, true, `${rel}: ${JSON.stringify(ok)}`);
    assert.equal(ok.context.principalId, 'us-east-1_DemoPool1|rider');
    const iam = await httpIam({ ...allowed, routeArn: arnFor('/riders') });
    assertIamPolicy(iam, 'Allow', arnFor('/riders'));
  }
  for (const rel of [
    'aws-lambda-go/apigw-v2-custom-authorizer-v1-request.json',
    'aws-lambda-rust-runtime/fixtures/example-apigw-v2-custom-authorizer-v1-request.json',
  ]) {
    const event = fixture(rel);
    await assert.rejects(httpApi(event), unauthorized, rel);
    const withToken = { ...structuredClone(event), identitySource: `Bearer ${token}`, headers: {} };
    const denied = await httpApi(withToken);
    assertIamPolicy(denied, 'Deny', withToken.methodArn);
    const allowed = { ...withToken, methodArn: arnFor('/unicorns'), resource: '/unicorns', path: '/unicorns', httpMethod: 'GET' };
    assertIamPolicy(await httpApi(allowed), 'Allow', arnFor('/unicorns'));
  }
});

test('CloudFront viewer-request fixtures: 401 without a token, the request forwarded with one', async () => {
  const token = mint(key, idClaims('trainer', ['Trainers']));
  for (const rel of [
    'awsdocs/cloudfront-lambda-edge-viewer-request-current-doc.json',
    'awsdocs/cloudfront-lambda-edge-request-event-legacy-doc.json',
  ]) {
    const event = fixture(rel);
    const challenge = await edge(structuredClone(event));
    assert.equal(challenge.status, '401', rel);
    assert.equal(typeof challenge.status, 'string');
    assert.deepEqual(challenge.headers['www-authenticate'], [{ key: 'WWW-Authenticate', value: 'Bearer' }]);
    assert.equal(challenge.bodyEncoding, 'text');
    for (const [name, list] of Object.entries(challenge.headers)) {
      assert.equal(name, name.toLowerCase());
      for (const h of list) assert.deepEqual(Object.keys(h).sort(), ['key', 'value']);
    }
    const request = structuredClone(event);
    const cf = request.Records[0].cf.request;
    cf.uri = '/trainers';
    cf.headers.authorization = [{ key: 'Authorization', value: `Bearer ${token}` }];
    cf.headers['x-principal'] = [{ key: 'X-Principal', value: 'spoofed' }];
    const forwarded = await edge(request);
    assert.equal(forwarded.uri, '/trainers', JSON.stringify(forwarded));
    assert.deepEqual(forwarded.headers['x-principal'], [
      { key: 'x-principal', value: 'Rides::CognitoUser::"us-east-1_DemoPool1|trainer"' },
    ]);
    assert.equal(forwarded.headers.authorization, undefined, 'stripped');
    cf.uri = '/riders';
    cf.headers.authorization = [{ key: 'Authorization', value: `Bearer ${token}` }];
    const forbidden = await edge(request);
    assert.equal(forbidden.status, '403');
  }
});

test('the rides store end to end: six routes for each group through every handler', async () => {
  for (const [group, count] of Object.entries(groups)) {
    const token = mint(key, idClaims(`${group}-u`, [group]));
    let restAllowed = 0;
    let httpAllowed = 0;
    let edgeAllowed = 0;
    for (const p of routes) {
      const r = await rest({ type: 'TOKEN', authorizationToken: `Bearer ${token}`, methodArn: arnFor(p) });
      if (r.policyDocument.Statement[0].Effect === 'Allow') restAllowed += 1;
      const h = await httpApi({
        version: '2.0',
        type: 'REQUEST',
        routeKey: `GET ${p}`,
        rawPath: p,
        identitySource: [token],
        headers: {},
        requestContext: { http: { method: 'GET', path: p, sourceIp: '203.0.113.1' } },
      });
      if (h.isAuthorized) httpAllowed += 1;
      const e = await edge({
        Records: [
          {
            cf: {
              config: {},
              request: {
                clientIp: '203.0.113.1',
                method: 'GET',
                uri: p,
                querystring: '',
                headers: { cookie: [{ key: 'Cookie', value: `theme=dark; id_token=${token}` }] },
              },
            },
          },
        ],
      });
      if (e.uri === p) edgeAllowed += 1;
    }
    assert.deepEqual([restAllowed, httpAllowed, edgeAllowed], [count, count, count], group);
  }
});

test('all-routes policies list every route for the principal, so a cached policy fits every route', async () => {
  const token = mint(key, idClaims('rider', ['Riders']));
  const response = await restAll({ type: 'TOKEN', authorizationToken: token, methodArn: arnFor('/riders') });
  const byEffect = Object.fromEntries(response.policyDocument.Statement.map((s) => [s.Effect, s.Resource.sort()]));
  assert.deepEqual(byEffect.Allow, ['/rider', '/riders', '/unicorn', '/unicorns'].map((p) => arnFor(p)).sort());
  assert.deepEqual(byEffect.Deny, ['/trainer', '/trainers'].map((p) => arnFor(p)).sort());
  const denied = await restAll({ type: 'TOKEN', authorizationToken: token, methodArn: arnFor('/trainers') });
  assert.ok(denied.policyDocument.Statement.find((s) => s.Effect === 'Deny').Resource.includes(arnFor('/trainers')));
});

test('bad input is a 401 or a 403, never an Allow and never an unhandled exception', async () => {
  const token = mint(key, idClaims('admin', ['Admin']));
  const expired = mint(key, idClaims('admin', ['Admin'], { exp: NOW - 3600 }));
  const cases = [
    ['missing headers', () => rest({ type: 'REQUEST', methodArn: arnFor('/riders'), httpMethod: 'GET', path: '/riders' }), 401],
    [
      'token in the wrong header',
      () =>
        rest({
          type: 'REQUEST',
          methodArn: arnFor('/riders'),
          httpMethod: 'GET',
          path: '/riders',
          resource: '/riders',
          headers: { 'X-Token': `Bearer ${token}` },
        }),
      401,
    ],
    ['expired token', () => rest({ type: 'TOKEN', authorizationToken: `Bearer ${expired}`, methodArn: arnFor('/riders') }), 401],
    ['garbage token', () => rest({ type: 'TOKEN', authorizationToken: 'Bearer abc.def.ghi', methodArn: arnFor('/riders') }), 401],
    ['method ARN that does not parse', () => rest({ type: 'TOKEN', authorizationToken: token, methodArn: 'not-an-arn' }), 403],
    ['unknown route', () => rest({ type: 'TOKEN', authorizationToken: token, methodArn: arnFor('/stables') }), 403],
    ['unknown method', () => rest({ type: 'TOKEN', authorizationToken: token, methodArn: arnFor('/riders', 'DELETE') }), 403],
    ['event of the wrong type', () => rest({ type: 'WEBSOCKET', authorizationToken: token }), 401],
    ['not an event', () => rest(null), 401],
    ['an HTTP API event to the REST handler', () => rest(fixture('aws-lambda-go/apigw-v2-custom-authorizer-v2-request.json')), 401],
    [
      'a REST event to the HTTP API handler',
      () => httpApi({ type: 'TOKEN', authorizationToken: token, methodArn: arnFor('/riders') }),
      401,
    ],
    ['an HTTP API event without a route', () => httpApi({ version: '2.0', identitySource: [token] }), 403],
    ['a CloudFront event without a request', () => edge({ Records: [] }), 403],
    [
      'a CloudFront event with a garbage token',
      () =>
        edge({
          Records: [
            {
              cf: {
                request: { uri: '/riders', method: 'GET', headers: { authorization: [{ key: 'Authorization', value: 'Bearer x.y.z' }] } },
              },
            },
          ],
        }),
      401,
    ],
    [
      'a CloudFront event on an unknown route',
      () =>
        edge({
          Records: [
            {
              cf: {
                request: {
                  uri: '/stables',
                  method: 'GET',
                  headers: { authorization: [{ key: 'Authorization', value: `Bearer ${token}` }] },
                },
              },
            },
          ],
        }),
      403,
    ],
  ];
  for (const [name, call, expected] of cases) {
    let outcome;
    try {
      const response = await call();
      if (response.policyDocument) outcome = response.policyDocument.Statement.some((s) => s.Effect === 'Allow') ? 200 : 403;
      else if ('isAuthorized' in response) outcome = response.isAuthorized ? 200 : 403;
      else outcome = response.status ? Number(response.status) : 200;
    } catch (e) {
      assert.equal(e.message, 'Unauthorized', `${name}: an unexpected exception ${e.stack}`);
      outcome = 401;
    }
    assert.equal(outcome, expected, name);
  }
});

test('bad options fail at start-up with a message that says what to fix', () => {
  assert.throws(() => createRestApiAuthorizer({}), { code: 'config.invalid', message: /options.bundle is required/ });
  assert.throws(() => createRestApiAuthorizer({ ...options, policyScope: 'everything' }), { message: /policyScope/ });
  assert.throws(() => createHttpApiAuthorizer({ ...options, responseType: 'xml' }), { message: /responseType/ });
  assert.throws(() => createRestApiAuthorizer({ ...options, tokenKind: 'refresh' }), { message: /tokenKind/ });
  assert.throws(() => createRestApiAuthorizer({ bundle: store('photos'), fetchKeys: false }), { message: /no routes/ });
  assert.throws(() => createRestApiAuthorizer({ ...options, bundle: '/no/such/store' }), { code: 'store.not_found' });
  assert.throws(() => createEdgeViewerRequestHandler({ ...options, principalHeader: 'bad header' }), { message: /principalHeader/ });
});

test('a token the decision cache has nothing for is decided in one call; later requests route first, then hit or decide', async () => {
  const authorizer = Authorizer.loadSync(store('rides'), options);
  const calls = [];
  for (const name of ['prepareHttp', 'authorizeHttp']) {
    const original = authorizer[name].bind(authorizer);
    authorizer[name] = (input) => {
      calls.push(name);
      return original(input);
    };
  }
  const handler = createRestApiAuthorizer({ authorizer, clock: options.clock, logger: false });
  const plain = createRestApiAuthorizer({ bundle: store('rides'), ...options, logger: false, decisionCache: false });
  const token = mint(key, idClaims('one-call', ['Riders']));
  const event = (t, path) => ({ type: 'TOKEN', authorizationToken: t, methodArn: arnFor(path) });
  const effect = async (h, t, path) => (await h(event(t, path))).policyDocument.Statement[0].Effect;
  const steps = [
    [token, '/riders', ['authorizeHttp']],
    [token, '/riders', ['prepareHttp']],
    [token, '/trainers', ['prepareHttp', 'authorizeHttp']],
    [token, '/trainers', ['prepareHttp']],
  ];
  for (const [t, path, expected] of steps) {
    calls.length = 0;
    assert.equal(await effect(handler, t, path), await effect(plain, t, path), path);
    assert.deepEqual(calls, expected, path);
  }
  // A tampered copy has nothing kept under its digest: decided in one call, refused, and not kept.
  const i = token.length - 10;
  const tampered = token.slice(0, i) + (token[i] === 'A' ? 'B' : 'A') + token.slice(i + 1);
  for (let n = 0; n < 2; n += 1) {
    calls.length = 0;
    await assert.rejects(handler(event(tampered, '/riders')), unauthorized);
    assert.deepEqual(calls, ['authorizeHttp']);
  }
});

test('one JSON log line per decision, never the token; repeated requests hit the decision cache', async () => {
  const token = mint(key, idClaims('logger', ['Riders']));
  const authorizer = Authorizer.loadSync(store('rides'), options);
  const lines = [];
  const handler = createRestApiAuthorizer({ authorizer, clock: options.clock, logger: (l) => lines.push(l) });
  for (let i = 0; i < 5; i += 1) await handler({ type: 'TOKEN', authorizationToken: token, methodArn: arnFor('/riders') });
  const i = token.length - 10;
  const tampered = token.slice(0, i) + (token[i] === 'A' ? 'B' : 'A') + token.slice(i + 1);
  await assert.rejects(handler({ type: 'TOKEN', authorizationToken: tampered, methodArn: arnFor('/riders') }), unauthorized);
  assert.equal(lines.length, 6);
  const parsed = lines.map((l) => JSON.parse(l));
  assert.deepEqual(
    parsed.map((l) => l.cacheHit),
    [false, true, true, true, true, false],
  );
  assert.equal(parsed[0].decision, 'ALLOW');
  assert.equal(parsed[0].action, 'Rides::Action::"get /riders"');
  assert.equal(parsed[0].resource, 'Rides::Application::"Rides"');
  assert.deepEqual(parsed[0].determiningPolicies, ['riders-rider-routes']);
  assert.equal(parsed[5].decision, 'DENY');
  assert.deepEqual(parsed[5].errors, ['token.bad_signature']);
  assert.ok(typeof parsed[0].micros === 'number');
  const signature = token.split('.')[2];
  for (const line of [...lines, ...logs])
    assert.ok(!line.includes(signature) && !line.includes(token.split('.')[1]), 'a log line holds the token');
});
