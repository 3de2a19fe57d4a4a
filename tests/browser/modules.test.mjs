// The test bench's modules that need no page: the schema reader that fills the pickers, entity references,
// store files (a bundle opened back into files must build the same bundle), and the share-link codec.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildBundle, readStoreFolder } from '../../js/index.mjs';
import { knownEntityIds, readSchema } from '../../js/test-bench/schema-reader.mjs';
import { entityText, referenceParts } from '../../js/test-bench/references.mjs';
import { compareStorePaths, filesFromBundle, fileKind, freshPolicyFileName, splitTests } from '../../js/test-bench/store-files.mjs';
import { decodeState, encodeState, linkFor, stateInFragment } from '../../js/test-bench/share.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const store = (name) => readStoreFolder(path.join(root, 'policies', name));

test('the schema reader finds the entity types and actions of every example schema', () => {
  const rides = readSchema(store('rides'));
  assert.deepEqual(
    rides.entityTypes.map((e) => e.name),
    ['Rides::CognitoUserGroup', 'Rides::CognitoUser', 'Rides::Application'],
  );
  assert.deepEqual(rides.entityTypes[1].memberOf, ['Rides::CognitoUserGroup']);
  assert.deepEqual(
    rides.actions.map((a) => a.id),
    ['get /rider', 'get /riders', 'get /trainer', 'get /trainers', 'get /unicorn', 'get /unicorns'],
  );
  for (const action of rides.actions) {
    assert.equal(action.type, 'Rides::Action');
    assert.deepEqual([action.principalTypes, action.resourceTypes], [['Rides::CognitoUser'], ['Rides::Application']]);
  }
  const saas = readSchema(store('saas-tenants'));
  assert.deepEqual(
    saas.actions.map((a) => a.id),
    ['document:read', 'document:write', 'document:delete'],
  );
  assert.deepEqual(saas.entityTypes.find((e) => e.name === 'SaaS::Role').memberOf, ['SaaS::Role']);
  for (const name of fs.readdirSync(path.join(root, 'policies'))) {
    const schema = readSchema(store(name));
    assert.ok(schema.entityTypes.length > 0 && schema.actions.length > 0, `${name}: ${JSON.stringify(schema)}`);
  }
});

test('the schema reader handles both formats, enums, groups, and text the engine would reject', () => {
  const text = `
    @doc("top level") entity Team;
    entity User in [Team] { name: String, "odd key"?: Set<Long> };
    entity Color enum ["red", "green"];
    namespace App::Core {
      entity Doc in Team tags String;
      action "read", write in ["all"] appliesTo { principal: [User, Other::Admin], resource: Doc, context: { a: { b: Long } } };
      action all;
    }`;
  const schema = readSchema({ 'schema.cedarschema': text });
  assert.deepEqual(
    schema.entityTypes.map((e) => [e.name, e.memberOf]),
    [
      ['Team', []],
      ['User', ['Team']],
      ['Color', []],
      ['App::Core::Doc', ['Team']],
    ],
  );
  assert.deepEqual(schema.entityTypes[2].enumIds, ['red', 'green']);
  assert.deepEqual(
    schema.actions.map((a) => [a.type, a.id, a.appliesTo, a.principalTypes, a.resourceTypes]),
    [
      ['App::Core::Action', 'read', true, ['User', 'Other::Admin'], ['App::Core::Doc']],
      ['App::Core::Action', 'write', true, ['User', 'Other::Admin'], ['App::Core::Doc']],
      ['App::Core::Action', 'all', false, [], []],
    ],
  );
  const json = readSchema({
    'schema.cedarschema.json': JSON.stringify({
      App: {
        entityTypes: { User: { memberOfTypes: ['Team'] }, Team: {} },
        actions: { view: { appliesTo: { principalTypes: ['User'], resourceTypes: ['Team'] } } },
      },
    }),
  });
  assert.deepEqual(json.actions, [
    { type: 'App::Action', id: 'view', appliesTo: true, principalTypes: ['App::User'], resourceTypes: ['App::Team'] },
  ]);
  for (const broken of ['namespace A { entity X { a: ', 'action "unterminated', '}}}} ;;; entity', '', '{not json']) {
    assert.doesNotThrow(() => readSchema({ 'schema.cedarschema': broken }));
    assert.doesNotThrow(() => readSchema({ 'schema.cedarschema.json': broken }));
  }
  assert.deepEqual(
    readSchema({ 'schema.cedarschema': 'namespace A { entity X; action "oops" appliesTo { principal: [X' }).entityTypes.map((e) => e.name),
    ['A::X'],
  );
});

test('entity ids are suggested from entity lists in both forms', () => {
  const ids = knownEntityIds([
    [{ uid: { type: 'A::User', id: 'ana' }, parents: [{ type: 'A::Group', id: 'g' }] }],
    [{ identifier: { entityType: 'A::User', entityId: 'ben' } }, { uid: { entityType: 'A::Doc', entityId: 'd1' } }],
    'not a list',
  ]);
  assert.deepEqual([...ids.get('A::User')], ['ana', 'ben']);
  assert.deepEqual([...ids.get('A::Group')], ['g']);
  assert.deepEqual([...ids.get('A::Doc')], ['d1']);
});

test('entity references in every accepted form', () => {
  const expected = { type: 'Rides::CognitoUser', id: 'pool|a "quoted" id' };
  for (const reference of [
    { entityType: expected.type, entityId: expected.id },
    { type: expected.type, id: expected.id },
    { __entity: { type: expected.type, id: expected.id } },
    `${expected.type}::${JSON.stringify(expected.id)}`,
  ])
    assert.deepEqual(referenceParts(reference), expected);
  assert.deepEqual(referenceParts({ actionType: 'Rides::Action', actionId: 'get /riders' }), { type: 'Rides::Action', id: 'get /riders' });
  assert.equal(entityText({ entityType: 'A::B', entityId: 'x' }), 'A::B::"x"');
});

test('a bundle opened back into files builds the same bundle, for every example', () => {
  for (const name of fs.readdirSync(path.join(root, 'policies'))) {
    const { store: files, tests } = splitTests(store(name));
    assert.ok(Object.keys(tests).length > 0 && Object.keys(tests).every((p) => fileKind(p) === 'test'));
    const { bundle } = buildBundle(files);
    const reopened = filesFromBundle(bundle);
    assert.equal(buildBundle(reopened).bundle.hash, bundle.hash, name);
  }
  assert.throws(() => filesFromBundle({ format: 'something-else' }), /not a policy store bundle/);
});

test('store files are ordered schema first and new policy files never overwrite one', () => {
  const paths = ['authorizer.json', 'b.cedar', 'links.json', 'schema.cedarschema', 'a.cedar', 'entities.json'];
  assert.deepEqual(paths.sort(compareStorePaths), [
    'schema.cedarschema',
    'a.cedar',
    'b.cedar',
    'links.json',
    'entities.json',
    'authorizer.json',
  ]);
  assert.equal(freshPolicyFileName({ 'policies.cedar': '' }, 'policies'), 'policies-2.cedar');
  assert.equal(freshPolicyFileName({}, 'admin'), 'admin.cedar');
});

test('share links round-trip the state, compressed, and refuse damaged ones', async () => {
  const state = {
    name: 'rides',
    files: store('rides'),
    request: { action: { type: 'Rides::Action', id: 'get /riders' } },
    note: 'ünïcødé ✓',
  };
  const encoded = await encodeState(state);
  assert.match(encoded, /^[A-Za-z0-9_-]+$/);
  assert.ok(encoded.length < JSON.stringify(state).length / 2, `${encoded.length} characters`);
  assert.deepEqual(await decodeState(encoded), { v: 1, ...state });
  const link = linkFor(encoded, 'https://example.test/bench/?now=1800000000#old');
  assert.equal(link, `https://example.test/bench/?now=1800000000#state=${encoded}`);
  assert.equal(stateInFragment(new URL(link).hash), encoded);
  await assert.rejects(decodeState(encoded.slice(0, encoded.length / 2)), /could not be read/);
  await assert.rejects(decodeState('AAAA'), /could not be read/);
  await assert.rejects(decodeState(await encodeState({ v: 99 })), /version 99; this page reads version 1/);
});
