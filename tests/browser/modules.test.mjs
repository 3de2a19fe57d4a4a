// The test bench's modules that need no page: the pickers' view of the schema outline, completion and
// hover, the fields of the schema forms, entity references, store files (a bundle opened back into files
// must build the same bundle), and the share-link codec.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Authorizer, buildBundle, readStoreFolder, schemaOutline } from '../../js/index.mjs';
import { parseJson, parseJsonField, pretty } from '../../js/test-bench/dom.mjs';
import { knownEntityIds, pickerInfo, schemaPath } from '../../js/test-bench/schema-reader.mjs';
import { completionsAt, hoverAt } from '../../js/test-bench/cedar-assist.mjs';
import { controlKind, parentsText, parseParents, parseValue, valueText } from '../../js/test-bench/schema-forms.mjs';
import { entityText, referenceParts } from '../../js/test-bench/references.mjs';
import { compareStorePaths, filesFromBundle, fileKind, freshPolicyFileName, splitTests } from '../../js/test-bench/store-files.mjs';
import { decodeState, encodeState, linkFor, stateInFragment } from '../../js/test-bench/share.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const store = (name) => readStoreFolder(path.join(root, 'policies', name));

test("the pickers list every example schema's entity types and actions, from the engine's outline", () => {
  const outlineOf = (files) => {
    const path = schemaPath(files);
    return pickerInfo(schemaOutline(files[path], { format: path.endsWith('.json') ? 'json' : 'cedar' }).outline);
  };
  const rides = outlineOf(store('rides'));
  assert.deepEqual(
    rides.entityTypes.map((e) => e.name),
    ['Rides::Application', 'Rides::CognitoUser', 'Rides::CognitoUserGroup'],
  );
  assert.deepEqual(rides.entityTypes[1].memberOf, ['Rides::CognitoUserGroup']);
  assert.deepEqual(
    rides.actions.map((a) => a.id),
    ['get /rider', 'get /riders', 'get /trainer', 'get /trainers', 'get /unicorn', 'get /unicorns'],
  );
  for (const action of rides.actions) {
    assert.equal(action.type, 'Rides::Action');
    assert.deepEqual(
      [action.principalTypes, action.resourceTypes, action.appliesTo],
      [['Rides::CognitoUser'], ['Rides::Application'], true],
    );
  }
  const saas = outlineOf(store('saas-tenants'));
  assert.deepEqual(saas.actions.map((a) => a.id).sort(), ['document:delete', 'document:read', 'document:write']);
  assert.deepEqual(saas.entityTypes.find((e) => e.name === 'SaaS::Role').memberOf, ['SaaS::Role']);
  for (const name of fs.readdirSync(path.join(root, 'policies'))) {
    const schema = outlineOf(store(name));
    assert.ok(schema.entityTypes.length > 0 && schema.actions.length > 0, `${name}: ${JSON.stringify(schema)}`);
  }
  const groups = pickerInfo(
    schemaOutline('entity Color enum ["red", "green"]; entity U; action all; action read in [all] appliesTo { principal: U, resource: U };')
      .outline,
  );
  assert.deepEqual(groups.entityTypes.find((e) => e.name === 'Color').enumIds, ['red', 'green']);
  assert.deepEqual(
    groups.actions.map((a) => [a.id, a.appliesTo]),
    [
      ['all', false],
      ['read', true],
    ],
  );
  assert.equal(schemaPath({ 'schema.cedarschema.json': '{}', 'a.cedar': '' }), 'schema.cedarschema.json');
  assert.equal(schemaPath({ 'a.cedar': '' }), undefined);
});

const ASSIST_SCHEMA = `namespace App {
  type Address = { city: String, zip?: String };
  entity Group;
  entity User in [Group] { email: String, "given name"?: String, address?: Address, manager?: User };
  entity Doc { owner: User, tags: Set<String> };
  action read, write appliesTo { principal: User, resource: Doc, context: { ip?: ipaddr, mfa: Bool } };
  action admin appliesTo { principal: Group, resource: Doc };
}`;

test('completion offers what the schema declares at the cursor', () => {
  const outline = schemaOutline(ASSIST_SCHEMA).outline;
  const labels = (text, explicit = false) => completionsAt(text, text.length, outline, { explicit })?.options.map((o) => o.label);
  const when = 'permit (principal, action == App::Action::"read", resource) when { ';
  assert.deepEqual(labels(`${when}principal.`), ['address', 'email', 'given name', 'manager']);
  assert.deepEqual(labels(`${when}principal.address.`), ['city', 'zip']);
  assert.deepEqual(labels(`${when}resource.owner.manager.em`), ['address', 'email', 'given name', 'manager']);
  assert.deepEqual(labels(`${when}context.`), ['ip', 'mfa']);
  assert.deepEqual(labels(`${when}principal has `), ['address', 'email', '"given name"', 'manager']);
  assert.deepEqual(labels('permit (principal, action == App::Action::"admin", resource) when { principal.'), undefined);
  assert.deepEqual(labels('permit (principal, action == App::Action::"'), ['"admin"', '"read"', '"write"']);
  const names = labels('permit (principal is App::', true);
  assert.ok(names.includes('App::User') && names.includes('App::Action::"read"'), names.join());
  assert.ok(labels('', true).includes('permit'));
  assert.equal(labels(''), undefined, 'nothing typed, not asked: nothing offered');
  assert.equal(labels('// principal.'), undefined, 'nothing in comments');
  assert.equal(completionsAt(`${when}principal.`, 0, outline), null);
  const detail = completionsAt(`${when}principal.`, `${when}principal.`.length, outline).options.find((o) => o.label === 'address').detail;
  assert.equal(detail, '{ city: String, zip?: String } (optional)');
});

test('hover shows the type of an attribute, an action and an entity type', () => {
  const outline = schemaOutline(ASSIST_SCHEMA).outline;
  const policy = 'permit (principal, action == App::Action::"read", resource) when { principal.address.city == "x" && context.mfa };';
  const at = (word, offset = 1) => hoverAt(policy, policy.indexOf(word) + offset, outline);
  assert.equal(at('city').title, 'city: String');
  assert.deepEqual(at('city').lines[2], ['of', 'App::User.address']);
  assert.equal(at('mfa').title, 'mfa: Bool');
  assert.equal(at('"read"').title, 'App::Action::"read"');
  assert.deepEqual(at('"read"').lines.slice(0, 2), [
    ['principal', 'App::User'],
    ['resource', 'App::Doc'],
  ]);
  assert.equal(at('principal.').title, 'principal');
  assert.deepEqual(at('principal.').lines, [['type', 'App::User']]);
  assert.equal(hoverAt('permit (principal is App::Doc, action, resource);', 25, outline).title, 'entity App::Doc');
  assert.equal(at('"x"'), null);
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

test('form fields read and write JSON values by the attribute type', () => {
  const attribute = (type, extra = {}) => ({ name: 'a', type, required: true, ...extra });
  const long = attribute('Long');
  assert.equal(controlKind(long), 'long');
  assert.deepEqual(parseValue(long, '42'), { value: 42 });
  assert.ok(parseValue(long, '4.2').error);
  assert.deepEqual(parseValue(long, ''), { value: undefined });
  const ip = attribute('ipaddr');
  assert.deepEqual(parseValue(ip, ' 10.0.0.1 '), { value: { __extn: { fn: 'ip', arg: '10.0.0.1' } } });
  assert.equal(valueText(ip, { __extn: { fn: 'ip', arg: '10.0.0.1' } }), '10.0.0.1');
  assert.equal(valueText(ip, '10.0.0.2'), '10.0.0.2');
  const owner = attribute('App::User', { entityType: 'App::User' });
  assert.equal(controlKind(owner), 'entity');
  assert.deepEqual(parseValue(owner, 'ana'), { value: { __entity: { type: 'App::User', id: 'ana' } } });
  assert.equal(valueText(owner, { __entity: { type: 'App::User', id: 'ana' } }), 'ana');
  const friends = attribute('Set<App::User>', { entityType: 'App::User' });
  assert.equal(controlKind(friends), 'json');
  assert.deepEqual(parseValue(friends, '[1, 2]'), { value: [1, 2] });
  assert.match(parseValue(friends, '[1,').error, /^JSON: /);
  const flag = attribute('Bool');
  assert.deepEqual(
    [parseValue(flag, 'true'), parseValue(flag, 'false'), parseValue(flag, '')],
    [{ value: true }, { value: false }, { value: undefined }],
  );
  assert.equal(valueText(attribute('String'), ''), '');
  assert.deepEqual(parseValue(attribute('String'), ''), { value: '' });
  assert.deepEqual(parseParents('App::Group::"a", App::Group::"b, c"'), {
    value: [
      { type: 'App::Group', id: 'a' },
      { type: 'App::Group', id: 'b, c' },
    ],
  });
  assert.ok(parseParents('App::Group::"a", oops').error);
  assert.equal(
    parentsText([
      { type: 'App::Group', id: 'a' },
      { type: 'G', id: 'x"y' },
    ]),
    'App::Group::"a", G::"x\\"y"',
  );
});

test('JSON the page reads and writes keeps Longs beyond 2^53 exact, and the engine decides on the exact value', () => {
  const text = '{"big": 9007199254740993, "min": -9223372036854775808, "small": 12, "real": 2.5, "s": "9007199254740993", "q": "a\\"1"}';
  const value = parseJson(text);
  assert.equal(value.big, 9007199254740993n);
  assert.equal(value.min, -9223372036854775808n);
  assert.equal(value.small, 12);
  assert.equal(value.real, 2.5);
  assert.equal(value.s, '9007199254740993', 'digits inside a string stay a string');
  assert.deepEqual(parseJson(pretty(value)), value, 'written back digit for digit');
  assert.match(pretty(value), /"big": 9007199254740993,/);
  assert.deepEqual(parseJson('{"x": [1, 2]}'), { x: [1, 2] });
  assert.throws(() => parseJson('{"x": }'), SyntaxError);
  assert.throws(() => parseJsonField('[9007199254740993', 'Context', {}), /Context is not valid JSON/);
  // A string that looks like the page's own marker is only a string.
  assert.deepEqual(parseJson(pretty({ m: '\u0000integer-abc:5', big: 2n ** 60n })), { m: '\u0000integer-abc:5', big: 2n ** 60n });

  // The form's Long field: beyond 2^53 as BigInt, shown back exactly.
  const long = { name: 'n', type: 'Long' };
  assert.deepEqual(parseValue(long, '9007199254740993'), { value: 9007199254740993n });
  assert.deepEqual(parseValue(long, ' 42 '), { value: 42 });
  assert.equal(valueText(long, 9007199254740993n), '9007199254740993');
  assert.equal(valueText({ name: 'j', type: 'Set<Long>' }, [9007199254740993n]), '[9007199254740993]');

  // What Run sends: the engine compares the exact value (9007199254740992 would be a different answer).
  const { bundle } = buildBundle({
    'schema.cedarschema': 'entity U; entity R; action a appliesTo { principal: U, resource: R, context: { n: Long } };',
    'p.cedar': 'permit (principal, action, resource) when { context.n == 9007199254740993 };',
  });
  const authorizer = Authorizer.loadSync(bundle);
  const decide = (contextText) =>
    authorizer.isAuthorized({
      principal: { entityType: 'U', entityId: 'u' },
      action: { actionType: 'Action', actionId: 'a' },
      resource: { entityType: 'R', entityId: 'r' },
      context: parseJsonField(contextText, 'Context', {}),
    }).decision;
  assert.equal(decide('{"n": 9007199254740993}'), 'ALLOW');
  assert.equal(decide('{"n": 9007199254740992}'), 'DENY');
});
