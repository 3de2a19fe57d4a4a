// `cedar-authorizer import` through the real AWS SDK client against a loopback stand-in for Verified
// Permissions (tests/fixtures/avp/server.mjs: the AWS JSON 1.0 protocol, the API reference's response
// shapes, each operation's page cited there): every list followed over several pages, throttling retried
// by the SDK, access denied named by the IAM permission it lacks, and the imported store deciding exactly
// as the store it was served from.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { Authorizer, buildBundle, readStoreFolder } from 'cedar-authorizer';
import { root, store } from './helpers.mjs';
import { avpServer, stateFromTemplate } from '../fixtures/avp/server.mjs';

const require = createRequire(import.meta.url);
const pkg = path.dirname(require.resolve('cedar-authorizer/package.json'));
const api = require(pkg);
const { exportTemplate } = require(path.join(pkg, 'lib/avp/export.cjs'));
const bin = path.join(root, 'node_modules/.bin/cedar-authorizer');
const native = JSON.parse(fs.readFileSync(path.join(root, 'tests/fixtures/avp/native-store.json'), 'utf8')).state;

// The SDK's standard credential chain, fed from the environment: dummy keys, no profile, no IMDS.
const env = {
  ...process.env,
  AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
  AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  AWS_SESSION_TOKEN: '',
  AWS_PROFILE: '',
  AWS_EC2_METADATA_DISABLED: 'true',
};
const tmp = (name) => path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ca-avp-')), name);

/** The CLI, asynchronously: the stand-in server runs in this process. */
function cli(args, extraEnv = {}) {
  return new Promise((resolve) => {
    const child = spawn(bin, args, { cwd: root, env: { ...env, ...extraEnv } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

const importArgs = (server, state, out) => [
  'import',
  '--policy-store-id',
  state.policyStoreId,
  '--region',
  'us-east-1',
  '--endpoint',
  server.endpoint,
  '-o',
  out,
];
/** Imported link id -> the original's, matched by template, principal and resource. */
function linkRenames(original, imported) {
  const read = (files) => buildBundle(files).bundle.links;
  const key = (l) => JSON.stringify([l.templateId, l.principal, l.resource]);
  const names = new Map(read(original).map((l) => [key(l), l.id]));
  return new Map(read(imported).map((l) => [l.id, names.get(key(l))]));
}

const calls = (server, operation) => server.log.filter((l) => l.operation === operation);

test('a store made in Verified Permissions: every page read, every part written in this layout', async () => {
  const server = await avpServer(native, { pageSize: 2 });
  try {
    const out = tmp('docs');
    const r = await cli(importArgs(server, native, out));
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /wrote .*docs: 3 policies, 1 templates, 2 links, 1 identity sources, validation STRICT/);

    // Five policies over three pages, each page asked for with the previous page's token.
    const pages = calls(server, 'ListPolicies');
    assert.equal(pages.length, 3);
    assert.equal(pages[0].input.nextToken, undefined);
    assert.ok(pages[1].input.nextToken && pages[2].input.nextToken && pages[1].input.nextToken !== pages[2].input.nextToken);
    assert.equal(calls(server, 'GetPolicy').length, 3, 'one GetPolicy per static policy (the list has no statements)');
    assert.equal(calls(server, 'GetPolicyTemplate').length, 1);
    for (const l of server.log) {
      assert.equal(l.contentType, 'application/x-amz-json-1.0');
      assert.match(
        l.authorization,
        /^AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE\/\d{8}\/us-east-1\/verifiedpermissions\/aws4_request/,
      );
    }

    const files = readStoreFolder(out);
    assert.deepEqual(Object.keys(files).sort(), [
      'PTEXAMPLEabcdefg000001.cedar',
      'SPEXAMPLEabcdefg000001.cedar',
      'SPEXAMPLEabcdefg000002.cedar',
      'SPEXAMPLEabcdefg000003.cedar',
      'authorizer.json',
      'links.json',
      'schema.cedarschema',
    ]);
    assert.equal(
      files['SPEXAMPLEabcdefg000001.cedar'],
      '// Owners read and write their docs\n@id("SPEXAMPLEabcdefg000001")\npermit (principal, action in [Docs::Action::"read", Docs::Action::"write"], resource)\nwhen { resource.owner == principal };\n',
    );
    assert.ok(files['SPEXAMPLEabcdefg000002.cedar'].startsWith('@id("SPEXAMPLEabcdefg000002")\npermit'), 'no description: no comment');
    assert.match(files['schema.cedarschema'], /^namespace Docs \{/);
    assert.deepEqual(JSON.parse(files['links.json']), [
      {
        id: 'SPEXAMPLEabcdefg000004',
        templateId: 'PTEXAMPLEabcdefg000001',
        principal: { entityType: 'Docs::Team', entityId: 'editors' },
        resource: { entityType: 'Docs::Folder', entityId: 'handbook' },
      },
      {
        id: 'SPEXAMPLEabcdefg000005',
        templateId: 'PTEXAMPLEabcdefg000001',
        principal: { entityType: 'Docs::User', entityId: 'ana' },
        resource: { entityType: 'Docs::Folder', entityId: 'drafts' },
      },
    ]);
    assert.deepEqual(JSON.parse(files['authorizer.json']), {
      validationSettings: { mode: 'STRICT' },
      identitySources: [
        {
          principalEntityType: 'Docs::User',
          configuration: {
            openIdConnectConfiguration: {
              issuer: 'https://login.example.com',
              entityIdPrefix: 'login',
              groupConfiguration: { groupClaim: 'teams', groupEntityType: 'Docs::Team' },
              tokenSelection: { accessTokenOnly: { audiences: ['docs-api'], principalIdClaim: 'sub' } },
            },
          },
        },
      ],
    });
    const validate = spawnSync(bin, ['validate', out], { encoding: 'utf8' });
    assert.equal(validate.status, 0, validate.stderr);

    // The imported store decides: a link lets the editors team write the handbook, the forbid wins on public docs.
    const authorizer = await Authorizer.load({ files }, { fetchKeys: false });
    const decide = (principal, parents, action, doc, attrs) =>
      authorizer.isAuthorized({
        principal: { entityType: 'Docs::User', entityId: principal },
        action: { actionType: 'Docs::Action', actionId: action },
        resource: { entityType: 'Docs::Doc', entityId: doc },
        entities: [
          { uid: { type: 'Docs::User', id: principal }, attrs: {}, parents: parents.map((id) => ({ type: 'Docs::Team', id })) },
          { uid: { type: 'Docs::User', id: 'owner' }, attrs: {}, parents: [] },
          {
            uid: { type: 'Docs::Doc', id: doc },
            attrs: { owner: { __entity: { type: 'Docs::User', id: 'owner' } }, ...attrs },
            parents: [{ type: 'Docs::Folder', id: 'handbook' }],
          },
        ],
      });
    const write = decide('bo', ['editors'], 'write', 'intro', { public: false });
    assert.equal(write.decision, 'ALLOW');
    assert.deepEqual(write.determiningPolicies, [{ policyId: 'SPEXAMPLEabcdefg000004' }]);
    const forbidden = decide('bo', ['editors'], 'write', 'intro', { public: true });
    assert.equal(forbidden.decision, 'DENY');
    assert.deepEqual(forbidden.determiningPolicies, [{ policyId: 'SPEXAMPLEabcdefg000003' }]);
  } finally {
    await server.close();
  }
});

test('ThrottlingException is retried by the SDK, and the import completes', async () => {
  const server = await avpServer(native, { pageSize: 2 });
  try {
    server.faults.throttleOnce.add('ListPolicies');
    server.faults.throttleOnce.add('GetPolicyTemplate');
    const out = tmp('docs');
    const r = await cli(importArgs(server, native, out));
    assert.equal(r.status, 0, r.stderr);
    // The first page was asked for twice (throttled, then answered), and so was the template.
    const firstPage = calls(server, 'ListPolicies').filter((l) => l.input.nextToken === undefined);
    assert.equal(firstPage.length, 2);
    assert.equal(calls(server, 'GetPolicyTemplate').length, 2);
    assert.ok(fs.existsSync(path.join(out, 'PTEXAMPLEabcdefg000001.cedar')));
  } finally {
    await server.close();
  }
});

test('access denied names the IAM permission to add, and writes nothing', async () => {
  const server = await avpServer(native);
  try {
    for (const operation of ['ListPolicies', 'GetPolicyTemplate', 'GetSchema']) {
      server.faults.deny = new Set([operation]);
      const out = tmp('docs');
      const r = await cli(importArgs(server, native, out));
      assert.equal(r.status, 1);
      assert.match(
        r.stderr,
        new RegExp(
          `^error: access denied to Verified Permissions' ${operation} on policy store \`${native.policyStoreId}\`: the credentials need the IAM permission \`verifiedpermissions:${operation}\``,
          'm',
        ),
      );
      assert.ok(!fs.existsSync(out), 'nothing written');
      assert.equal(calls(server, operation).filter((l) => l.operation === operation).length > 0, true);
    }
    // A store id that is not there, and bad usage.
    server.faults.deny = new Set();
    const missing = await cli(importArgs(server, { policyStoreId: 'PSnothere' }, tmp('x')));
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /no such resource in policy store `PSnothere`/);
    const usage = await cli(['import', '--region', 'us-east-1', '-o', tmp('x')]);
    assert.equal(usage.status, 2);
    assert.match(usage.stderr, /missing --policy-store-id/);
    // An existing folder is never overwritten.
    const existing = await cli(importArgs(server, native, store('rides')));
    assert.equal(existing.status, 1);
    assert.match(existing.stderr, /already exists and is not empty/);
  } finally {
    await server.close();
  }
});

test('without the AWS SDK installed, import says which package to install', async () => {
  const hide = tmp('hide-sdk.cjs');
  fs.writeFileSync(
    hide,
    `const Module = require('module');
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  if (request === '@aws-sdk/client-verifiedpermissions') {
    const e = new Error("Cannot find module '" + request + "'");
    e.code = 'MODULE_NOT_FOUND';
    throw e;
  }
  return resolve.call(this, request, ...rest);
};`,
  );
  const r = await cli(['import', '--policy-store-id', 'PS1', '--region', 'us-east-1', '-o', tmp('x')], {
    NODE_OPTIONS: `--require ${hide}`,
  });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /run `npm install @aws-sdk\/client-verifiedpermissions`/);
});

test('two statements with the same @id are refused, naming both policies', async () => {
  const state = structuredClone(native);
  state.policies[0].statement = `@id("same")\n${state.policies[0].statement}`;
  state.policies[1].statement = `@id("same")\n${state.policies[1].statement}`;
  const server = await avpServer(state);
  try {
    const out = tmp('docs');
    const r = await cli(importArgs(server, state, out));
    assert.equal(r.status, 1);
    assert.match(r.stderr, /policies `SPEXAMPLEabcdefg000001` and `SPEXAMPLEabcdefg000002` both have the id `same`/);
    assert.ok(!fs.existsSync(out));
  } finally {
    await server.close();
  }
});

test('a policy or template description can never become policy text, whatever line terminators it holds', async () => {
  // Descriptions are written as `//` comments. Cedar's lexer ends a comment at `\n` and at `\r`
  // (`//[^\n\r]*`); editors and terminals also break lines at the others. After each, a permit-all; at the
  // end, an ANSI escape that erases the line on a terminal and a right-to-left override.
  const permitAll = 'permit (principal, action, resource);';
  const ends = ['\n', '\r', '\r\n', '\u2028', '\u2029', '\u0085', '\v', '\f'];
  const hostile = `Looks harmless${ends.map((end) => `${end}${permitAll}`).join('')}\u001b[2K\u202e`;
  const state = structuredClone(native);
  for (const p of state.policies.filter((x) => x.statement)) p.description = hostile;
  for (const t of state.templates) t.description = hostile;
  const server = await avpServer(state);
  try {
    const out = tmp('docs');
    const r = await cli(importArgs(server, state, out));
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /3 policies, 1 templates, 2 links/);
    const files = readStoreFolder(out);

    // Cedar's reading of the written store: exactly the policies, templates and links of the source store.
    const { bundle, diagnostics } = buildBundle(files);
    assert.ok(bundle, JSON.stringify(diagnostics));
    const idsOf = (kind) =>
      bundle.policies
        .filter((p) => p.kind === kind)
        .map((p) => p.id)
        .sort();
    const statics = state.policies.filter((p) => p.statement).map((p) => p.policyId);
    const templates = state.templates.map((t) => t.policyTemplateId);
    assert.deepEqual(idsOf('static'), statics.sort());
    assert.deepEqual(idsOf('template'), templates.sort());
    assert.deepEqual(idsOf('link'), ['SPEXAMPLEabcdefg000004', 'SPEXAMPLEabcdefg000005']);
    assert.equal(bundle.policies.length, native.policies.length + native.templates.length);

    // Every line of the description is a comment line of its own; nothing is left raw for a terminal.
    const comment = ['Looks harmless', ...ends.map(() => permitAll)].map((line) => `// ${line}`);
    comment[comment.length - 1] += '\\u{1b}[2K\\u{202e}';
    for (const id of [...statics, ...templates]) {
      const text = files[`${id}.cedar`];
      assert.ok(text.startsWith(`${comment.join('\n')}\n@id("${id}")\n`), `${id}: ${JSON.stringify(text)}`);
      // eslint-disable-next-line no-control-regex
      assert.doesNotMatch(text, /[\r\v\f\u0085\u2028\u2029\u001b\u202e]/, id);
    }

    // And the store decides as the source does: a stranger is denied what the permit-all would allow.
    const authorizer = await Authorizer.load({ files }, { fetchKeys: false });
    const stranger = authorizer.isAuthorized({
      principal: { entityType: 'Docs::User', entityId: 'stranger' },
      action: { actionType: 'Docs::Action', actionId: 'write' },
      resource: { entityType: 'Docs::Doc', entityId: 'intro' },
      entities: [
        { uid: { type: 'Docs::User', id: 'stranger' }, attrs: {}, parents: [] },
        { uid: { type: 'Docs::User', id: 'owner' }, attrs: {}, parents: [] },
        {
          uid: { type: 'Docs::Doc', id: 'intro' },
          attrs: { owner: { __entity: { type: 'Docs::User', id: 'owner' } }, public: false },
          parents: [],
        },
      ],
    });
    assert.equal(stranger.decision, 'DENY');
    assert.deepEqual(stranger.determiningPolicies, []);
  } finally {
    await server.close();
  }
});

test('a policy file Cedar would read with more policies than the store holds there is refused, and nothing written', async () => {
  // Verified Permissions holds one policy per statement; a served statement holding two is not written.
  const state = structuredClone(native);
  state.policies[1].statement += '\npermit (principal, action, resource);';
  const server = await avpServer(state);
  try {
    const out = tmp('docs');
    const r = await cli(importArgs(server, state, out));
    assert.equal(r.status, 1);
    assert.match(
      r.stderr,
      /Cedar reads 2 policies in `SPEXAMPLEabcdefg000002\.cedar` as it would be written, where the policy store has 1/,
    );
    assert.ok(!fs.existsSync(out));
  } finally {
    await server.close();
  }
});

test('a schema whose Cedar form would lose something is kept in JSON form', async () => {
  const schema = JSON.parse(native.schema);
  schema.Docs.entityTypes.User.shape.additionalAttributes = true;
  const state = { ...native, schema: JSON.stringify(schema) };
  const server = await avpServer(state);
  try {
    const out = tmp('docs');
    const r = await cli(importArgs(server, state, out));
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /warning: the schema does not convert to Cedar form without loss/);
    assert.ok(!fs.existsSync(path.join(out, 'schema.cedarschema')));
    assert.deepEqual(JSON.parse(fs.readFileSync(path.join(out, 'schema.cedarschema.json'), 'utf8')), schema);
  } finally {
    await server.close();
  }
});

test('every example store, served and imported, validates, passes its own tests and decides the same', async () => {
  for (const name of ['rides', 'photos', 'saas-tenants']) {
    const original = readStoreFolder(store(name));
    const state = stateFromTemplate(JSON.parse(JSON.stringify(exportTemplate(api, original, { name }))));
    const server = await avpServer(state, { pageSize: 2 });
    try {
      const out = tmp(name);
      const r = await cli(importArgs(server, state, out));
      assert.equal(r.status, 0, r.stderr);
      // Static entities and test files are not something Verified Permissions holds: bring them along.
      for (const extra of ['entities.json', 'tests']) {
        if (fs.existsSync(path.join(store(name), extra)))
          fs.cpSync(path.join(store(name), extra), path.join(out, extra), { recursive: true });
      }
      const validate = spawnSync(bin, ['validate', out], { encoding: 'utf8' });
      assert.equal(validate.status, 0, `${name}: validate\n${validate.stderr}`);
      // Verified Permissions names a template link by the policy id it gave it: the only thing that differs.
      const imported = readStoreFolder(out);
      const linkIds = linkRenames(original, imported);
      const tests = spawnSync(bin, ['test', out, '--json'], { encoding: 'utf8' });
      const cases = JSON.parse(tests.stdout).cases;
      for (const c of cases.filter((x) => !x.passed)) {
        const got = c.actual.determiningPolicies.map((p) => linkIds.get(p.policyId) ?? p.policyId);
        assert.deepEqual(got, c.expect.determiningPolicies, `${name}: ${c.name}`);
        assert.equal(c.actual.decision, c.expect.decision, `${name}: ${c.name}`);
      }
      assert.equal(cases.filter((x) => !x.passed).length, name === 'photos' ? 2 : 0, `${name}: ${tests.stdout}`);
      // Every request of the store's tests, with every action of the schema: the same answers.
      const a = await Authorizer.load({ files: original }, { fetchKeys: false });
      const b = await Authorizer.load({ files: imported }, { fetchKeys: false });
      const report = a.runTests(original);
      const actions = new Set(report.cases.map((c) => JSON.stringify(c.request.action)));
      let compared = 0;
      for (const c of report.cases.filter((x) => x.request.principal)) {
        for (const action of actions) {
          const request = { ...c.request, action: JSON.parse(action) };
          const testFile = JSON.parse(original[c.file]);
          const entities = [...(testFile.entities ?? []), ...(c.request.entities ?? [])];
          const withEntities = entities.length > 0 ? { ...request, entities: { entityList: entities } } : request;
          const left = a.isAuthorized(withEntities);
          const right = b.isAuthorized(withEntities);
          right.determiningPolicies = right.determiningPolicies.map((p) => ({ policyId: linkIds.get(p.policyId) ?? p.policyId }));
          assert.deepEqual(right, left, `${name}: ${JSON.stringify(request)}`);
          compared += 1;
        }
      }
      assert.ok(compared > 10, `${name}: ${compared} requests compared`);
      assert.notEqual(buildBundle(imported).bundle.hash, undefined);
    } finally {
      await server.close();
    }
  }
});

test('the import and export lines of README.md and docs/verified-permissions.md run as written', async () => {
  // As written, with the endpoint from the environment (the SDK's AWS_ENDPOINT_URL_<SERVICE>), in a scratch
  // folder inside the clone so `npx cedar-authorizer` resolves the package; `policies` is the repository's.
  const layoutState = stateFromTemplate(
    JSON.parse(JSON.stringify(exportTemplate(api, readStoreFolder(store('rides')), { name: 'rides' }))),
    native.policyStoreId,
  );
  let ran = 0;
  for (const doc of ['README.md', 'docs/verified-permissions.md']) {
    const text = fs.readFileSync(path.join(root, doc), 'utf8');
    const lines = [...text.matchAll(/```sh\n([\s\S]*?)```/g)]
      .flatMap((m) => m[1].split('\n'))
      .filter((l) => /^npx cedar-authorizer (import|export) /.test(l));
    assert.ok(lines.length > 0, doc);
    fs.mkdirSync(path.join(root, 'build'), { recursive: true });
    const scratch = fs.mkdtempSync(path.join(root, 'build', 'avp-docs-'));
    fs.symlinkSync(path.join(root, 'policies'), path.join(scratch, 'policies'));
    try {
      for (const line of lines) {
        const server = await avpServer(line.includes('--layout') ? layoutState : native);
        try {
          const r = await new Promise((resolve) => {
            const child = spawn('sh', ['-c', line], {
              cwd: scratch,
              env: { ...env, AWS_ENDPOINT_URL_VERIFIEDPERMISSIONS: server.endpoint, npm_config_offline: 'true' },
            });
            let out = '';
            child.stdout.on('data', (c) => (out += c));
            child.stderr.on('data', (c) => (out += c));
            child.on('close', (status) => resolve({ status, out }));
          });
          assert.equal(r.status, 0, `${doc}: \`${line}\`\n${r.out}`);
          assert.doesNotMatch(r.out, /^warning:/m, `${doc}: \`${line}\``);
          ran += 1;
        } finally {
          await server.close();
        }
      }
      if (fs.existsSync(path.join(scratch, 'rides-again'))) {
        const again = buildBundle(readStoreFolder(path.join(scratch, 'rides-again'))).bundle.hash;
        assert.equal(again, buildBundle(readStoreFolder(store('rides'))).bundle.hash, 'the documented round trip');
      }
    } finally {
      fs.rmSync(scratch, { recursive: true, force: true });
    }
  }
  assert.equal(ran, 5);
});
