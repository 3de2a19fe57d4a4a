// The package as users get it (the packed tarball, imported as ESM): loading, decisions in Verified
// Permissions' shapes, and failures that deny with a code instead of throwing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Authorizer, AuthorizerLoadError, buildBundle, compileBundle, checkStore, readStoreFolder } from 'cedar-authorizer';
import { store, rides } from './helpers.mjs';

const ridesAuthorizer = await Authorizer.load(store('rides'));

function riderEntities(sub, groups) {
  return {
    entityList: [{ identifier: rides.user(sub), attributes: {}, parents: groups.map(rides.group) }],
  };
}

test('loads from a folder, a bundle file, a bundle object, JSON text and files, with the same hash', async () => {
  const files = readStoreFolder(store('rides'));
  const { bundle, diagnostics } = buildBundle(files);
  assert.equal(diagnostics.filter((d) => d.severity === 'error').length, 0);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ca-'));
  const file = path.join(dir, 'rides.bundle.json');
  fs.writeFileSync(file, JSON.stringify(bundle));
  const hashes = new Set();
  for (const source of [store('rides'), file, bundle, JSON.stringify(bundle), { files }]) {
    hashes.add((await Authorizer.load(source)).hash);
  }
  assert.deepEqual([...hashes], [bundle.hash]);
  assert.match(bundle.hash, /^sha256:[0-9a-f]{64}$/);
  assert.equal(Authorizer.loadSync(bundle).hash, bundle.hash);
});

test('compiled bundles run on the runtime module and answer exactly as text bundles on the full module', () => {
  let cases = 0;
  for (const name of ['rides', 'saas-tenants', 'photos']) {
    const files = readStoreFolder(store(name));
    const { bundle } = buildBundle(files);
    const compiled = compileBundle(bundle);
    const text = Authorizer.loadSync(bundle);
    assert.equal(text.stats.module, 'full');
    for (const source of [compiled, JSON.stringify(compiled)]) {
      const fast = Authorizer.loadSync(source);
      assert.equal(fast.stats.module, 'runtime', name);
      assert.deepEqual(fast.routes, text.routes);
      for (const [file, content] of Object.entries(files)) {
        if (!file.startsWith('tests/')) continue;
        const suite = JSON.parse(content);
        for (const c of suite.cases.filter((x) => x.principal)) {
          const { expect: _expect, name: _name, ...request } = c;
          const input = { ...request, entities: { entityList: [...(suite.entities || []), ...(c.entities || [])] } };
          assert.deepEqual(fast.isAuthorized(input), text.isAuthorized(input), `${name} ${file}: ${c.name}`);
          cases += 1;
        }
      }
      // Policy tests need the full module's runner: a twin runs them.
      const report = fast.runTests(files);
      assert.equal(report.failed, 0, report.text);
      assert.ok(report.passed >= 9);
    }
  }
  assert.ok(cases >= 40, `${cases} cases`);
  // A text bundle that merely mentions the compiled format still loads, on the full module.
  const files = readStoreFolder(store('rides'));
  const policy = Object.keys(files).find((f) => f.endsWith('.cedar'));
  files[policy] = `// see "cedar-authorizer/compiled-bundle"\n${files[policy]}`;
  const mentioned = Authorizer.loadSync(JSON.stringify(buildBundle(files).bundle));
  assert.equal(mentioned.stats.module, 'full');
  // A broken compiled bundle fails as such, whichever module reads it.
  const broken = { ...compileBundle(buildBundle(readStoreFolder(store('rides'))).bundle), hash: 'sha256:00' };
  assert.throws(
    () => Authorizer.loadSync(broken),
    (e) => e instanceof AuthorizerLoadError && /hash/.test(e.message),
  );
});

test('answers in Verified Permissions shape', () => {
  const answer = ridesAuthorizer.isAuthorized({
    policyStoreId: 'ignored',
    principal: rides.user('r1'),
    action: rides.action('get /riders'),
    resource: rides.app,
    context: { contextMap: {} },
    entities: riderEntities('r1', ['Riders']),
  });
  assert.deepEqual(answer, { decision: 'ALLOW', determiningPolicies: [{ policyId: 'riders-rider-routes' }], errors: [] });
  const denied = ridesAuthorizer.isAuthorized({
    principal: rides.user('r1'),
    action: rides.action('get /trainers'),
    resource: rides.app,
    entities: riderEntities('r1', ['Riders']),
  });
  assert.deepEqual(denied, { decision: 'DENY', determiningPolicies: [], errors: [] });
});

test('text crosses into the module as written: non-ASCII, surrogate pairs, long text; a lone surrogate is refused', () => {
  const files = {
    'schema.cedarschema': 'entity User; action go appliesTo { principal: User, resource: User, context: { note?: String, n?: Long } };',
    'policies.cedar': [
      '@id("café ☕ 😀")\npermit (principal == User::"ünï 😀", action, resource) when { context has note && context.note like "*é" };',
      '@id("replacement")\npermit (principal == User::"\u{FFFD}x", action, resource);',
    ].join('\n'),
  };
  const { bundle } = buildBundle(files);
  const request = (id, context) => ({
    principal: { entityType: 'User', entityId: id },
    action: { actionType: 'Action', actionId: 'go' },
    resource: { entityType: 'User', entityId: 'r' },
    context,
  });
  for (const authorizer of [Authorizer.loadSync({ files }), Authorizer.loadSync(compileBundle(bundle))]) {
    const long = 'a'.repeat(20_000);
    for (const note of [`${long}é`, `é${long}é`, `${'😀'.repeat(5_000)}é`, 'é']) {
      for (const context of [{ note }, { note, n: 2n ** 60n }]) {
        const answer = authorizer.isAuthorized(request('ünï 😀', context));
        assert.deepEqual(answer.determiningPolicies, [{ policyId: 'café ☕ 😀' }], `${authorizer.stats.module} ${note.length}`);
      }
    }
    assert.equal(authorizer.isAuthorized(request('ünï 😀', { note: `${long}e` })).decision, 'DENY');
    assert.equal(authorizer.isAuthorized(request('ünï', { note: 'é' })).decision, 'DENY');
    for (const context of [{}, { n: 2n ** 60n }]) {
      assert.deepEqual(authorizer.isAuthorized(request('\uFFFDx', context)).determiningPolicies, [{ policyId: 'replacement' }]);
      assert.equal(authorizer.isAuthorized(request('x', context)).decision, 'DENY');
    }
    // A lone surrogate is not text: JSON.stringify escapes it and the module refuses the escape.
    const lone = authorizer.isAuthorized(request('\uD83Dx', {}));
    assert.equal(lone.decision, 'DENY');
    assert.equal(lone.errors[0].code, 'request.malformed');
  }
});

test('accepts Cedar JSON context and entities as well as typed values', async () => {
  const saas = await Authorizer.load(store('saas-tenants'));
  const user = {
    uid: { type: 'SaaS::User', id: 'u' },
    attrs: { tenant: { __entity: { type: 'SaaS::Tenant', id: 'acme' } } },
    parents: [{ type: 'SaaS::Role', id: 'platform-admin' }],
  };
  const doc = {
    uid: { type: 'SaaS::Document', id: 'd' },
    attrs: {
      tenant: { __entity: { type: 'SaaS::Tenant', id: 'globex' } },
      owner: { __entity: { type: 'SaaS::User', id: 'u' } },
      classification: 'internal',
    },
    parents: [],
  };
  const base = {
    principal: { type: 'SaaS::User', id: 'u' },
    action: 'SaaS::Action::"document:read"',
    resource: { type: 'SaaS::Document', id: 'd' },
    entities: [user, doc],
  };
  const inside = saas.isAuthorized({ ...base, context: { sourceIp: '10.20.0.9' } });
  assert.equal(inside.decision, 'ALLOW');
  const typed = saas.isAuthorized({ ...base, context: { contextMap: { sourceIp: { ipaddr: '10.20.0.9' } } } });
  assert.deepEqual(typed, inside);
  const cedarJson = saas.isAuthorized({
    ...base,
    context: { cedarJson: JSON.stringify({ sourceIp: { __extn: { fn: 'ip', arg: '8.8.8.8' } } }) },
    entities: { cedarJson: JSON.stringify([user, doc]) },
  });
  assert.deepEqual(cedarJson.determiningPolicies, [{ policyId: 'platform-admin-network' }]);
  assert.equal(cedarJson.decision, 'DENY');
});

test('batchIsAuthorized answers every request, beyond 30, echoing each', () => {
  const routes = ['get /rider', 'get /riders', 'get /trainer', 'get /trainers', 'get /unicorn', 'get /unicorns'];
  const requests = [];
  for (let i = 0; i < 60; i += 1) requests.push({ principal: rides.user('t1'), action: rides.action(routes[i % 6]), resource: rides.app });
  const { results } = ridesAuthorizer.batchIsAuthorized({ requests, entities: riderEntities('t1', ['Trainers']) });
  assert.equal(results.length, 60);
  results.forEach((r, i) => {
    assert.deepEqual(r.request, requests[i]);
    assert.equal(r.decision, /trainer|unicorn/.test(routes[i % 6]) ? 'ALLOW' : 'DENY');
  });
});

test('invalid requests are a DENY with a code that names the problem, never a throw', () => {
  const cases = [
    [
      { principal: { entityType: 'Rides::Nope', entityId: 'x' }, action: rides.action('get /riders'), resource: rides.app },
      'request.invalid',
      /Rides::Nope/,
    ],
    [{ principal: rides.user('a'), action: rides.action('get /nope'), resource: rides.app }, 'request.invalid', /get \/nope/],
    [
      {
        principal: rides.user('a'),
        action: rides.action('get /riders'),
        resource: rides.app,
        context: { contextMap: { token: { string: 'x' } } },
      },
      'request.invalid_context',
      /token/,
    ],
    [
      {
        principal: rides.user('a'),
        action: rides.action('get /riders'),
        resource: rides.app,
        context: { contextMap: { token: 'untyped' } },
      },
      'request.invalid_context',
      /typed value/,
    ],
    [{ principal: rides.user('a'), action: rides.action('get /riders') }, 'request.malformed', /resource/],
    [{ action: rides.action('get /riders'), resource: rides.app }, 'request.malformed', /principal/],
    [
      {
        principal: rides.user('a'),
        action: rides.action('get /riders'),
        resource: rides.app,
        entities: { entityList: [{ identifier: rides.user('a'), attributes: { email: { long: 1 } } }] },
      },
      'request.invalid_entities',
      /email/,
    ],
    [null, 'request.malformed', /object/],
    ['a string', 'request.malformed', /object/],
    // The fields of a request in order, as a list, is no request either.
    [[null, null, rides.user('a'), rides.action('get /riders'), rides.app], 'request.malformed', /object/],
  ];
  for (const [input, code, pattern] of cases) {
    const answer = ridesAuthorizer.isAuthorized(input);
    assert.equal(answer.decision, 'DENY', JSON.stringify(input));
    assert.equal(answer.errors[0].code, code, JSON.stringify(answer));
    assert.match(answer.errors[0].errorDescription, pattern);
  }
  const circular = { principal: rides.user('a') };
  circular.self = circular;
  const answer = ridesAuthorizer.isAuthorized(circular);
  assert.equal(answer.decision, 'DENY');
  assert.equal(answer.errors[0].code, 'request.malformed', 'a request JSON cannot write is malformed, not a failure of the engine');
  assert.match(answer.errors[0].errorDescription, /circular/);
});

test('a request may not redefine a static entity', async () => {
  const saas = await Authorizer.load(store('saas-tenants'));
  const answer = saas.isAuthorized({
    principal: { type: 'SaaS::User', id: 'u' },
    action: 'SaaS::Action::"document:read"',
    resource: { type: 'SaaS::Document', id: 'd' },
    context: { sourceIp: '10.0.0.1' },
    entities: [{ uid: { type: 'SaaS::Role', id: 'member' }, attrs: {}, parents: [{ type: 'SaaS::Role', id: 'platform-admin' }] }],
  });
  assert.equal(answer.decision, 'DENY');
  assert.equal(answer.errors[0].code, 'request.entity_conflict');
});

test('bad stores and bundles fail at load with every problem located', async () => {
  const files = readStoreFolder(store('photos'));
  files['broken.cedar'] = 'permit(principal, action, resource)\nwhen { principal.nme == "x" };\n';
  files['syntax.cedar'] = 'permit(principal, action, resource) when { 1 + };\n';
  await assert.rejects(Authorizer.load({ files }), (e) => {
    assert.ok(e instanceof AuthorizerLoadError);
    assert.equal(e.code, 'store.invalid');
    assert.match(e.message, /broken\.cedar:2:8/);
    assert.match(e.message, /syntax\.cedar:1:/);
    assert.ok(e.diagnostics.some((d) => d.code === 'policy.parse' && d.file === 'syntax.cedar'));
    return true;
  });
  const { bundle } = buildBundle(readStoreFolder(store('photos')));
  const tampered = { ...bundle, policyFiles: bundle.policyFiles.map((f) => ({ ...f, text: f.text.replace('permit', 'forbid') })) };
  await assert.rejects(Authorizer.load(tampered), { name: 'AuthorizerLoadError', code: 'bundle.hash_mismatch' });
  await assert.rejects(Authorizer.load({ format: 'something-else' }), { code: 'bundle.format', message: /not a cedar-authorizer bundle/ });
  await assert.rejects(Authorizer.load('/nonexistent/store'), { code: 'store.not_found', message: /does not exist/ });
  const notJson = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ca-')), 'b.json');
  fs.writeFileSync(notJson, '{ nope');
  await assert.rejects(Authorizer.load(notJson), { code: 'bundle.invalid', message: /not JSON/ });
});

test('checkStore reports strict validation errors with line and column', () => {
  const files = readStoreFolder(store('rides'));
  files['rides.cedar'] += '\npermit(principal, action == Rides::Action::"get /ridres", resource);\n';
  const diagnostics = checkStore(files);
  const error = diagnostics.find((d) => d.severity === 'error');
  assert.equal(error.file, 'rides.cedar');
  assert.ok(error.start.line > 40, JSON.stringify(error));
  assert.match(error.errorDescription, /get \/ridres/);
});

test('policies lists ids, kinds and places', async () => {
  const photos = await Authorizer.load(store('photos'));
  const byId = Object.fromEntries(photos.policies.map((p) => [p.id, p]));
  assert.equal(byId['owner-full-access'].kind, 'static');
  assert.equal(byId['group-views-shared-photos'].kind, 'template');
  assert.equal(byId['friends-view-vacation'].kind, 'link');
  assert.equal(byId['friends-view-vacation'].templateId, 'group-views-shared-photos');
  assert.equal(byId['locked-photos'].effect, 'forbid');
  assert.deepEqual(byId['owner-full-access'].start, { line: 2, column: 1 });
});
