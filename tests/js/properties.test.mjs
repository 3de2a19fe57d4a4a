// Property tests of the handlers (fast-check): whatever the event, however malformed, and whatever the
// token string, the answer is a 401, a 403 or a Deny, never an Allow without a verified token, and never
// an exception other than API Gateway's `Unauthorized`. The case counts are printed for docs/reliability.md.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { createRestApiAuthorizer, createHttpApiAuthorizer, createEdgeViewerRequestHandler } from 'cedar-authorizer/aws';
import path from 'node:path';
import { Authorizer, readStoreFolder } from 'cedar-authorizer';
import { root, store, signingKey, mint, idClaims, NOW, COGNITO_ISSUER } from './helpers.mjs';

const RUNS = Number(process.env.PROPERTY_RUNS ?? 1500);
const key = signingKey('k1');
const options = {
  bundle: store('rides'),
  jwks: { [COGNITO_ISSUER]: { keys: [key.jwk] } },
  fetchKeys: false,
  clock: () => NOW * 1000,
  logger: false,
};
const rest = createRestApiAuthorizer(options);
const httpApi = createHttpApiAuthorizer(options);
const edge = createEdgeViewerRequestHandler(options);
const good = mint(key, idClaims('admin', ['Admin']));

/** What a handler's outcome means at the door: 'allow', 'deny' (403) or 'unauthorized' (401). */
async function outcome(call) {
  try {
    const r = await call();
    if (r && r.policyDocument) {
      assert.ok(Array.isArray(r.policyDocument.Statement));
      return r.policyDocument.Statement.some((s) => s.Effect === 'Allow') ? 'allow' : 'deny';
    }
    if (r && 'isAuthorized' in r) return r.isAuthorized === true ? 'allow' : 'deny';
    if (r && typeof r.status === 'string') return r.status === '401' ? 'unauthorized' : 'deny';
    assert.equal(typeof r.uri, 'string', `an unexpected answer ${JSON.stringify(r)}`);
    return 'allow';
  } catch (e) {
    assert.equal(e && e.message, 'Unauthorized', `an exception other than Unauthorized: ${e && e.stack}`);
    return 'unauthorized';
  }
}

// JSON-like values with the keys handlers look at, so the generator reaches deep into the adapters.
const keys = [
  'type',
  'methodArn',
  'authorizationToken',
  'headers',
  'multiValueHeaders',
  'httpMethod',
  'path',
  'resource',
  'pathParameters',
  'queryStringParameters',
  'requestContext',
  'version',
  'routeKey',
  'rawPath',
  'identitySource',
  'routeArn',
  'http',
  'method',
  'sourceIp',
  'stage',
  'Records',
  'cf',
  'request',
  'uri',
  'querystring',
  'clientIp',
  'authorization',
  'Authorization',
  'cookie',
  'value',
  'key',
];
const scalar = fc.oneof(
  fc.string(),
  fc.constantFrom(
    'TOKEN',
    'REQUEST',
    '2.0',
    '1.0',
    'GET',
    '/riders',
    'arn:aws:execute-api:us-east-1:1:a/prod/GET/riders',
    `Bearer ${good}`,
    good,
    '$default',
    'GET /riders',
  ),
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
);
const { value: anyValue } = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    scalar,
    fc.array(tie('value'), { maxLength: 3 }),
    fc.dictionary(fc.constantFrom(...keys), tie('value'), { maxKeys: 6 }),
  ),
}));

// Events that are nearly right: real shapes with each field drawn from good and bad values.
const routesOrNot = fc.constantFrom('/riders', '/trainers', '/unicorn', '/stables', '/', '/riders/x', '');
const nearlyRight = fc.oneof(
  fc.record({
    type: fc.constantFrom('TOKEN', 'REQUEST', 'token', ''),
    authorizationToken: fc.oneof(fc.constant(`Bearer ${good}`), fc.constant(good), fc.string()),
    methodArn: fc.oneof(
      routesOrNot.map((p) => `arn:aws:execute-api:us-east-1:123456789012:a/prod/GET${p}`),
      fc.string(),
    ),
    headers: fc.option(
      fc.dictionary(fc.constantFrom('Authorization', 'authorization', 'X-Token'), fc.oneof(fc.constant(`Bearer ${good}`), fc.string())),
    ),
    httpMethod: fc.constantFrom('GET', 'POST', undefined),
    path: routesOrNot,
    resource: routesOrNot,
  }),
  fc.record({
    version: fc.constantFrom('2.0', '1.0', '3'),
    routeKey: fc.oneof(
      routesOrNot.map((p) => `GET ${p}`),
      fc.constant('$default'),
    ),
    rawPath: routesOrNot,
    identitySource: fc.array(fc.oneof(fc.constant(`Bearer ${good}`), fc.string()), { maxLength: 2 }),
    requestContext: fc.record({ http: fc.record({ method: fc.constantFrom('GET', 'DELETE'), path: routesOrNot }) }),
  }),
  fc.record({
    Records: fc.tuple(
      fc.record({
        cf: fc.record({
          request: fc.record({
            uri: routesOrNot,
            method: fc.constantFrom('GET', 'PUT'),
            querystring: fc.string(),
            headers: fc.record({
              authorization: fc.array(
                fc.record({ key: fc.constant('Authorization'), value: fc.oneof(fc.constant(`Bearer ${good}`), fc.string()) }),
                { maxLength: 1 },
              ),
            }),
          }),
        }),
      }),
    ),
  }),
);

test('any event yields 401, 403 or Deny, and an Allow only for a verified token', async () => {
  let allows = 0;
  await fc.assert(
    fc.asyncProperty(fc.oneof(anyValue, nearlyRight), async (event) => {
      const text = JSON.stringify(event) ?? '';
      const carriesGood = text.includes(good);
      for (const handler of [rest, httpApi]) {
        const o = await outcome(() => handler(event));
        if (o === 'allow') {
          assert.ok(carriesGood, `an Allow without a verified token: ${text}`);
          allows += 1;
        }
      }
      const e = await outcome(() => edge(event));
      if (e === 'allow') {
        assert.ok(carriesGood, `the edge forwarded a request without a verified token: ${text}`);
        allows += 1;
      }
    }),
    { numRuns: RUNS },
  );
  console.log(
    `property: ${RUNS} random and nearly-right events through the REST, HTTP API and edge handlers; ${allows} Allows, each carrying the verified token`,
  );
  assert.ok(allows > 0, 'the generator never reached an Allow: the property proves little');
});

test('any token string yields 401 or a Deny, never an Allow, unless it is the verified token itself', async () => {
  const authorizer = Authorizer.loadSync(store('rides'), options);
  const tokenish = fc.oneof(
    fc.string({ maxLength: 2000 }),
    fc.tuple(fc.base64String(), fc.base64String(), fc.base64String()).map((p) => p.join('.').replaceAll('=', '')),
    fc
      .nat({ max: good.length - 1 })
      .chain((i) => fc.string({ minLength: 1, maxLength: 1 }).map((c) => good.slice(0, i) + c + good.slice(i + 1))),
    fc.nat({ max: good.length }).map((i) => good.slice(0, i)),
  );
  let cases = 0;
  await fc.assert(
    fc.asyncProperty(tokenish, async (token) => {
      cases += 1;
      const methodArn = 'arn:aws:execute-api:us-east-1:123456789012:a/prod/GET/riders';
      const o = await outcome(() => rest({ type: 'TOKEN', authorizationToken: `Bearer ${token}`, methodArn }));
      if (token !== good) assert.notEqual(o, 'allow', `allowed with ${JSON.stringify(token)}`);
      const answer = await authorizer.isAuthorizedWithToken({
        identityToken: token,
        action: { actionType: 'Rides::Action', actionId: 'get /riders' },
        resource: { entityType: 'Rides::Application', entityId: 'Rides' },
      });
      if (token !== good) {
        assert.equal(answer.decision, 'DENY');
        assert.equal(answer.errors.length, 1);
        assert.match(answer.errors[0].code, /^(token|jwks|mapping)\./);
      }
    }),
    { numRuns: RUNS },
  );
  console.log(`property: ${cases} random and mutated token strings; none allowed`);
});

// ---- a query parameter given more than once -------------------------------------------------------

/** The routes store with a route whose context is a query parameter: guests may read tenant `acme` only. */
function queryStore() {
  const files = readStoreFolder(path.join(root, 'tests/fixtures/routes-store'));
  const config = JSON.parse(files['authorizer.json']);
  config.routes.unshift({ method: 'GET', path: '/reports', context: { tenant: '{query.tenant}' } });
  files['authorizer.json'] = JSON.stringify(config);
  files['schema.cedarschema'] = files['schema.cedarschema'].replace(
    /\}\s*$/,
    '  action "get /reports" appliesTo { principal: [User], resource: [Application], context: { tenant: String } };\n}\n',
  );
  files['reports.cedar'] =
    '@id("guests-acme-reports")\npermit (principal in Api::Group::"us-east-1_DemoPool1|Guests", action == Api::Action::"get /reports", resource)\nwhen { context.tenant == "acme" };\n';
  return { files };
}

/** Spellings of the name `tenant` that origins decode (or fold) to the same parameter. */
const tenantSpellings = [
  'tenant',
  '%74enant',
  't%65nant',
  'ten%61nt',
  'Tenant',
  'TENANT',
  'tenan%74',
  '%2574enant',
  'te%6Eant',
  // What PHP, Rack and Express's qs read as `tenant` too: leading space, NUL, array and bracket forms.
  '%20tenant',
  'tenant%00x',
  'tenant[]',
  'tenant%5B0%5D',
  '[tenant]',
  'tenant]',
];

test('a query parameter given more than once, in any spelling, is never an Allow, in every handler', async () => {
  const { files } = queryStore();
  const opts = { ...options, bundle: { files } };
  const handlers = {
    rest: createRestApiAuthorizer(opts),
    http: createHttpApiAuthorizer(opts),
    edge: createEdgeViewerRequestHandler(opts),
  };
  const guest = mint(key, idClaims('guest', ['Guests']));
  const decode = (name) => {
    try {
      return decodeURIComponent(name);
    } catch {
      return name;
    }
  };
  /** Every event kind for one raw query string, with the parameters as API Gateway presents them. */
  function events(raw) {
    const pairs = raw
      .split('&')
      .filter(Boolean)
      .map((p) => {
        const [n, ...v] = p.split('=');
        return [decode(n), decode(v.join('='))];
      });
    const multi = {};
    for (const [n, v] of pairs) (multi[n] ??= []).push(v);
    const single = Object.fromEntries(Object.entries(multi).map(([n, vs]) => [n, vs.at(-1)]));
    const joined = Object.fromEntries(Object.entries(multi).map(([n, vs]) => [n, vs.join(',')]));
    const arn = 'arn:aws:execute-api:us-east-1:123456789012:abcdef123/prod/GET/reports';
    const request = {
      type: 'REQUEST',
      methodArn: arn,
      httpMethod: 'GET',
      path: '/reports',
      resource: '/reports',
      headers: { Authorization: `Bearer ${guest}` },
      queryStringParameters: single,
      multiValueQueryStringParameters: multi,
    };
    return [
      ['REST REQUEST', () => handlers.rest(request)],
      [
        'REST REQUEST without multi-values',
        () => handlers.rest({ ...request, multiValueQueryStringParameters: undefined, queryStringParameters: joined }),
      ],
      ['HTTP API 1.0', () => handlers.http({ ...request, version: '1.0', identitySource: `Bearer ${guest}` })],
      [
        'HTTP API 2.0',
        () =>
          handlers.http({
            version: '2.0',
            routeKey: 'GET /reports',
            rawPath: '/reports',
            rawQueryString: raw,
            queryStringParameters: joined,
            identitySource: [guest],
            headers: {},
            requestContext: { http: { method: 'GET', path: '/reports' } },
          }),
      ],
      [
        'CloudFront viewer request',
        () =>
          handlers.edge({
            Records: [
              {
                cf: {
                  config: {},
                  request: {
                    clientIp: '203.0.113.1',
                    method: 'GET',
                    uri: '/reports',
                    querystring: raw,
                    headers: { authorization: [{ key: 'Authorization', value: `Bearer ${guest}` }] },
                  },
                },
              },
            ],
          }),
      ],
    ];
  }
  // The one value, in any spelling, is decided: the property below could not hold by denying everything.
  for (const spelling of tenantSpellings.slice(0, 4)) {
    for (const [kind, call] of events(`page=1&${spelling}=acme`)) {
      if (kind === 'REST REQUEST without multi-values' && spelling !== 'tenant') continue;
      assert.equal(await outcome(call), 'allow', `${kind}: ${spelling}=acme`);
    }
  }
  const value = fc.constantFrom('acme', 'victim', 'acme,victim', '', 'ac%6De', 'acme;tenant=victim');
  const other = fc.tuple(fc.constantFrom('page', 'sort', 'x', 'tenants', 'tenant_id'), fc.constantFrom('1', 'acme', 'victim'));
  const query = fc
    .record({
      tenants: fc.array(fc.tuple(fc.constantFrom(...tenantSpellings), value), { minLength: 2, maxLength: 4 }),
      others: fc.array(other, { maxLength: 3 }),
      rotate: fc.nat(),
      separator: fc.constantFrom('&', '&', '&', ';'),
    })
    .map(({ tenants, others, rotate, separator }) => {
      const parts = [...tenants.map(([n, v]) => `${n}=${v}`), ...others.map(([n, v]) => `${n}=${v}`)];
      const at = rotate % parts.length;
      return [...parts.slice(at), ...parts.slice(0, at)].join(separator);
    });
  let cases = 0;
  await fc.assert(
    fc.asyncProperty(query, async (raw) => {
      for (const [kind, call] of events(raw)) {
        // Without the list of values (an event with the last value only, or values joined by commas), a
        // repeat that API Gateway joined is one value; a repeat it hid by keeping the last is its loss.
        if (kind === 'REST REQUEST without multi-values') continue;
        cases += 1;
        const got = await outcome(call);
        assert.notEqual(got, 'allow', `${kind}: ?${raw}`);
      }
    }),
    { numRuns: Math.min(RUNS, 400) },
  );
  console.log(`property: ${cases} events with a repeated or re-spelled query parameter, none allowed`);
});
