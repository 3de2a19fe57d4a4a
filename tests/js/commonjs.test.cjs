// The same package through require(): CommonJS users get the same API and the same answers.
const { test } = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');

const store = (name) => path.resolve(__dirname, '../../policies', name);

test('require() gives the same Authorizer and answers', async () => {
  const cjs = require('cedar-authorizer');
  const esm = await import('cedar-authorizer');
  assert.equal(typeof cjs.Authorizer.load, 'function');
  const a = await cjs.Authorizer.load(store('photos'));
  const b = await esm.Authorizer.load(store('photos'));
  assert.equal(a.hash, b.hash);
  const request = {
    principal: { entityType: 'Photos::User', entityId: 'ben' },
    action: { actionType: 'Photos::Action', actionId: 'viewPhoto' },
    resource: { entityType: 'Photos::Photo', entityId: 'beach.jpg' },
  };
  assert.deepEqual(a.isAuthorized(request), b.isAuthorized(request));
  assert.deepEqual(a.isAuthorized(request).determiningPolicies, [{ policyId: 'friends-view-vacation' }]);
  assert.ok(cjs.AuthorizerLoadError.prototype instanceof Error);
});

test('the package exposes only its public entry points', () => {
  const pkg = require('cedar-authorizer/package.json');
  assert.equal(pkg.name, 'cedar-authorizer');
  assert.throws(() => require('cedar-authorizer/lib/api.cjs'), { code: 'ERR_PACKAGE_PATH_NOT_EXPORTED' });
  const schema = require('cedar-authorizer/schema/authorizer.schema.json');
  assert.equal(schema.type, 'object');
});
