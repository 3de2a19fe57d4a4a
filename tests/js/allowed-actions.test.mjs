// allowedActions: every action of the schema that applies to a principal and a resource, each decided. Each
// entry must equal one isAuthorized of that action alone, on the example stores and on stores of Cedar's
// conformance corpus (every request's principal and resource, every action of each schema), in Node and
// through the Verified Permissions endpoint.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import JSONbig from 'json-bigint';
import { Authorizer, createVerifiedPermissionsServer } from 'cedar-authorizer';
import { store, rides, shared, root, NOW, signingKey, mint, idClaims, COGNITO_ISSUER } from './helpers.mjs';

/** Checks every entry against isAuthorized of its action alone; returns the count checked. */
function checkOneByOne(authorizer, input, answer) {
  assert.deepEqual(answer.errors, [], JSON.stringify(answer.errors));
  for (const entry of answer.actions) {
    const { action, ...decided } = entry;
    assert.deepEqual(
      decided,
      authorizer.isAuthorized({ ...input, action }),
      `${JSON.stringify(input.principal)} ${JSON.stringify(action)}`,
    );
  }
  return answer.actions.length;
}

const ridesEntities = (group) => ({
  entityList: [{ identifier: rides.user('alice'), parents: [rides.group(group)] }],
});

test('the rides store: the actions a rider, a trainer and an admin may take, each as isAuthorized answers it', async () => {
  const authorizer = await Authorizer.load(store('rides'));
  const allowedBy = {};
  for (const group of ['Riders', 'Trainers', 'Admin']) {
    const input = { principal: rides.user('alice'), resource: rides.app, entities: ridesEntities(group) };
    const answer = await authorizer.allowedActions(input);
    assert.equal(checkOneByOne(authorizer, input, answer), 6);
    assert.deepEqual(answer.principal, rides.user('alice'));
    allowedBy[group] = answer.actions.filter((a) => a.decision === 'ALLOW').map((a) => a.action.actionId);
  }
  assert.deepEqual(allowedBy, {
    Riders: ['get /rider', 'get /riders', 'get /unicorn', 'get /unicorns'],
    Trainers: ['get /trainer', 'get /trainers', 'get /unicorn', 'get /unicorns'],
    Admin: ['get /rider', 'get /riders', 'get /trainer', 'get /trainers', 'get /unicorn', 'get /unicorns'],
  });
});

test('with a token: the principal is the one it maps to; a bad token is refused with its code', async () => {
  const key = signingKey('allowed-key');
  const authorizer = await Authorizer.load(store('rides'), { jwks: { [COGNITO_ISSUER]: { keys: [key.jwk] } }, clock: () => NOW * 1000 });
  const token = mint(key, idClaims('trainer-1', ['Trainers']));
  const answer = await authorizer.allowedActions({ identityToken: token, resource: rides.app });
  assert.deepEqual(answer.errors, []);
  assert.deepEqual(answer.principal, rides.user('trainer-1'));
  for (const { action, ...decided } of answer.actions) {
    assert.deepEqual(decided, await authorizer.isAuthorizedWithToken({ identityToken: token, action, resource: rides.app }));
  }
  assert.deepEqual(
    answer.actions.filter((a) => a.decision === 'ALLOW').map((a) => a.action.actionId),
    ['get /trainer', 'get /trainers', 'get /unicorn', 'get /unicorns'],
  );
  const expired = await authorizer.allowedActions({
    identityToken: mint(key, idClaims('x', [], { iat: NOW - 7200, exp: NOW - 3600 })),
    resource: rides.app,
  });
  assert.deepEqual(expired.actions, []);
  assert.equal(expired.errors[0].code, 'token.expired');
  const nothing = await authorizer.allowedActions({ resource: rides.app });
  assert.equal(nothing.errors[0].code, 'request.invalid');
  const circular = {};
  circular.self = circular;
  assert.equal((await authorizer.allowedActions(circular)).errors[0].code, 'request.malformed');
});

test("the other example stores: every test case's principal and resource", async () => {
  let checked = 0;
  for (const name of ['photos', 'saas-tenants']) {
    const authorizer = await Authorizer.load(store(name));
    const report = authorizer.runTests();
    for (const c of report.cases) {
      if (!c.request.principal || !c.request.resource) continue;
      const input = { principal: c.request.principal, resource: c.request.resource, context: c.request.context };
      const { entities } = JSON.parse(fs.readFileSync(path.join(store(name), c.file), 'utf8'));
      if (entities) input.entities = entities;
      checked += checkOneByOne(authorizer, input, await authorizer.allowedActions(input));
    }
  }
  assert.ok(checked > 20, `${checked} actions checked`);
});

test("Cedar's conformance corpus: every action of each schema, for every request's principal and resource", async () => {
  const lossless = JSONbig({ useNativeBigInt: true });
  const hand = path.join(shared, 'corpora/cedar');
  const generated = path.join(root, 'build/corpus/corpus-tests');
  const files = [
    ...['decimal', 'example_use_cases', 'ip', 'multi'].flatMap((g) =>
      fs
        .readdirSync(path.join(hand, 'tests', g))
        .filter((f) => f.endsWith('.json'))
        .map((f) => [hand, path.join(hand, 'tests', g, f)]),
    ),
    // Every generated test: each has its own schema.
    ...fs
      .readdirSync(generated)
      .filter((f) => f.endsWith('.json') && !f.endsWith('.entities.json'))
      .sort()
      .map((f) => [path.join(root, 'build/corpus'), path.join(generated, f)]),
  ];
  let checked = 0;
  let stores = 0;
  for (const [base, file] of files) {
    const t = lossless.parse(fs.readFileSync(file, 'utf8'));
    const read = (rel) => fs.readFileSync(path.join(base, rel), 'utf8');
    let authorizer;
    try {
      authorizer = await Authorizer.load({
        files: {
          [t.schemaFormat === 'json' ? 'schema.cedarschema.json' : 'schema.cedarschema']: read(t.schema),
          'policy.cedar': read(t.policies),
          'entities.json': read(t.entities),
          'authorizer.json': JSON.stringify({ validationSettings: { mode: 'OFF' } }),
        },
      });
    } catch {
      continue; // a corpus store this package refuses to load is conformance.test.mjs's business
    }
    stores += 1;
    for (const r of t.requests) {
      if (!r.principal || !r.resource) continue;
      const input = { principal: r.principal, resource: r.resource, context: r.context };
      const answer = await authorizer.allowedActions(input);
      if (answer.errors.length > 0) {
        // A principal or resource the schema does not know has no actions, and says why.
        assert.deepEqual(answer.actions, []);
        continue;
      }
      checked += checkOneByOne(authorizer, input, answer);
    }
  }
  assert.ok(stores > 7000 && checked > 20000, `${stores} stores, ${checked} actions checked`);
});

test('through the Verified Permissions endpoint: CedarAuthorizer.AllowedActions answers as in process', async () => {
  const authorizer = await Authorizer.load(store('rides'));
  const endpoint = createVerifiedPermissionsServer(authorizer, { policyStoreId: 'PSrides', port: 0, logger: false });
  const { url } = await endpoint.listen();
  try {
    const input = { principal: rides.user('alice'), resource: rides.app, entities: ridesEntities('Riders') };
    const call = (body, target = 'CedarAuthorizer.AllowedActions') =>
      fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': target },
        body: JSON.stringify(body),
      });
    const res = await call({ policyStoreId: 'PSrides', ...input });
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), JSON.parse(JSON.stringify(await authorizer.allowedActions(input))));
    const bad = await call({ policyStoreId: 'PSrides', principal: { entityType: 'x' } });
    assert.equal((await bad.json()).__type.split('#').pop(), 'ValidationException');
    const notTheService = await call({ policyStoreId: 'PSrides', ...input }, 'VerifiedPermissions.AllowedActions');
    assert.equal((await notTheService.json()).__type.split('#').pop(), 'UnknownOperationException');
  } finally {
    await endpoint.close();
  }
});
