// The policies the API Gateway handlers return with policyScope 'all-routes' are cached by API Gateway for
// the token and applied to every later request with it. Property: under IAM's matching rules, such a policy
// never allows a request ARN that `authorizeHttp` denies when asked directly, for random principals, random
// first requests and random later requests (deeper paths, trailing slashes, dot segments, escapes of every
// kind, other methods). The IAM matcher below is written from the IAM documentation, not from the core's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import fc from 'fast-check';
import { createRestApiAuthorizer, createHttpApiAuthorizer } from 'cedar-authorizer/aws';
import { Authorizer, readStoreFolder } from 'cedar-authorizer';
import { root, signingKey, mint, idClaims, NOW, COGNITO_ISSUER } from './helpers.mjs';

const RUNS = Number(process.env.CACHE_POLICY_RUNS ?? 250);
const PER_RUN = 40;

/**
 * IAM's `Resource` matching (IAM User Guide, "IAM JSON policy elements: Resource"): `*` matches any
 * combination of characters, `?` any single character, everything else itself, case-sensitively; an
 * explicit Deny overrides any Allow, and without an Allow the request is implicitly denied.
 */
function iamMatches(pattern, text) {
  const p = [...pattern];
  const t = [...text];
  // can[j]: the first i characters of the pattern match the first j of the text (a table over prefixes).
  let can = t.map(() => false);
  can = [true, ...can];
  for (const c of p) {
    const next = new Array(t.length + 1).fill(false);
    for (let j = 0; j <= t.length; j += 1) {
      if (c === '*') next[j] = can[j] || (j > 0 && next[j - 1]);
      else next[j] = j > 0 && can[j - 1] && (c === '?' || c === t[j - 1]);
    }
    can = next;
  }
  return can[t.length];
}
function iamAllows(policyDocument, arn) {
  const resources = (effect) =>
    policyDocument.Statement.filter((s) => s.Effect === effect && s.Action === 'execute-api:Invoke').flatMap((s) => [].concat(s.Resource));
  if (resources('Deny').some((r) => iamMatches(r, arn))) return false;
  return resources('Allow').some((r) => iamMatches(r, arn));
}

test('the IAM matcher follows the documented rules', () => {
  assert.ok(iamMatches('a/*', 'a/b/c'));
  assert.ok(iamMatches('a/*', 'a/'));
  assert.ok(!iamMatches('a/*', 'a'));
  assert.ok(iamMatches('a?c', 'abc'));
  assert.ok(!iamMatches('a?c', 'ac'));
  assert.ok(!iamMatches('GET/x', 'get/x'));
  assert.ok(iamMatches('a.b', 'a.b') && !iamMatches('a.b', 'axb'));
  const doc = {
    Statement: [
      { Action: 'execute-api:Invoke', Effect: 'Allow', Resource: ['x/*'] },
      { Action: 'execute-api:Invoke', Effect: 'Deny', Resource: 'x/admin*' },
    ],
  };
  assert.ok(iamAllows(doc, 'x/riders') && !iamAllows(doc, 'x/admin/1') && !iamAllows(doc, 'y/riders'));
});

// The routes store without its header route: policyScope 'all-routes' refuses stores whose routes read
// headers (a cache keyed by the token cannot tell such requests apart; see security.test.mjs).
const files = readStoreFolder(path.join(root, 'tests/fixtures/routes-store'));
const config = JSON.parse(files['authorizer.json']);
config.routes = config.routes.filter((r) => !JSON.stringify(r.context ?? {}).includes('{header.'));
files['authorizer.json'] = JSON.stringify(config);

const key = signingKey('k1');
const options = {
  bundle: { files },
  jwks: { [COGNITO_ISSUER]: { keys: [key.jwk] } },
  fetchKeys: false,
  clock: () => NOW * 1000,
  logger: false,
  decisionCache: false,
};
const authorizer = Authorizer.loadSync({ files }, options);
const handlers = {
  'REST TOKEN': createRestApiAuthorizer({ ...options, policyScope: 'all-routes' }),
  'REST REQUEST': createRestApiAuthorizer({ ...options, policyScope: 'all-routes' }),
  'HTTP API (IAM)': createHttpApiAuthorizer({ ...options, policyScope: 'all-routes', responseType: 'iam' }),
};
const BASE = 'arn:aws:execute-api:us-east-1:123456789012:abcdef123/prod';

const groups = fc.subarray(['Admin', 'Riders', 'Guests', 'Readers'], { maxLength: 2 });
const method = fc.constantFrom('GET', 'GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS', 'get', 'PROPFIND');
const segment = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('riders', 'riders', 'me', '7', 'payments', 'admin', 'x', 'docs', 'public', 'secret') },
  {
    weight: 3,
    arbitrary: fc.constantFrom(
      '',
      '.',
      '..',
      '%2e',
      '%2E%2e',
      '%61dmin',
      'a%2Fb',
      'RIDERS',
      'me;x',
      'a%20b',
      '%',
      '%zz',
      '*',
      '?',
      '$x',
      'a\\b',
      '%00',
      'café',
      'pay%6Dents',
    ),
  },
  { weight: 1, arbitrary: fc.string({ maxLength: 4 }).filter((s) => !s.includes('/')) },
);
const requestPath = fc.tuple(fc.array(segment, { maxLength: 5 }), fc.boolean()).map(([parts, trailing]) => {
  const p = parts.map((s) => `/${s}`).join('');
  return p === '' || trailing ? `${p}/` : p;
});
const ownRequest = fc.oneof(
  fc.constantFrom(
    ['GET', '/riders'],
    ['GET', '/riders/me'],
    ['GET', '/riders/7'],
    ['POST', '/riders'],
    ['PUT', '/riders/7/payments'],
    ['DELETE', '/riders/7/payments'],
    ['GET', '/admin/a/b'],
    ['GET', '/docs/public'],
    ['GET', '/docs/secret'],
    ['GET', '/anything'],
    ['GET', '/'],
  ),
  fc.tuple(method, requestPath),
);

function event(kind, token, m, p) {
  const methodArn = `${BASE}/${m}${p}`;
  if (kind === 'REST TOKEN') return { type: 'TOKEN', authorizationToken: `Bearer ${token}`, methodArn };
  if (kind === 'REST REQUEST') return { type: 'REQUEST', methodArn, httpMethod: m, path: p, headers: { Authorization: `Bearer ${token}` } };
  return {
    version: '2.0',
    type: 'REQUEST',
    routeArn: methodArn,
    rawPath: p,
    identitySource: [`Bearer ${token}`],
    headers: {},
    requestContext: { http: { method: m, path: p } },
  };
}

for (const [kind, handler] of Object.entries(handlers)) {
  test(`${kind}: a cached all-routes policy never allows what a direct decision denies`, async () => {
    let checked = 0;
    let allowed = 0;
    let own = 0;
    await fc.assert(
      fc.asyncProperty(
        groups,
        ownRequest,
        fc.array(fc.tuple(method, requestPath), { minLength: PER_RUN, maxLength: PER_RUN }),
        async (g, [m, p], later) => {
          const token = mint(key, idClaims(`u-${g.join('-')}`, g));
          let response;
          try {
            response = await handler(event(kind, token, m, p));
          } catch (e) {
            assert.equal(e.message, 'Unauthorized');
            return;
          }
          const direct = await authorizer.authorizeHttp({ token, http: { method: m, path: p } });
          // The request's own ARN is in the policy unless its path holds a character IAM reads as a wildcard
          // or a variable (`*`, `?`, `$`): no exact pattern exists for it.
          if (direct.decision === 'ALLOW' && !/[*?$]/.test(p)) {
            own += 1;
            assert.ok(
              iamAllows(response.policyDocument, `${BASE}/${m}${p}`),
              `${kind} ${m} ${p}: the request itself is not allowed by ${JSON.stringify(response.policyDocument)}`,
            );
          }
          for (const [m2, p2] of later) {
            checked += 1;
            const arn2 = `${BASE}/${m2}${p2}`;
            if (!iamAllows(response.policyDocument, arn2)) continue;
            allowed += 1;
            const answer = await authorizer.authorizeHttp({ token, http: { method: m2, path: p2 } });
            assert.equal(
              answer.decision,
              'ALLOW',
              `${kind}: the policy cached for ${g} on ${m} ${p} allows ${m2} ${p2}, which a direct decision denies (${JSON.stringify(answer.errors)})\n${JSON.stringify(response.policyDocument, null, 1)}`,
            );
          }
        },
      ),
      { numRuns: RUNS },
    );
    console.log(
      `cache policy (${kind}): ${RUNS} cached policies, ${checked} later requests, ${allowed} allowed from the cache and each allowed directly; ${own} first requests allowed`,
    );
    assert.ok(checked >= 10_000, `${checked} requests checked`);
    assert.ok(allowed > 500, `only ${allowed} requests were allowed from a cached policy: the property proves little`);
  });
}
