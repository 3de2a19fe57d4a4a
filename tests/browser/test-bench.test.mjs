// The browser test bench, end to end in Debian's headless Chromium: the page is built, served from
// loopback, and driven the way a policy author uses it. Every step saves a screenshot to
// tests/artifacts/test-bench/, and the run fails on any console error, page error or request that leaves
// the loopback server. Token times are checked against a clock fixed with the page's `?now=` parameter,
// so nothing depends on the wall clock.
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { serveStatic } from './static-server.mjs';
import { downloadedJson, launch, replaceEditorText, screenshot, waitForAttribute } from './browser.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const artifacts = path.join(root, 'tests/artifacts/test-bench');
const rides = path.join(root, 'policies/rides');
const NOW = 1_800_000_000;
const ISSUER = 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_DemoPool1';
const POOL = 'us-east-1_DemoPool1';

// ---- a Cognito ID token and its issuer's keys, made here ---------------------------------------------

function rsaKey(kid) {
  const { privateKey, publicKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { kid, privateKey, jwk: { ...publicKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' } };
}

function mint(key, claims) {
  const part = (value) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const input = `${part({ alg: 'RS256', kid: key.kid, typ: 'JWT' })}.${part(claims)}`;
  return `${input}.${crypto.sign('sha256', Buffer.from(input), key.privateKey).toString('base64url')}`;
}

const key = rsaKey('bench-key-1');
const jwks = { keys: [key.jwk] };
const claims = {
  sub: 'rita-sub',
  iss: ISSUER,
  aud: 'ridesdemoclient',
  token_use: 'id',
  'cognito:username': 'rita',
  email: 'rita@example.com',
  'cognito:groups': ['Riders'],
  auth_time: NOW - 60,
  iat: NOW - 60,
  exp: NOW + 3600,
};
const idToken = mint(key, claims);
const forgedToken = mint({ ...rsaKey('bench-key-1') }, claims);

// ---- the page ---------------------------------------------------------------------------------------

const sel = (id) => `[data-testid="${id}"]`;
let server;
let browser;
let page;
let step = 0;
const shot = (name) => screenshot(page, artifacts, `${String(++step).padStart(2, '0')}-${name}`);

before(async () => {
  execFileSync(process.execPath, [path.join(root, 'scripts/build/test-bench.mjs')], { cwd: root, stdio: 'pipe' });
  fs.rmSync(artifacts, { recursive: true, force: true });
  fs.mkdirSync(artifacts, { recursive: true });
  server = await serveStatic(path.join(root, 'build/test-bench'), {
    prefix: '/test-bench/',
    extra: { '/.well-known/demo-jwks.json': jwks },
  });
  browser = await launch({ allowedOrigin: new URL(server.url).origin });
  page = browser.page;
});

after(async () => {
  await browser?.close();
  await server?.close();
});

afterEach(() => {
  assert.deepEqual(browser.problems, [], 'the page logged errors');
  assert.deepEqual(browser.offsite, [], 'the page made requests beyond the loopback server');
});

async function waitValid() {
  await waitForAttribute(page, sel('validation-status'), 'data-state', 'valid');
}

async function decision() {
  await page.waitForSelector(sel('decision'));
  return page.getAttribute(sel('decision'), 'data-decision');
}

/** Runs the request and waits for a fresh decision. */
async function run(how = 'button') {
  await page.evaluate((s) => document.querySelector(s)?.remove(), sel('decision'));
  if (how === 'keyboard') {
    await page.click(`${sel('context-editor')} .cm-content`);
    await page.keyboard.press('Control+Enter');
  } else {
    await page.click(sel('run'));
  }
  return decision();
}

/** The ids of the policies marked in the editor, and the text of each mark's first line. */
async function markedPolicies() {
  return page.$$eval('.cm-line[data-policy-id]', (lines) => {
    const firsts = new Map();
    for (const line of lines) if (!firsts.has(line.dataset.policyId)) firsts.set(line.dataset.policyId, line.textContent);
    return [...firsts].map(([id, firstLine]) => ({ id, firstLine }));
  });
}

async function setRequest({ principalId, action, entities }) {
  await page.check(sel('source-entity'));
  await page.selectOption(sel('principal-type'), 'Rides::CognitoUser');
  await page.fill(sel('principal-id'), principalId);
  await page.selectOption(sel('action-select'), { label: action });
  await page.selectOption(sel('resource-type'), 'Rides::Application');
  await page.fill(sel('resource-id'), 'Rides');
  await replaceEditorText(page, sel('entities-editor'), JSON.stringify(entities));
}

const rider = {
  uid: { type: 'Rides::CognitoUser', id: `${POOL}|rider-sub-0002` },
  attrs: {},
  parents: [{ type: 'Rides::CognitoUserGroup', id: `${POOL}|Riders` }],
};

test('opens a store folder and a bundle file from disk', async () => {
  await page.goto(`${server.url}?now=${NOW}`);
  await waitForAttribute(page, 'body', 'data-ready', 'true', 30_000);
  await page.setInputFiles(sel('folder-input'), path.join(root, 'policies/photos'));
  await waitForAttribute(page, sel('store-name'), 'data-origin', 'folder');
  await waitValid();
  assert.equal(await page.textContent(sel('store-name')), 'photos');
  const tabs = await page.$$eval(sel('file-tab'), (t) => t.map((e) => e.dataset.file));
  assert.deepEqual(tabs, ['schema.cedarschema', 'photos.cedar', 'links.json', 'entities.json', 'authorizer.json']);
  await page.click(sel('batch-run'));
  await waitForAttribute(page, sel('batch-summary'), 'data-state', 'pass');

  const exported = await downloadedJson(page, () => page.click(sel('export-bundle')));
  const bundleFile = path.join(artifacts, 'photos.bundle.json');
  fs.writeFileSync(bundleFile, JSON.stringify(exported.json));
  await page.setInputFiles(sel('bundle-input'), bundleFile);
  await waitForAttribute(page, sel('store-name'), 'data-origin', 'bundle');
  await waitValid();
  assert.equal(await page.textContent(sel('store-name')), 'photos');
  const reexported = await downloadedJson(page, () => page.click(sel('export-bundle')));
  assert.equal(reexported.json.hash, exported.json.hash);
  await shot('bundle-opened');
});

test('every example store of policies/ validates and passes its own requests in the browser', async () => {
  const names = await page.$$eval(`${sel('example-select')} option:not([disabled])`, (o) => o.map((e) => e.value));
  assert.deepEqual(names, fs.readdirSync(path.join(root, 'policies')).sort());
  for (const name of names) {
    await page.selectOption(sel('example-select'), name);
    await page.waitForFunction(([s, text]) => document.querySelector(s)?.textContent === text, [sel('store-name'), `policies/${name}`]);
    await waitValid();
    await page.click(sel('batch-run'));
    await waitForAttribute(page, sel('batch-summary'), 'data-state', 'pass');
  }
});

test('loads the rides example from the embedded policies/', async () => {
  await page.selectOption(sel('example-select'), 'rides');
  await waitValid();
  const tabs = await page.$$eval(sel('file-tab'), (t) => t.map((e) => e.dataset.file));
  assert.deepEqual(tabs, ['schema.cedarschema', 'rides.cedar', 'authorizer.json']);
  assert.match(await page.textContent(sel('validation-status')), /Valid: 3 policies/);
  // Cedar highlighting, in both languages: keywords, scope variables, entity types and strings get colours.
  const colours = await page.evaluate(() => {
    const colourOf = (file, text) => {
      const spans = [...document.querySelectorAll(`[data-testid="editor"][data-file="${file}"] .cm-line span`)];
      const span = spans.find((s) => s.textContent === text);
      return span ? getComputedStyle(span).color : 'not a token';
    };
    return {
      permit: colourOf('rides.cedar', 'permit'),
      principal: colourOf('rides.cedar', 'principal'),
      type: colourOf('rides.cedar', 'CognitoUserGroup'),
      string: colourOf('rides.cedar', '"us-east-1_DemoPool1|Admin"'),
      entity: colourOf('schema.cedarschema', 'entity'),
      builtin: colourOf('schema.cedarschema', 'String'),
    };
  });
  assert.deepEqual(colours, {
    permit: 'rgb(124, 31, 163)',
    principal: 'rgb(163, 54, 28)',
    type: 'rgb(15, 95, 140)',
    string: 'rgb(24, 112, 15)',
    entity: 'rgb(124, 31, 163)',
    builtin: 'rgb(15, 107, 91)',
  });
  assert.equal(await page.textContent(sel('store-name')), 'policies/rides');
  const bundle = await downloadedJson(page, () => page.click(sel('export-bundle')));
  assert.equal(bundle.name, 'rides.bundle.json');
  assert.equal(bundle.json.format, 'cedar-authorizer/bundle');
  assert.deepEqual(
    bundle.json.policies.map((p) => p.id),
    ['admin-all-routes', 'riders-rider-routes', 'trainers-trainer-routes'],
  );
  await shot('rides-loaded');
});

test('an allowed request: ALLOW, with its determining policy marked in the editor', async () => {
  await setRequest({ principalId: `${POOL}|rider-sub-0002`, action: 'get /riders', entities: [rider] });
  assert.equal(await run('keyboard'), 'ALLOW');
  const chips = await page.$$eval(sel('determining-policy'), (c) => c.map((e) => e.dataset.policyId));
  assert.deepEqual(chips, ['riders-rider-routes']);
  assert.match(await page.textContent(sel('decision-time')), /\d+(\.\d+)? (µs|ms)/);
  assert.equal(await page.getAttribute(`${sel('file-tab')}[aria-selected="true"]`, 'data-file'), 'rides.cedar');
  const marked = await markedPolicies();
  assert.deepEqual(
    marked.map((m) => m.id),
    ['riders-rider-routes'],
  );
  assert.equal(marked[0].firstLine, '@id("riders-rider-routes")');
  await shot('allowed-request');
});

test('a denied request: DENY, with nothing marked', async () => {
  await page.selectOption(sel('action-select'), { label: 'get /trainer' });
  assert.equal(await run(), 'DENY');
  assert.equal(await page.$$eval(sel('determining-policy'), (c) => c.length), 0);
  assert.deepEqual(await markedPolicies(), []);
  await shot('denied-request');
});

test('a syntax error shows a diagnostic at its line, inline and in the list; choosing it moves the cursor', async () => {
  const original = fs.readFileSync(path.join(rides, 'rides.cedar'), 'utf8');
  const errorLine = original.split('\n').length + 1;
  await page.click(`${sel('file-tab')}[data-file="rides.cedar"]`);
  await page.click(`${sel('editor')}[data-file="rides.cedar"] .cm-content`);
  await page.keyboard.press('Control+End');
  await page.keyboard.press('Enter');
  await page.keyboard.insertText('permit (principal, action, resource) when { principal == };');
  await waitForAttribute(page, sel('validation-status'), 'data-state', 'invalid');
  const diagnostics = await page.$$eval(sel('diagnostic'), (d) => d.map((e) => ({ ...e.dataset })));
  assert.equal(diagnostics.length, 1, JSON.stringify(diagnostics));
  assert.equal(diagnostics[0].file, 'rides.cedar');
  assert.equal(diagnostics[0].code, 'policy.parse');
  assert.equal(Number(diagnostics[0].line), errorLine);
  assert.equal(await page.textContent(`${sel('file-tab')}[data-file="rides.cedar"] ${sel('file-tab-badge')}`), '1');
  await page.waitForSelector(`${sel('editor')}[data-file="rides.cedar"] .cm-lintRange-error`);
  await page.click(`${sel('file-tab')}[data-file="schema.cedarschema"]`);
  await page.click(sel('diagnostic'));
  assert.equal(await page.getAttribute(`${sel('file-tab')}[aria-selected="true"]`, 'data-file'), 'rides.cedar');
  assert.equal(await page.getAttribute(sel('cursor-position'), 'data-line'), String(errorLine));
  assert.equal(await page.getAttribute(sel('cursor-position'), 'data-column'), diagnostics[0].column);
  await page.click(sel('run'));
  await page.waitForSelector(sel('run-problem'));
  await shot('syntax-error');

  await page.click(`${sel('editor')}[data-file="rides.cedar"] .cm-content`);
  await page.keyboard.press('Control+Z');
  await waitValid();
  assert.equal(await page.$$eval(sel('diagnostic'), (d) => d.length), 0);
});

test('a second policy file: a forbid in it decides and is marked there; removing the file undoes it', async () => {
  await page.click(`${sel('add-file')} summary`);
  await page.fill(sel('add-policy-name'), 'blocks');
  await page.click(`${sel('add-policy-form')} button[type=submit]`);
  assert.equal(await page.getAttribute(`${sel('file-tab')}[aria-selected="true"]`, 'data-file'), 'blocks.cedar');
  await page.keyboard.insertText('@id("riders-list-closed") forbid (principal, action == Rides::Action::"get /riders", resource);');
  await waitValid();
  assert.match(await page.textContent(sel('validation-status')), /Valid: 4 policies/);
  await setRequest({ principalId: `${POOL}|rider-sub-0002`, action: 'get /riders', entities: [rider] });
  assert.equal(await run(), 'DENY');
  assert.deepEqual(await page.$$eval(sel('determining-policy'), (c) => c.map((e) => e.dataset.policyId)), ['riders-list-closed']);
  assert.equal(await page.getAttribute(`${sel('file-tab')}[aria-selected="true"]`, 'data-file'), 'blocks.cedar');
  assert.deepEqual(await markedPolicies(), [
    {
      id: 'riders-list-closed',
      firstLine: '@id("riders-list-closed") forbid (principal, action == Rides::Action::"get /riders", resource);',
    },
  ]);
  assert.ok(await page.$(`${sel('editor')}[data-file="blocks.cedar"] .cm-line.cm-determining-forbid`));
  await shot('forbid-in-second-file');

  await page.click(sel('remove-file'));
  await waitValid();
  assert.match(await page.textContent(sel('validation-status')), /Valid: 3 policies/);
  assert.equal(await page.$(`${sel('file-tab')}[data-file="blocks.cedar"]`), null);
  assert.equal(await run(), 'ALLOW');
});

test('a pasted token: decoded, verified against the pasted JWKS, mapped to its principal', async () => {
  await page.fill(sel('token-input'), idToken);
  await waitForAttribute(page, sel('token-status'), 'data-code', 'jwks.unavailable');
  await page.fill(sel('jwks-input'), JSON.stringify(jwks, null, 2));
  await waitForAttribute(page, sel('jwks-status'), 'data-state', 'success');
  await waitForAttribute(page, sel('token-status'), 'data-verified', 'true');
  assert.equal(await page.textContent(sel('token-principal')), `Rides::CognitoUser::"${POOL}|rita-sub"`);
  assert.deepEqual(await page.$$eval(sel('token-parent'), (p) => p.map((e) => e.textContent)), [
    `Rides::CognitoUserGroup::"${POOL}|Riders"`,
  ]);
  assert.deepEqual(JSON.parse(await page.textContent(sel('token-claims'))), claims);
  assert.equal(JSON.parse(await page.textContent(sel('token-attributes'))).email, 'rita@example.com');

  // A token request keeps its own extra entities: the entity request's users would be refused with it.
  await page.check(sel('source-token'));
  assert.equal(await page.textContent(`${sel('entities-editor')} .cm-content`), '[]');
  await page.selectOption(sel('action-select'), { label: 'get /riders' });
  assert.equal(await run(), 'ALLOW');
  assert.equal(await page.textContent(sel('result-principal')), `Rides::CognitoUser::"${POOL}|rita-sub"`);
  assert.deepEqual(
    (await markedPolicies()).map((m) => m.id),
    ['riders-rider-routes'],
  );
  await shot('token-verified');

  await page.fill(sel('token-input'), forgedToken);
  await waitForAttribute(page, sel('token-status'), 'data-code', 'token.bad_signature');
  assert.equal(await run(), 'DENY');
  assert.equal(await page.getAttribute(sel('result-error'), 'data-code'), 'token.bad_signature');
  await shot('token-forged');

  await page.fill(sel('token-input'), idToken);
  await page.fill(sel('jwks-input'), '');
  await waitForAttribute(page, sel('token-status'), 'data-code', 'jwks.unavailable');
  await page.click(sel('fetch-demo-jwks'));
  await waitForAttribute(page, sel('jwks-status'), 'data-state', 'success');
  await waitForAttribute(page, sel('token-status'), 'data-verified', 'true');
  assert.equal(await run(), 'ALLOW');
});

test('the batch: the example requests load, all pass, and a token case is added and exported', async () => {
  const expected = fs
    .readdirSync(path.join(rides, 'tests'))
    .map((file) => JSON.parse(fs.readFileSync(path.join(rides, 'tests', file), 'utf8')).cases.length)
    .reduce((a, b) => a + b, 0);
  assert.equal(await page.$$eval(sel('batch-row'), (rows) => rows.length), expected);
  await page.click(sel('batch-run'));
  await waitForAttribute(page, sel('batch-summary'), 'data-state', 'pass');
  const statuses = await page.$$eval(sel('batch-row'), (rows) => rows.map((r) => r.dataset.status));
  assert.deepEqual(statuses, Array(expected).fill('pass'));
  assert.match(await page.textContent(sel('batch-summary')), new RegExp(`^${expected} of ${expected} passed`));
  await shot('batch-passed');

  await page.click(sel('add-to-batch'));
  await page.click(sel('batch-run'));
  await waitForAttribute(page, sel('batch-summary'), 'data-state', 'pass');
  const added = `${sel('batch-row')}[data-file="tests/bench.json"]`;
  assert.equal(await page.getAttribute(added, 'data-status'), 'pass');
  const exported = await downloadedJson(page, () => page.click(`${sel('batch-export')}[data-file="tests/bench.json"]`));
  assert.equal(exported.name, 'bench.json');
  assert.equal(exported.json.cases.length, 1);
  assert.deepEqual(exported.json.cases[0].identityClaims, claims);
  assert.deepEqual(exported.json.cases[0].expect, { decision: 'ALLOW' });

  await page.selectOption(`${added} ${sel('batch-expected')}`, 'DENY');
  await page.click(sel('batch-run'));
  await waitForAttribute(page, sel('batch-summary'), 'data-state', 'fail');
  assert.equal(await page.getAttribute(added, 'data-status'), 'fail');
  assert.match(await page.textContent(sel('batch-differences')), /decision/i);
  await page.selectOption(`${added} ${sel('batch-expected')}`, 'ALLOW');
  await page.click(sel('batch-run'));
  await waitForAttribute(page, sel('batch-summary'), 'data-state', 'pass');
  await shot('batch-with-token-case');
});

test('a share link reproduces the case in a new page', async () => {
  await page.click(`${sel('editor')}[data-file="rides.cedar"] .cm-content`);
  await page.keyboard.press('Control+Home');
  await page.keyboard.insertText('// the shared case');
  await page.keyboard.press('Enter');
  await waitValid();
  assert.equal(await run(), 'ALLOW');
  const before = await snapshot();
  await page.click(sel('share-open'));
  await page.check(sel('share-include-token'));
  await waitForAttribute(page, sel('share-panel'), 'data-state', 'ready');
  const link = await page.inputValue(sel('share-url'));
  assert.match(link, new RegExp(`^${server.url}\\?now=${NOW}#state=[A-Za-z0-9_-]+$`));
  await shot('share-link');

  await page.goto('about:blank');
  await page.goto(link);
  await waitForAttribute(page, 'body', 'data-ready', 'true', 30_000);
  await waitValid();
  assert.equal(await decision(), 'ALLOW');
  assert.deepEqual(await snapshot(), before);
  await shot('share-link-reopened');

  await page.goto('about:blank');
  await page.goto(link.slice(0, link.length - 40));
  await waitForAttribute(page, 'body', 'data-ready', 'true', 30_000);
  assert.match(await page.textContent(sel('banner')), /could not be read .*The rides example is loaded instead/);
  assert.equal(await page.textContent(sel('store-name')), 'policies/rides');
  await page.goto(link);
  await waitForAttribute(page, 'body', 'data-ready', 'true', 30_000);
});

test('works offline once loaded', async () => {
  await page.evaluate(() => navigator.serviceWorker.ready);
  await browser.context.setOffline(true);
  try {
    await page.reload();
    await waitForAttribute(page, 'body', 'data-ready', 'true', 30_000);
    await waitValid();
    assert.equal(await decision(), 'ALLOW');
    await shot('offline-reload');
  } finally {
    await browser.context.setOffline(false);
  }
});

/** What a share link must carry: the store (by its bundle hash), the request, the token, keys and batch. */
async function snapshot() {
  const bundle = await downloadedJson(page, () => page.click(sel('export-bundle')));
  return {
    bundleHash: bundle.json.hash,
    firstPolicyLine: await page.textContent(`${sel('editor')}[data-file="rides.cedar"] .cm-line`),
    source: await page.$eval(`${sel('principal-source')} input:checked`, (input) => input.value),
    action: await page.inputValue(sel('action-select')),
    resource: [await page.inputValue(sel('resource-type')), await page.inputValue(sel('resource-id'))],
    token: await page.inputValue(sel('token-input')),
    jwks: JSON.parse(await page.inputValue(sel('jwks-input'))),
    tokenPrincipal: await page.textContent(sel('token-principal')),
    batchRows: await page.$$eval(sel('batch-row'), (rows) => rows.map((r) => `${r.dataset.file}#${r.dataset.index}`)),
    determining: await page.$$eval(sel('determining-policy'), (c) => c.map((e) => e.dataset.policyId)),
  };
}
