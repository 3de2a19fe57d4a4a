// Reading events into facts, IAM policies, key sets given up front and the module's outcomes: unit tests
// of the package's JavaScript source (no wasm build needed; `make check` runs them).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const events = require('../../../js/lib/aws/events.cjs');
const { policyDocument } = require('../../../js/lib/aws/iam-policy.cjs');
const { keySetsByIssuer } = require('../../../js/lib/jwks.cjs');
const { success, loadError } = require('../../../js/lib/engine.cjs');
const { entityText } = require('../../../js/lib/entity.cjs');

test('a header is read whatever its case, and a header given twice has no one value', () => {
  assert.equal(events.header({ Authorization: 'Bearer a.b.c' }, 'authorization'), 'Bearer a.b.c');
  assert.equal(events.header({ authorization: ['Bearer a.b.c'] }, 'Authorization'), 'Bearer a.b.c');
  assert.equal(events.header({ authorization: ['Bearer a.b.c', 'Bearer d.e.f'] }, 'authorization'), undefined);
  assert.equal(events.header({ Authorization: 'x', authorization: 'y' }, 'authorization'), undefined);
  assert.deepEqual(events.allHeaders({ 'X-Tenant': 'a' }, { 'x-tenant': ['a', 'b'], n: [1] }), { 'x-tenant': ['a', 'b'] });
});

test('bearer tokens, method ARNs and cookies are read strictly', () => {
  assert.equal(events.bearer('Bearer a.b.c'), 'a.b.c');
  assert.equal(events.bearer('a.b.c'), 'a.b.c');
  assert.equal(events.bearer('Basic dXNlcg=='), undefined);
  assert.deepEqual(events.parseMethodArn('arn:aws:execute-api:us-east-1:1:api/prod/get/riders/7'), {
    base: 'arn:aws:execute-api:us-east-1:1:api/prod',
    method: 'get',
    path: '/riders/7',
  });
  assert.equal(events.parseMethodArn('arn:aws:execute-api:us-east-1:1:api/prod/GET').path, '/');
  assert.equal(events.parseMethodArn('not-an-arn'), undefined);
  assert.equal(events.cookie(['a=1; id_token=x.y.z'], 'id_token'), 'x.y.z');
  assert.equal(events.cookie(['id_token=%E0%A4%A'], 'id_token'), undefined, 'a bad escape is no value, not a throw');
  assert.equal(events.cookie(['id_token=a.b.c', 'id_token=d.e.f'], 'id_token'), undefined, 'given twice: ambiguous');
});

test('IAM policies: the method ARN alone, or the cache policy with the request denied when it is refused', () => {
  const arn = 'arn:aws:execute-api:us-east-1:1:api/prod/GET/riders';
  assert.deepEqual(policyDocument({ decision: 'ALLOW' }, arn, 'route').Statement, [
    { Action: 'execute-api:Invoke', Effect: 'Allow', Resource: [arn] },
  ]);
  const cachePolicy = { allow: ['GET/riders', 'GET/riders/*'], deny: ['GET/riders/*/*'] };
  const allRoutes = policyDocument({ decision: 'DENY', cachePolicy }, `${arn}/x/y`, 'all-routes');
  assert.deepEqual(
    allRoutes.Statement.map((s) => [s.Effect, s.Resource]),
    [
      ['Allow', ['arn:aws:execute-api:us-east-1:1:api/prod/GET/riders', 'arn:aws:execute-api:us-east-1:1:api/prod/GET/riders/*']],
      ['Deny', ['arn:aws:execute-api:us-east-1:1:api/prod/GET/riders/*/*', `${arn}/x/y`]],
    ],
  );
});

test('a plain key set is taken for the store of one issuer, and refused with a reason otherwise', () => {
  const jwks = { keys: [{ kty: 'RSA' }] };
  assert.deepEqual(keySetsByIssuer(jwks, ['https://a']), { 'https://a': jwks });
  assert.throws(() => keySetsByIssuer(jwks, ['https://a', 'https://b']), {
    code: 'config.invalid',
    message: /2 issuers.*https:\/\/a, https:\/\/b/,
  });
  assert.throws(() => keySetsByIssuer({ 'https://c': jwks }, ['https://a']), {
    code: 'config.invalid',
    message: /https:\/\/c.*not an issuer/,
  });
  assert.deepEqual(keySetsByIssuer(undefined, ['https://a']), {});
});

test('outcomes: a success loses its tag; a failure becomes an AuthorizerLoadError with the first code', () => {
  assert.deepEqual(success({ type: 'success', hash: 'h' }), { hash: 'h' });
  const error = loadError({
    type: 'failure',
    errors: [
      { code: 'store.invalid', errorDescription: 'the policy store has errors' },
      { code: 'policy.parse', errorDescription: 'unexpected token', file: 'a.cedar', start: { line: 2, column: 3 } },
    ],
  });
  assert.equal(error.name, 'AuthorizerLoadError');
  assert.equal(error.code, 'store.invalid');
  assert.match(error.message, /a\.cedar:2:3: unexpected token/);
  assert.equal(error.errors.length, 2);
  assert.equal(entityText({ entityType: 'A::User', entityId: 'x"y' }), 'A::User::"x\\"y"');
  assert.equal(entityText({ type: 'A::Action', id: 'go' }), 'A::Action::"go"');
});
