// `cedar-authorizer export --cloudformation`: the template of every example store passes cfn-lint, reads back
// (with PyYAML, an independent YAML reader) to exactly what was meant, and round-trips: store -> template ->
// what Verified Permissions would hold after the stack is created, served on loopback -> `import` with the
// template's layout -> a bundle with the same content hash as the store's. What Verified Permissions cannot
// hold is refused, naming the quota.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { buildBundle, readStoreFolder } from 'cedar-authorizer';
import { root, store } from './helpers.mjs';
import { avpServer, stateFromTemplate } from '../fixtures/avp/server.mjs';

const require = createRequire(import.meta.url);
const pkg = path.dirname(require.resolve('cedar-authorizer/package.json'));
const api = require(pkg);
const { exportTemplate, layoutOf } = require(path.join(pkg, 'lib/avp/export.cjs'));
const { importPolicyStore } = require(path.join(pkg, 'lib/avp/import.cjs'));
const { readYaml: readOwnYamlText } = require(path.join(pkg, 'lib/avp/yaml.cjs'));
// The `yaml` package as the package itself resolves it, read here with its default, YAML 1.2 core schema.
const YAML = createRequire(path.join(pkg, 'package.json'))('yaml');
const bin = path.join(root, 'node_modules/.bin/cedar-authorizer');
// Every example store in policies/.
const examples = fs
  .readdirSync(path.join(root, 'policies'))
  .filter((name) => fs.existsSync(path.join(store(name), 'authorizer.json')))
  .sort();

// cfn-lint from the Makefile's virtualenv (`make cfn-lint`); its Python has PyYAML, which reads the templates back.
const CFN_LINT = process.env.CFN_LINT ?? path.join(os.homedir(), '.cache/cedar-authorizer/cfn-lint-1.58.0/bin/cfn-lint');
const PYTHON = path.join(path.dirname(CFN_LINT), 'python');
if (!fs.existsSync(CFN_LINT)) throw new Error(`cfn-lint is not at ${CFN_LINT}: run \`make cfn-lint\` (or set CFN_LINT)`);

const tmp = (name) => path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ca-cfn-')), name);
const cli = (...args) => spawnSync(bin, args, { encoding: 'utf8', cwd: root });
const awsEnv = {
  ...process.env,
  AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
  AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  AWS_PROFILE: '',
  AWS_EC2_METADATA_DISABLED: 'true',
};

/** The CLI without blocking this process, where the stand-in server runs. */
function cliAsync(...args) {
  return new Promise((resolve) => {
    const child = spawn(bin, args, { cwd: root, env: awsEnv });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

const readOwnYaml = readOwnYamlText;

/** The template's YAML read by PyYAML (safe_load), as JSON. */
function readYaml(file) {
  const r = spawnSync(PYTHON, ['-c', 'import sys, json, yaml; json.dump(yaml.safe_load(open(sys.argv[1])), sys.stdout)', file], {
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout);
}

function exportStore(dir) {
  const out = tmp(`${path.basename(dir)}.yaml`);
  const r = cli('export', '--cloudformation', dir, '-o', out);
  return { ...r, out };
}

/**
 * Exports the store in `dir` and checks the template: cfn-lint passes it, and PyYAML (YAML 1.1), the `yaml`
 * package (YAML 1.2) and the package's own reader all read it back as exactly the template meant.
 */
function exportAndReadBack(name, dir) {
  const { status, stdout, stderr, out } = exportStore(dir);
  assert.equal(status, 0, stderr);
  assert.match(stdout, /^wrote .*\.yaml: \d+ bytes/);
  const lint = spawnSync(CFN_LINT, [out], { encoding: 'utf8' });
  assert.equal(lint.status, 0, `${name}: cfn-lint\n${lint.stdout}${lint.stderr}`);

  const text = fs.readFileSync(out, 'utf8');
  const template = readYaml(out);
  const files = readStoreFolder(dir);
  assert.deepEqual(template, JSON.parse(JSON.stringify(exportTemplate(api, files, { name }))), `${name}: PyYAML`);
  assert.deepEqual(YAML.parse(text), template, `${name}: the yaml package (YAML 1.2) agrees with PyYAML`);
  assert.deepEqual(readOwnYaml(text), template, `${name}: the package's reader agrees with PyYAML`);
  return { out, text, template, files };
}

test('every example store exports a template that cfn-lint passes and that reads back as written', () => {
  for (const name of examples) {
    const { text, template, files } = exportAndReadBack(name, store(name));
    const types = Object.values(template.Resources).map((r) => r.Type);
    const bundle = buildBundle(files).bundle;
    const count = (kind) => bundle.policies.filter((p) => p.kind === kind).length;
    assert.equal(types.filter((t) => t === 'AWS::VerifiedPermissions::PolicyStore').length, 1);
    assert.equal(types.filter((t) => t === 'AWS::VerifiedPermissions::PolicyTemplate').length, count('template'));
    assert.equal(types.filter((t) => t === 'AWS::VerifiedPermissions::Policy').length, count('static') + count('link'));
    const sources = JSON.parse(files['authorizer.json']).identitySources ?? [];
    assert.equal(types.filter((t) => t === 'AWS::VerifiedPermissions::IdentitySource').length, sources.length);
    // Policy text goes in as literal blocks, exactly; the schema as Verified Permissions' JSON.
    const statics = Object.values(template.Resources).filter((r) => r.Properties.Definition?.Static);
    for (const r of statics) assert.match(r.Properties.Definition.Static.Statement, /^@id\("[^"]+"\)\n(permit|forbid) \(/);
    assert.match(text, /Statement: \|-\n +@id\("/);
    const schema = JSON.parse(template.Resources.PolicyStore.Properties.Schema.CedarJson);
    assert.equal(Object.keys(schema).length, 1);
  }
});

test('the photos template: links point at their template, principals and resources as entity identifiers', () => {
  const template = readYaml(exportStore(store('photos')).out);
  const link = template.Resources.LinkFriendsViewVacation.Properties;
  assert.deepEqual(link, {
    PolicyStoreId: { 'Fn::GetAtt': ['PolicyStore', 'PolicyStoreId'] },
    Definition: {
      TemplateLinked: {
        PolicyTemplateId: { 'Fn::GetAtt': ['TemplateGroupViewsSharedPhotos', 'PolicyTemplateId'] },
        Principal: { EntityType: 'Photos::UserGroup', EntityId: 'friends' },
        Resource: { EntityType: 'Photos::Album', EntityId: 'vacation' },
      },
    },
  });
  assert.equal(template.Resources.PolicyStore.Properties.ValidationSettings.Mode, 'STRICT');
  assert.equal(
    template.Resources.PolicyOwnerFullAccess.Properties.Definition.Static.Description,
    'Owners do anything with their own photos.',
  );
});

/**
 * Store -> template -> what the stack creates (from the template as PyYAML reads it), served on loopback ->
 * `import --layout` (the CLI reads the template itself) -> the same bundle hash, every policy and schema file
 * byte for byte.
 */
async function roundTrip(name, dir, out) {
  const server = await avpServer(stateFromTemplate(readYaml(out)), { pageSize: 2 });
  try {
    const again = tmp(name);
    const r = await cliAsync(
      'import',
      '--policy-store-id',
      'PSroundtrip0000000001',
      '--region',
      'us-east-1',
      '--endpoint',
      server.endpoint,
      '--layout',
      out,
      '-o',
      again,
    );
    assert.equal(r.status, 0, r.stderr);
    assert.doesNotMatch(r.stderr, /^warning:/m, name);
    // Through the CLI's own bundle command: the printed hashes are equal.
    const hashOf = (d) => /sha256:[0-9a-f]{64}/.exec(cli('bundle', d, '-o', tmp('b.json')).stdout)?.[0];
    const before = hashOf(dir);
    assert.ok(before, name);
    assert.equal(hashOf(again), before, `${name}: the round trip changed the bundle`);
    // And every policy and schema file is back byte for byte.
    const original = readStoreFolder(dir);
    const imported = readStoreFolder(again);
    for (const [file, text] of Object.entries(original)) {
      if (file.endsWith('.cedar') || file.startsWith('schema.')) assert.equal(imported[file], text, `${name}: ${file}`);
    }
    return imported;
  } finally {
    await server.close();
  }
}

test('round trip: store -> template -> Verified Permissions -> import -> the same bundle hash, for every example', async () => {
  for (const name of examples) await roundTrip(name, store(name), exportStore(store(name)).out);
});

test('text that starts with an empty line then an indented one, and ids, descriptions and values YAML 1.1 reads as booleans, nulls or numbers, read back exactly and round-trip to the same bundle hash', async () => {
  // A literal block whose first line is empty and whose next is indented needs an indentation indicator;
  // `on`, `yes`, `null`, `~`, `0x10`, `1e3`, `true` left plain are a boolean, a null or a number to YAML 1.1.
  const words = ['on', 'yes', 'null', '~', '0x10', '1e3', 'true'];
  const dir = tmp('yaml-1.1');
  fs.mkdirSync(dir);
  const attributes = words.map((w) => `${JSON.stringify(w)}?: String`).join(', ');
  fs.writeFileSync(
    path.join(dir, 'schema.cedarschema'),
    `\n    // an indented comment under an empty first line\nnamespace App {\n  entity User;\n  entity Doc { ${attributes} };\n  action read appliesTo { principal: User, resource: Doc };\n}\n`,
  );
  const statics = words.filter((w) => w !== 'yes');
  fs.writeFileSync(
    path.join(dir, 'words.cedar'),
    `\n  // an indented comment under an empty first line\n\n${statics
      .map((w) => `// ${w}\n@id(${JSON.stringify(w)})\npermit (principal == App::User::${JSON.stringify(w)}, action, resource);\n`)
      .join('\n')}`,
  );
  fs.writeFileSync(
    path.join(dir, 'template.cedar'),
    '\n      // indented deeper, first line empty\n\n// yes\n@id("yes")\npermit (principal == ?principal, action, resource);\n',
  );
  fs.writeFileSync(
    path.join(dir, 'links.json'),
    JSON.stringify([{ id: 'off', templateId: 'yes', principal: { type: 'App::User', id: 'no' } }]),
  );
  fs.writeFileSync(
    path.join(dir, 'entities.json'),
    JSON.stringify(words.map((w) => ({ uid: { type: 'App::Doc', id: w }, attrs: { [w]: w }, parents: [] }))),
  );
  fs.writeFileSync(path.join(dir, 'authorizer.json'), JSON.stringify({ namespace: 'App' }));

  const { out, text, template } = exportAndReadBack('yaml-1.1', dir);
  // Read by PyYAML, every one of them is still the string it was.
  const resources = Object.values(template.Resources);
  const descriptions = resources.map((r) => r.Properties.Definition?.Static?.Description ?? r.Properties.Description);
  assert.deepEqual(descriptions.filter((d) => words.includes(d)).sort(), [...words].sort());
  const layout = template.Metadata.CedarAuthorizer;
  assert.ok(layout.schema.text.startsWith('\n    // an indented comment under an empty first line\nnamespace App {\n'));
  assert.equal(
    layout.files.find((f) => f.file === 'words.cedar').parts[0].text,
    '\n  // an indented comment under an empty first line\n\n// on\n',
  );
  assert.equal(
    layout.files.find((f) => f.file === 'template.cedar').parts[0].text,
    '\n      // indented deeper, first line empty\n\n// yes\n',
  );
  assert.deepEqual(
    layout.files
      .find((f) => f.file === 'words.cedar')
      .parts.filter((p) => p.policy)
      .map((p) => p.policy),
    statics,
  );
  assert.deepEqual(
    layout.links.map((l) => l.id),
    ['off'],
  );
  assert.deepEqual(
    layout.entities.map((e) => [e.uid.id, e.attrs]),
    words.map((w) => [w, { [w]: w }]),
  );
  for (const w of words) {
    assert.doesNotMatch(text, new RegExp(`: ${w}$`, 'm'), `${w} is never a plain value`);
    assert.doesNotMatch(text, new RegExp(`^ *(- )?${w}:`, 'm'), `${w} is never a plain key`);
  }

  await roundTrip('yaml-1.1', dir, out);
});

test('a policy changed in Verified Permissions after the export gets its own file; the rest stays in place', async () => {
  const template = readYaml(exportStore(store('rides')).out);
  const state = stateFromTemplate(template);
  process.env.AWS_ACCESS_KEY_ID = awsEnv.AWS_ACCESS_KEY_ID;
  process.env.AWS_SECRET_ACCESS_KEY = awsEnv.AWS_SECRET_ACCESS_KEY;
  state.policies[0].statement = state.policies[0].statement.replace(
    '"get /unicorns"',
    '"get /unicorns",\n    Rides::Action::"get /trainer"',
  );
  const server = await avpServer(state);
  try {
    const { files, warnings } = await importPolicyStore(api, {
      policyStoreId: state.policyStoreId,
      region: 'us-east-1',
      endpoint: server.endpoint,
      layout: layoutOf(template),
    });
    assert.match(warnings.join('\n'), /`admin-all-routes` \(in rides\.cedar\) is no longer in the policy store, or was changed/);
    assert.ok(files['admin-all-routes.cedar'].includes('Rides::Action::"get /trainer"'));
    assert.ok(!files['rides.cedar'].includes('@id("admin-all-routes")'));
    assert.ok(files['rides.cedar'].includes('@id("riders-rider-routes")'));
    assert.ok(buildBundle(files).bundle, 'the store still builds');
    // A layout that would write outside the store folder is refused.
    const tampered = structuredClone(layoutOf(template));
    tampered.files[0].file = '../escape.cedar';
    await assert.rejects(
      importPolicyStore(api, { policyStoreId: state.policyStoreId, region: 'us-east-1', endpoint: server.endpoint, layout: tampered }),
      { message: /the layout names the file `\.\.\/escape\.cedar`, which is not a \.cedar inside the store folder/ },
    );
  } finally {
    await server.close();
  }
});

test('a layout only restores comments and whitespace between policies: text that would add a policy or hide one is refused', async () => {
  const template = readYaml(exportStore(store('rides')).out);
  const state = stateFromTemplate(template);
  const server = await avpServer(state);
  process.env.AWS_ACCESS_KEY_ID = awsEnv.AWS_ACCESS_KEY_ID;
  process.env.AWS_SECRET_ACCESS_KEY = awsEnv.AWS_SECRET_ACCESS_KEY;
  const importWith = (layout) =>
    importPolicyStore(api, { policyStoreId: state.policyStoreId, region: 'us-east-1', endpoint: server.endpoint, layout });
  try {
    const honest = await importWith(layoutOf(template));
    assert.deepEqual(honest.warnings, []);
    const permitAll = 'permit (principal, action, resource);';
    const tampered = [
      // A policy in the text between policies, plainly or after a comment that `\r` ends for Cedar.
      (layout) => layout.files[0].parts.unshift({ text: `${permitAll}\n` }),
      (layout) => layout.files[0].parts.unshift({ text: `// a note\r${permitAll}\n` }),
      (layout) => layout.files[0].parts.unshift({ text: `@id("x")\n` }),
      // A comment left open just before a statement, which would swallow its first line.
      (layout) => {
        const at = layout.files[0].parts.findIndex((p) => p.policy);
        layout.files[0].parts.splice(at, 0, { text: '// ' });
      },
      // The same file twice: the statements placed in the first copy would be lost.
      (layout) => layout.files.push(structuredClone(layout.files[0])),
    ];
    for (const tamper of tampered) {
      const layout = structuredClone(layoutOf(template));
      tamper(layout);
      await assert.rejects(importWith(layout), (e) => e.code === 'avp.bad_layout' && /the layout/.test(e.message), String(tamper));
    }
  } finally {
    await server.close();
  }
});

test('what Verified Permissions cannot hold is refused, naming the quota', () => {
  const copy = (name) => {
    const dir = tmp(name);
    fs.cpSync(store(name), dir, { recursive: true });
    return dir;
  };
  // Two identity sources (fine here, one per store there).
  const two = copy('rides');
  const config = JSON.parse(fs.readFileSync(path.join(two, 'authorizer.json'), 'utf8'));
  config.identitySources.push({
    principalEntityType: 'Rides::CognitoUser',
    configuration: {
      cognitoUserPoolConfiguration: {
        userPoolArn: 'arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_OtherPool',
        clientIds: ['other'],
        groupConfiguration: { groupEntityType: 'Rides::CognitoUserGroup' },
      },
    },
  });
  fs.writeFileSync(path.join(two, 'authorizer.json'), JSON.stringify(config));
  let r = exportStore(two);
  assert.equal(r.status, 1);
  assert.match(
    r.stderr,
    /the store has 2 identity sources; Verified Permissions allows 1 per policy store \(quota "Identity sources per policy store", not adjustable\)/,
  );
  assert.match(r.stderr, /https:\/\/docs\.aws\.amazon\.com\/verifiedpermissions\/latest\/userguide\/quotas\.html/);
  assert.ok(!fs.existsSync(r.out), 'no template written');

  // 41 templates.
  const many = copy('photos');
  const templates = Array.from(
    { length: 40 },
    (_, i) => `@id("t${i}")\npermit (principal in ?principal, action == Photos::Action::"viewPhoto", resource in ?resource);\n`,
  );
  fs.writeFileSync(path.join(many, 'more.cedar'), templates.join('\n'));
  r = exportStore(many);
  assert.equal(r.status, 1);
  assert.match(
    r.stderr,
    /the store has 41 templates; Verified Permissions allows 40 per policy store \(quota "Policy templates per policy store"/,
  );

  // A policy over 10,000 bytes, and a schema over 100,000 bytes in JSON form.
  const big = copy('rides');
  const emails = Array.from({ length: 700 }, (_, i) => `"user${i}@example.com"`).join(',\n  ');
  fs.writeFileSync(
    path.join(big, 'big.cedar'),
    `@id("big")\npermit (principal, action, resource)\nwhen { principal has email && [\n  ${emails}\n].contains(principal.email) };\n`,
  );
  const attrs = Array.from({ length: 3000 }, (_, i) => `    attribute_number_${i}?: String,`).join('\n');
  const schema = fs
    .readFileSync(path.join(big, 'schema.cedarschema'), 'utf8')
    .replace('entity Application;', `entity Application {\n${attrs}\n  };`);
  fs.writeFileSync(path.join(big, 'schema.cedarschema'), schema);
  r = exportStore(big);
  assert.equal(r.status, 1);
  assert.match(
    r.stderr,
    /static `big` \(big\.cedar\) is \d+ bytes; Verified Permissions allows 10000 bytes per policy \(quota "Policy size", not adjustable\)/,
  );
  assert.match(
    r.stderr,
    /the schema is \d+ bytes in JSON form; Verified Permissions allows 100000 bytes \(quota "Schema size", not adjustable\)/,
  );

  // Bad usage.
  r = cli('export', store('rides'));
  assert.equal(r.status, 2);
  assert.match(r.stderr, /missing --cloudformation/);
  r = cli(
    'import',
    '--policy-store-id',
    'PS1',
    '--region',
    'us-east-1',
    '--layout',
    path.join(store('rides'), 'authorizer.json'),
    '-o',
    tmp('x'),
  );
  assert.equal(r.status, 1);
  assert.match(
    r.stderr,
    /--layout .*authorizer\.json: no `Metadata\.CedarAuthorizer` \(format 1\) in it; pass a template written by `export --cloudformation`/,
  );
});
