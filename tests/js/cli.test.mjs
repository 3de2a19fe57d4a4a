// `npx cedar-authorizer` from the installed package: validate, bundle and test, their output and exit codes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { root, store } from './helpers.mjs';

const bin = path.join(root, 'node_modules/.bin/cedar-authorizer');

function cli(...args) {
  const r = spawnSync(bin, args, { encoding: 'utf8', cwd: root });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function copyStore(name) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `ca-${name}-`));
  fs.cpSync(store(name), dir, { recursive: true });
  return dir;
}

test('validate passes the examples and prints compiler-style diagnostics for errors', () => {
  for (const name of ['rides', 'saas-tenants', 'photos']) {
    const r = cli('validate', store(name));
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /ok, no diagnostics/);
  }
  const dir = copyStore('saas-tenants');
  fs.appendFileSync(
    path.join(dir, 'tenancy.cedar'),
    '\npermit(principal, action, resource)\n  when { resource.tenat == principal.tenant };\n',
  );
  const r = cli('validate', dir);
  assert.equal(r.status, 1);
  const lines = r.stderr.split('\n');
  const at = lines.findIndex((l) => l.includes(`--> ${path.join(dir, 'tenancy.cedar')}:`));
  assert.ok(at > 0, r.stderr);
  assert.match(lines[at - 1], /^error\[policy\.validation\]: .*tenat/);
  assert.match(lines[at + 2], /\|\s+when \{ resource\.tenat == principal\.tenant \};/);
  assert.match(lines[at + 3], /\|\s+\^+/);
  assert.match(r.stderr, /help: did you mean `tenant`\?/);
  assert.match(r.stderr, /1 error/);
});

test('bundle writes a hashed bundle, stable across builds, and refuses a broken store', () => {
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ca-')), 'rides.json');
  const first = cli('bundle', store('rides'), '-o', out);
  assert.equal(first.status, 0, first.stderr);
  assert.match(first.stdout, /wrote .*rides\.json: 3 policies, \d+ bytes, sha256:[0-9a-f]{64}/);
  const a = fs.readFileSync(out, 'utf8');
  cli('bundle', store('rides'), '-o', out);
  assert.equal(fs.readFileSync(out, 'utf8'), a);
  const bundle = JSON.parse(a);
  assert.deepEqual(
    bundle.policies.map((p) => p.id),
    ['admin-all-routes', 'riders-rider-routes', 'trainers-trainer-routes'],
  );
  const dir = copyStore('photos');
  fs.writeFileSync(path.join(dir, 'links.json'), '[{"id": "x", "templateId": "missing", "principal": "Photos::UserGroup::\\"g\\""}]');
  const bad = cli('bundle', dir, '-o', path.join(dir, 'out.json'));
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /error\[links\.invalid\]: link `x`/);
  assert.equal(fs.existsSync(path.join(dir, 'out.json')), false);
});

test('test reports pass or fail per request with a diff, and exits non-zero on failure', () => {
  const ok = cli('test', store('photos'));
  assert.equal(ok.status, 0, ok.stdout + ok.stderr);
  assert.match(ok.stdout, /9 passed, 0 failed/);
  const dir = copyStore('photos');
  const file = path.join(dir, 'tests/sharing.json');
  const tests = JSON.parse(fs.readFileSync(file, 'utf8'));
  tests.cases[0].expect = { decision: 'DENY', determiningPolicies: [] };
  fs.writeFileSync(file, JSON.stringify(tests));
  const failed = cli('test', dir);
  assert.equal(failed.status, 1);
  assert.match(failed.stdout, /FAIL a friend views a shared vacation photo/);
  assert.match(failed.stdout, /decision: expected DENY, got ALLOW/);
  assert.match(failed.stdout, /determiningPolicies: expected \[\], got \["friends-view-vacation"\]/);
  assert.match(failed.stdout, /8 passed, 1 failed/);
});

// A window-title set, an OSC 52 clipboard write, a line erase, a backspace, a C1 CSI, a right-to-left override
// and a left-to-right isolate: what a store under review could send the reviewer's terminal. (Cedar refuses a raw
// carriage return in a string, and ends a `//` comment at one.)
const HOSTILE = '\x1b]0;pwned\x07\x1b]52;c;Y3VybCBldmlsCg==\x07\x1b[2K\b\u009b\u202e\u2066';
const HOSTILE_SHOWN = '\\u{1b}]0;pwned\\u{7}\\u{1b}]52;c;Y3VybCBldmlsCg==\\u{7}\\u{1b}[2K\\u{8}\\u{9b}\\u{202e}\\u{2066}';

/** The characters of `text` a terminal acts on or that reorder it: C0 controls but `\n`, DEL, C1, bidi formatting. */
function rawControls(text) {
  return [...text].filter((c) => {
    const n = c.codePointAt(0);
    const bidi = (n >= 0x202a && n <= 0x202e) || (n >= 0x2066 && n <= 0x2069) || [0x61c, 0x200e, 0x200f].includes(n);
    return (n < 0x20 && c !== '\n') || (n >= 0x7f && n <= 0x9f) || bidi || n === 0x2028 || n === 0x2029;
  });
}

function assertNoRawControls(r) {
  for (const output of [r.stdout, r.stderr]) assert.deepEqual(rawControls(output), [], JSON.stringify(output));
}

test('validate and test print control characters from a store escaped, never as raw terminal escapes', () => {
  const dir = copyStore('photos');
  const policyFile = process.platform === 'win32' ? 'review.cedar' : `review${HOSTILE}.cedar`;
  // A carriage return ends a `//` comment for Cedar: the policy after it is live code a terminal would print over it.
  const line = `// ${HOSTILE}\rpermit(principal, action, resource) when { "${HOSTILE}" != "" && principal.nope };`;
  fs.writeFileSync(path.join(dir, policyFile), `@id("evil${HOSTILE}")\n${line}\n`);
  const validated = cli('validate', dir);
  assert.equal(validated.status, 1, JSON.stringify(validated));
  assertNoRawControls(validated);
  const lines = validated.stderr.split('\n');
  const at = lines.findIndex((l) => l.includes(' --> ') && l.endsWith('.cedar:2:' + (line.indexOf('principal.nope') + 1)));
  assert.ok(at > 0, JSON.stringify(validated.stderr));
  assert.match(lines[at - 1], /^error\[policy\.validation\]: .*attribute `nope`/);
  const shown = `// ${HOSTILE_SHOWN}\\u{d}permit(principal, action, resource) when { "${HOSTILE_SHOWN}" != "" && principal.nope };`;
  assert.equal(lines[at + 2], `2 | ${shown}`);
  // The carets sit under the offending text in the line as shown.
  const carets = lines[at + 3].slice('2 | '.length);
  assert.equal(shown.slice(carets.indexOf('^'), carets.lastIndexOf('^') + 1), 'principal.nope');
  assert.ok(validated.stderr.includes(`= policy: evil${HOSTILE_SHOWN}\n`), JSON.stringify(validated.stderr));

  fs.rmSync(path.join(dir, policyFile));
  fs.writeFileSync(
    path.join(dir, 'hostile.cedar'),
    `@id("allow${HOSTILE}")\npermit(principal == Photos::User::"${HOSTILE}", action, resource);\n`,
  );
  const request = (action) => ({
    principal: { entityType: 'Photos::User', entityId: HOSTILE },
    action: { actionType: 'Photos::Action', actionId: action },
    resource: { entityType: 'Photos::Photo', entityId: 'beach.jpg' },
  });
  const cases = [
    { name: `allowed\t${HOSTILE}\r\nPASS forged`, ...request('viewPhoto'), expect: { decision: 'DENY', determiningPolicies: [] } },
    { name: 'unknown action', ...request(`view${HOSTILE}`), expect: { decision: 'DENY' } },
    { name: `unreadable${HOSTILE}`, expect: { decision: HOSTILE } },
  ];
  fs.writeFileSync(path.join(dir, 'tests/hostile.json'), JSON.stringify({ description: HOSTILE, cases }));
  // Not JSON: a string holding raw control characters, printed as the diagnostic's source line.
  fs.writeFileSync(path.join(dir, 'tests/unreadable.json'), `{"cases": [{"name": "${HOSTILE}"}]}\n`);
  const tested = cli('test', dir);
  assert.equal(tested.status, 1, JSON.stringify(tested));
  assertNoRawControls(tested);
  assert.ok(
    tested.stdout.includes(`FAIL allowed\\u{9}${HOSTILE_SHOWN}\\u{d}\\u{a}PASS forged  ALLOW  [allow${HOSTILE_SHOWN}]`),
    JSON.stringify(tested.stdout),
  );
  assert.match(tested.stdout, /decision: expected DENY, got ALLOW/);
  assert.match(tested.stdout, /FAIL unknown action +DENY/);
  assert.match(tested.stdout, /9 passed, 2 failed, 2 test file\(s\) or case\(s\) not run/);
  assert.ok(tested.stderr.includes(`case \`unreadable${HOSTILE_SHOWN}\` cannot be run: `), JSON.stringify(tested.stderr));
  assert.ok(tested.stderr.includes(`1 | {"cases": [{"name": "${HOSTILE_SHOWN}"}]}\n`), JSON.stringify(tested.stderr));
});

test('usage errors exit 2', () => {
  assert.equal(cli().status, 2);
  assert.equal(cli('frobnicate').status, 2);
  const r = cli('validate', '/no/such/dir');
  assert.equal(r.status, 2);
  assert.match(r.stderr, /not a folder/);
});

test('routes prints the route table; bundle --compiled writes a compiled bundle that loads', async () => {
  const r = cli('routes', store('rides'));
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^method\s+path\s+action\s+resource\s+context$/m);
  assert.match(r.stdout, /^GET\s+\/riders\s+Rides::Action::"get \/riders"\s+Rides::Application::"Rides"\s+-$/m);
  assert.equal(r.stdout.trim().split('\n').length, 8);
  const none = cli('routes', store('photos'));
  assert.match(none.stdout, /no routes/);
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ca-')), 'rides.compiled.json');
  const built = cli('bundle', store('rides'), '--compiled', '-o', out);
  assert.equal(built.status, 0, built.stderr);
  assert.match(built.stdout, /compiled, 3 policies/);
  const compiled = JSON.parse(fs.readFileSync(out, 'utf8'));
  assert.equal(compiled.format, 'cedar-authorizer/compiled-bundle');
  const { Authorizer } = await import('cedar-authorizer');
  const fromCompiled = await Authorizer.load(out);
  const fromStore = await Authorizer.load(store('rides'));
  assert.equal(compiled.sourceHash, fromStore.hash);
  const request = {
    principal: { entityType: 'Rides::CognitoUser', entityId: 'u' },
    action: { actionType: 'Rides::Action', actionId: 'get /trainers' },
    resource: { entityType: 'Rides::Application', entityId: 'Rides' },
    entities: [
      {
        uid: { type: 'Rides::CognitoUser', id: 'u' },
        attrs: {},
        parents: [{ type: 'Rides::CognitoUserGroup', id: 'us-east-1_DemoPool1|Trainers' }],
      },
    ],
  };
  assert.deepEqual(fromCompiled.isAuthorized(request), fromStore.isAuthorized(request));
  assert.equal(fromCompiled.isAuthorized(request).decision, 'ALLOW');
});

test('bundles keep 64-bit longs exact, from the CLI and through JavaScript objects', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ca-longs-'));
  fs.writeFileSync(
    path.join(dir, 'schema.cedarschema'),
    'entity User { quota: Long }; entity Doc; action read appliesTo { principal: User, resource: Doc };',
  );
  fs.writeFileSync(path.join(dir, 'quota.cedar'), 'permit(principal, action, resource) when { principal.quota > 9007199254740993 };');
  // 2^63 - 1 and 2^53 + 3: neither survives a trip through a JavaScript number.
  fs.writeFileSync(
    path.join(dir, 'entities.json'),
    '[{"uid":{"type":"User","id":"big"},"attrs":{"quota":9223372036854775807},"parents":[]},{"uid":{"type":"User","id":"edge"},"attrs":{"quota":9007199254740993},"parents":[]}]',
  );
  const request = (id) => ({
    principal: { entityType: 'User', entityId: id },
    action: { actionType: 'Action', actionId: 'read' },
    resource: { entityType: 'Doc', entityId: 'd' },
  });
  const { Authorizer, buildBundle, compileBundle, readStoreFolder } = await import('cedar-authorizer');
  for (const compiled of [false, true]) {
    const out = path.join(dir, compiled ? 'c.json' : 'b.json');
    const built = cli('bundle', dir, '-o', out, ...(compiled ? ['--compiled'] : []));
    assert.equal(built.status, 0, built.stderr);
    assert.match(fs.readFileSync(out, 'utf8'), /9223372036854775807/);
    const a = await Authorizer.load(out);
    assert.equal(a.isAuthorized(request('big')).decision, 'ALLOW');
    assert.equal(a.isAuthorized(request('edge')).decision, 'DENY', '2^53 + 3 is not greater than itself');
  }
  const { bundle } = buildBundle(readStoreFolder(dir));
  for (const source of [bundle, compileBundle(bundle)]) {
    const a = Authorizer.loadSync(source);
    assert.equal(a.isAuthorized(request('big')).decision, 'ALLOW');
    assert.equal(a.isAuthorized(request('edge')).decision, 'DENY');
  }
});
