// A Verified Permissions policy store as a live source, against the loopback stand-in in
// tests/fixtures/avp/ (the service's JSON 1.0 protocol and documented shapes, through the real SDK
// client): edits made in the store (a policy changed, added, deleted, a template link added) are decided
// on after one check; a check re-reads only what changed; throttling backs off; a store that no longer
// fits the deployed routes is refused and the bundle in place kept.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { createRequire } from 'node:module';
import { VerifiedPermissionsClient } from '@aws-sdk/client-verifiedpermissions';
import { Authorizer, AuthorizerLoadError, readStoreFolder } from 'cedar-authorizer';
import { store, NOW, COGNITO_ISSUER, signingKey, mint, idClaims } from './helpers.mjs';
import { avpServer, stateFromTemplate } from '../fixtures/avp/server.mjs';

const require = createRequire(import.meta.url);
const pkg = path.dirname(require.resolve('cedar-authorizer/package.json'));
const { exportTemplate } = require(path.join(pkg, 'lib/avp/export.cjs'));
const api = require(pkg);

const idp = signingKey('avp-1', 'ec');
const jwks = { [COGNITO_ISSUER]: { keys: [idp.jwk] } };
const tokenOf = (sub, groups) => mint(idp, idClaims(sub, groups));
const ask = (authorizer, sub, groups, actionId = 'get /riders') =>
  authorizer
    .isAuthorizedWithToken({
      identityToken: tokenOf(sub, groups),
      action: { actionType: 'Rides::Action', actionId },
      resource: { entityType: 'Rides::Application', entityId: 'Rides' },
    })
    .then((a) => a.decision);

/** The rides store as Verified Permissions would hold it after its exported template was deployed. */
function ridesState() {
  return stateFromTemplate(exportTemplate(api, readStoreFolder(store('rides')), { name: 'rides' }));
}

async function setUp(options = {}) {
  const state = ridesState();
  const server = await avpServer(state, { pageSize: 2 });
  const client = new VerifiedPermissionsClient({
    region: 'us-east-1',
    endpoint: server.endpoint,
    credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
    maxAttempts: 1,
  });
  let now = NOW * 1000;
  const clock = () => now;
  const advance = (seconds) => (now += seconds * 1000);
  const lines = [];
  const authorizer = await Authorizer.load(
    { verifiedPermissions: { policyStoreId: state.policyStoreId, client } },
    { fallback: store('rides'), jwks, clock, random: () => 0.5, logger: (l) => lines.push(JSON.parse(l)), ...options },
  );
  const calls = (operation) => server.log.filter((entry) => entry.operation === operation).length;
  return { state, server, authorizer, advance, lines, calls };
}

const moved = (n) => new Date(Date.UTC(2025, 0, 1, 0, n)).toISOString();

test('the store is read at load and decided on; the default and the least interval are 60 s and 15 s', async () => {
  const { state, server, authorizer } = await setUp();
  try {
    const status = authorizer.status();
    assert.equal(status.kind, 'verified-permissions');
    assert.equal(status.source, `verifiedpermissions:${state.policyStoreId}`);
    assert.equal(status.origin, 'source', JSON.stringify(status.lastError));
    assert.equal(status.intervalSeconds, 60);
    assert.equal(await ask(authorizer, 'r1', ['Riders']), 'ALLOW');
    assert.equal(await ask(authorizer, 't1', ['Trainers']), 'DENY');
    await assert.rejects(
      Authorizer.load(
        { verifiedPermissions: { policyStoreId: state.policyStoreId, endpoint: server.endpoint } },
        { fallback: store('rides'), jwks, refreshSeconds: 5 },
      ),
      (e) => e instanceof AuthorizerLoadError && e.code === 'config.invalid' && /15 s/.test(e.message),
    );
  } finally {
    await server.close();
  }
});

test('a policy edited, added and deleted, and a template link added, are each seen after one interval; only what changed is re-read', async () => {
  const { state, server, authorizer, advance, calls } = await setUp({ refreshSeconds: 15 });
  try {
    const riders = state.policies.find((p) => p.statement && p.statement.includes('riders-rider-routes'));
    assert.ok(riders);
    // Nothing changed: one listing, no policy read again.
    let before = calls('GetPolicy');
    advance(16);
    assert.deepEqual(await authorizer.refresh(), { outcome: 'unchanged' });
    assert.equal(authorizer.status().lastCheck.how, 'not-modified');
    assert.equal(calls('GetPolicy'), before);

    // Edited: riders may no longer list riders. One GetPolicy, for that policy.
    riders.statement = riders.statement.replace('Rides::Action::"get /riders",', '');
    riders.lastUpdatedDate = moved(1);
    before = calls('GetPolicy');
    advance(16);
    assert.equal((await authorizer.refresh()).outcome, 'changed');
    assert.equal(calls('GetPolicy') - before, 1);
    assert.equal(await ask(authorizer, 'r1', ['Riders']), 'DENY');
    assert.equal(await ask(authorizer, 'r1', ['Riders'], 'get /rider'), 'ALLOW');

    // Added: trainers may list riders.
    state.policies.push({
      policyId: 'SPadded0000000000000001',
      statement:
        'permit (principal in Rides::CognitoUserGroup::"us-east-1_DemoPool1|Trainers", action == Rides::Action::"get /riders", resource);',
      lastUpdatedDate: moved(2),
    });
    advance(16);
    assert.equal((await authorizer.refresh()).outcome, 'changed');
    assert.equal(await ask(authorizer, 't1', ['Trainers']), 'ALLOW');

    // Deleted again.
    state.policies.pop();
    advance(16);
    assert.equal((await authorizer.refresh()).outcome, 'changed');
    assert.equal(await ask(authorizer, 't1', ['Trainers']), 'DENY');

    // A template and a link for one user.
    state.templates.push({
      policyTemplateId: 'PTadded0000000000000001',
      statement: 'permit (principal == ?principal, action == Rides::Action::"get /riders", resource);',
      lastUpdatedDate: moved(3),
    });
    state.policies.push({
      policyId: 'SPlink00000000000000001',
      templateLinked: {
        policyTemplateId: 'PTadded0000000000000001',
        principal: { entityType: 'Rides::CognitoUser', entityId: 'us-east-1_DemoPool1|r7' },
      },
      lastUpdatedDate: moved(3),
    });
    advance(16);
    assert.equal((await authorizer.refresh()).outcome, 'changed');
    assert.equal(await ask(authorizer, 'r7', []), 'ALLOW');
    assert.equal(await ask(authorizer, 'r8', []), 'DENY');
  } finally {
    await server.close();
  }
});

test('throttling backs off; a store that no longer fits the deployed routes is refused and the bundle in place kept', async () => {
  const { state, server, authorizer, advance, lines } = await setUp({ refreshSeconds: 15 });
  try {
    server.faults.throttle.add('ListPolicies');
    advance(16);
    assert.deepEqual(await authorizer.refresh(), { outcome: 'failed', code: 'source.throttled' });
    let status = authorizer.status();
    assert.equal(status.nextCheckAt, new Date(NOW * 1000 + 16_000 + 15_000).toISOString());
    advance(16);
    await authorizer.refresh();
    status = authorizer.status();
    assert.equal(status.consecutiveFailures, 2);
    assert.equal(status.nextCheckAt, new Date(NOW * 1000 + 32_000 + 30_000).toISOString(), 'twice the interval after the second');
    assert.equal(lines.filter((l) => l.code === 'source.throttled').length, 2);
    server.faults.throttle.clear();

    // A schema without the routes' actions: the deployed routes no longer fit.
    const schema = JSON.parse(state.schema);
    delete schema.Rides.actions['get /riders'];
    state.schema = JSON.stringify(schema);
    state.schemaUpdatedDate = moved(5);
    advance(31);
    const refused = await authorizer.refresh();
    assert.equal(refused.outcome, 'failed');
    assert.match(authorizer.status().lastError.message, /get \/riders/);
    assert.equal(await ask(authorizer, 'r1', ['Riders']), 'ALLOW', 'the bundle in place decides');

    server.faults.deny.add('ListPolicies');
    advance(120);
    assert.deepEqual(await authorizer.refresh(), { outcome: 'failed', code: 'source.denied' });
    assert.match(authorizer.status().lastError.message, /verifiedpermissions:ListPolicies/);
  } finally {
    await server.close();
  }
});
