// The browser test bench, end to end in Debian's headless Chromium: the page is built, served from
// loopback, and driven the way a policy author uses it. Every step saves a screenshot to
// tests/artifacts/test-bench/, and the run fails on any console error, page error or request that leaves
// the loopback server. Token times are checked against a clock fixed with the page's `?now=` parameter,
// so nothing depends on the wall clock.
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { serveStatic } from './static-server.mjs';
import { mint, signingKey } from '../js/helpers.mjs';
import { downloadedJson, launch, replaceEditorText, screenshot, waitForAttribute } from './browser.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const artifacts = path.join(root, 'tests/artifacts/test-bench');
const rides = path.join(root, 'policies/rides');
const NOW = 1_800_000_000;
const ISSUER = 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_DemoPool1';
const POOL = 'us-east-1_DemoPool1';

// ---- a Cognito ID token and its issuer's keys, made here ---------------------------------------------

const key = signingKey('bench-key-1');
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
const forgedToken = mint(signingKey('bench-key-1'), claims);

// ---- the page ---------------------------------------------------------------------------------------

const sel = (id) => `[data-testid="${id}"]`;
let server;
let browser;
let page;
let step = 0;
const shot = (name) => screenshot(page, artifacts, `${String(++step).padStart(2, '0')}-${name}`);
/** A screenshot of one part of the page (a panel), for the docs; `wide`: the page's whole width at its height. */
async function shotOf(selector, name, { wide = false } = {}) {
  const file = path.join(artifacts, `${String(++step).padStart(2, '0')}-${name}.png`);
  const part = page.locator(selector).first();
  if (!wide) return part.screenshot({ path: file });
  await part.scrollIntoViewIfNeeded();
  const box = await part.boundingBox();
  return page.screenshot({ path: file, clip: { x: 0, y: Math.max(0, box.y), width: page.viewportSize().width, height: box.height } });
}

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
    await page.click(sel('context-mode-json'));
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
  await page.click(sel('entities-mode-json'));
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

test('"What may this principal do?" lists every action for the request, each decided; Try runs one', async () => {
  await setRequest({ principalId: `${POOL}|rider-sub-0002`, action: 'get /riders', entities: [rider] });
  await page.click(sel('allowed-run'));
  await waitForAttribute(page, sel('allowed-status'), 'data-state', 'answered');
  const rows = await page.$$eval(sel('allowed-row'), (r) => r.map((e) => [e.dataset.action, e.dataset.decision]));
  assert.deepEqual(rows, [
    ['get /rider', 'ALLOW'],
    ['get /riders', 'ALLOW'],
    ['get /trainer', 'DENY'],
    ['get /trainers', 'DENY'],
    ['get /unicorn', 'ALLOW'],
    ['get /unicorns', 'ALLOW'],
  ]);
  assert.match(await page.textContent(sel('allowed-status')), /^4 of 6 actions allowed/);
  await shotOf(sel('allowed-panel'), 'allowed-actions');
  // Each row's answer is the one Run gives for that action: Try puts it in the request and runs it.
  for (const [action, expected] of rows) {
    await page.evaluate((s) => document.querySelector(s)?.remove(), sel('decision'));
    await page.click(`${sel('allowed-row')}[data-action="${action}"] ${sel('allowed-try')}`);
    assert.equal(await decision(), expected, action);
    assert.equal(await page.$eval(sel('action-select'), (e) => e.selectedOptions[0].textContent), action);
  }
});

test('Coverage lists the policies no test case makes determining and marks them in the editor', async () => {
  await page.click(sel('coverage-run'));
  await waitForAttribute(page, sel('coverage-summary'), 'data-state', 'full');
  assert.match(await page.textContent(sel('coverage-summary')), /^9 of 9 policies, links and routes covered \(100%\)/);
  assert.equal(await page.$$eval(sel('coverage-item'), (i) => i.length), 0);
  await page.click(`${sel('file-tab')}[data-file="rides.cedar"]`);
  await page.click(`${sel('editor')}[data-file="rides.cedar"] .cm-content`);
  await page.keyboard.press('Control+End');
  await page.keyboard.press('Enter');
  await page.keyboard.insertText(
    '@id("untested-night-shift") permit (principal in Rides::CognitoUserGroup::"us-east-1_DemoPool1|Night", action, resource);',
  );
  await waitValid();
  await page.click(sel('coverage-run'));
  await waitForAttribute(page, sel('coverage-summary'), 'data-state', 'partial');
  const items = await page.$$eval(sel('coverage-item'), (i) => i.map((e) => [e.dataset.kind, e.dataset.id]));
  assert.deepEqual(items, [['static', 'untested-night-shift']]);
  const marked = await page.$$eval('.cm-line[data-mark="uncovered"]', (lines) => lines.map((l) => l.dataset.policyId));
  assert.ok(marked.length >= 1 && marked.every((id) => id === 'untested-night-shift'), JSON.stringify(marked));
  await shotOf(sel('coverage-panel'), 'coverage');
  await page.click(`${sel('file-tab')}[data-file="schema.cedarschema"]`);
  await page.click(sel('coverage-show'));
  assert.equal(await page.getAttribute(`${sel('file-tab')}[aria-selected="true"]`, 'data-file'), 'rides.cedar');
  // Back to the example (the edit undone), and every policy covered again: no mark is left.
  await page.click(`${sel('editor')}[data-file="rides.cedar"] .cm-content`);
  await page.keyboard.press('Control+z');
  await page.keyboard.press('Control+z');
  await waitValid();
  await page.click(sel('coverage-run'));
  await waitForAttribute(page, sel('coverage-summary'), 'data-state', 'full');
  assert.equal(await page.$$eval('.cm-line[data-mark="uncovered"]', (l) => l.length), 0);
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
  // The example loaded instead is not written over the edits kept from the link.
  assert.match(await page.evaluate(() => localStorage.getItem('cedar-test-bench/state')), /\/\/ the shared case/);

  // A link pasted into the address bar of the open page (the fragment alone changes, no reload) loads too.
  await page.evaluate((s) => document.querySelector(s)?.remove(), sel('decision'));
  await page.goto(link);
  await waitForAttribute(page, sel('saved-status'), 'data-state', 'saved');
  assert.equal(await page.textContent(`${sel('editor')}[data-file="rides.cedar"] .cm-line`), '// the shared case');
  assert.equal(await decision(), 'ALLOW');
  assert.deepEqual(await snapshot(), before);
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

// ---- the editor features: kept edits, marks, Open, names, tokens, Format, completion, hover, conversion,
// forms, and every control once ------------------------------------------------------------------------------

/** The text of a (short) editor, line by line as it shows. */
const editorText = (file) =>
  page.$$eval(`${sel('editor')}[data-file="${file}"] .cm-line`, (lines) => lines.map((line) => line.textContent).join('\n'));

/** Viewport coordinates of the middle of `text` in the last line of a file's editor that shows it. */
async function pointAt(file, text) {
  const point = await page.evaluate(
    ([selector, wanted]) => {
      const lines = [...document.querySelectorAll(`${selector} .cm-line`)].filter((line) => line.textContent.includes(wanted));
      const line = lines.at(-1);
      if (!line) return null;
      const walker = document.createTreeWalker(line, NodeFilter.SHOW_TEXT);
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const at = node.data.indexOf(wanted);
        if (at < 0) continue;
        const range = document.createRange();
        range.setStart(node, at);
        range.setEnd(node, at + wanted.length);
        // Into view: the page scrolled to the line, the editor scrolled sideways to the word.
        line.scrollIntoView({ block: 'center' });
        const scroller = line.closest('.cm-scroller');
        const visible = scroller.getBoundingClientRect();
        const before = range.getBoundingClientRect();
        if (before.right > visible.right - 20 || before.left < visible.left + 60)
          scroller.scrollLeft += before.left - visible.left - visible.width / 2;
        const box = range.getBoundingClientRect();
        return { x: box.left + box.width / 2, y: box.top + box.height / 2 };
      }
      return null;
    },
    [`${sel('editor')}[data-file="${file}"]`, text],
  );
  assert.ok(point, `${file} shows no "${text}"`);
  return point;
}

/** The hover tooltip's text after resting the pointer on `text`. */
async function hoverText(file, text) {
  await page.mouse.move(0, 0);
  await page.waitForSelector(sel('hover'), { state: 'detached' });
  const { x, y } = await pointAt(file, text);
  await page.mouse.move(x, y);
  await page.waitForSelector(sel('hover'));
  return page.textContent(sel('hover'));
}

const completionLabels = () => page.$$eval('.cm-tooltip-autocomplete li .cm-completionLabel', (labels) => labels.map((l) => l.textContent));

/** Takes the completion `label` with Enter, once it is the selected one (CodeMirror ignores an Enter at once). */
async function acceptCompletion(label) {
  await page.waitForFunction(
    (wanted) => document.querySelector('.cm-tooltip-autocomplete li[aria-selected="true"] .cm-completionLabel')?.textContent === wanted,
    label,
  );
  await page.waitForTimeout(150);
  await page.keyboard.press('Enter');
  await page.waitForSelector('.cm-tooltip-autocomplete', { state: 'detached' });
}

async function addPolicyFile(name) {
  await page.click(`${sel('add-file')} summary`);
  await page.fill(sel('add-policy-name'), name);
  await page.click(`${sel('add-policy-form')} button[type=submit]`);
  assert.equal(await page.getAttribute(`${sel('file-tab')}[aria-selected="true"]`, 'data-file'), `${name}.cedar`);
}

test('edits are kept across a reload, and "Reset to example" brings the example back', async (t) => {
  // The share-link test left an edit (a first line) in rides.cedar: a plain visit restores it.
  await page.goto(`${server.url}?now=${NOW}`);
  await waitForAttribute(page, 'body', 'data-ready', 'true', 30_000);
  await waitValid();
  assert.equal(await page.getAttribute(sel('saved-status'), 'data-state'), 'restored');
  assert.equal(await page.textContent(`${sel('editor')}[data-file="rides.cedar"] .cm-line`), '// the shared case');
  assert.equal(await decision(), 'ALLOW', 'the restored case runs again');
  t.diagnostic(`page ready ${await page.getAttribute('body', 'data-ready-ms')} ms after navigation (restoring a saved store)`);

  // An edit, saved, survives a reload.
  await page.click(`${sel('editor')}[data-file="rides.cedar"] .cm-content`);
  await page.keyboard.press('Control+Home');
  await page.keyboard.insertText('// kept across a reload');
  await page.keyboard.press('Enter');
  await waitValid();
  await waitForAttribute(page, sel('saved-status'), 'data-state', 'saved');
  await page.waitForFunction(() => localStorage.getItem('cedar-test-bench/state')?.includes('// kept across a reload'));
  await page.reload();
  await waitForAttribute(page, 'body', 'data-ready', 'true', 30_000);
  await waitValid();
  assert.equal(await page.textContent(`${sel('editor')}[data-file="rides.cedar"] .cm-line`), '// kept across a reload');
  assert.equal(await page.textContent(sel('saved-status')), 'Edits restored');
  await shotOf('.topbar', 'edits-restored');

  // An edit made just before the page is left is written then, not lost with the debounce.
  await page.click(`${sel('editor')}[data-file="rides.cedar"] .cm-content`);
  await page.keyboard.press('Control+Home');
  await page.keyboard.insertText('// left at once');
  await page.keyboard.press('Enter');
  await page.reload();
  await waitForAttribute(page, 'body', 'data-ready', 'true', 30_000);
  assert.equal(await page.textContent(`${sel('editor')}[data-file="rides.cedar"] .cm-line`), '// left at once');

  // Reset (confirmed) loads the example as it ships, and the next visit starts from it too.
  page.once('dialog', (dialog) => dialog.accept());
  await page.click(sel('reset-example'));
  await waitForAttribute(page, sel('saved-status'), 'data-state', 'reset');
  await waitValid();
  const shipped = fs.readFileSync(path.join(rides, 'rides.cedar'), 'utf8').split('\n')[0];
  assert.equal(await page.textContent(`${sel('editor')}[data-file="rides.cedar"] .cm-line`), shipped);
  assert.equal(await page.textContent(sel('store-name')), 'policies/rides');
  assert.equal(await page.inputValue(sel('token-input')), '');
  await page.goto(`${server.url}?now=${NOW}`);
  await waitForAttribute(page, 'body', 'data-ready', 'true', 30_000);
  await waitValid();
  assert.notEqual(await page.getAttribute(sel('saved-status'), 'data-state'), 'restored');
  assert.equal(await page.textContent(`${sel('editor')}[data-file="rides.cedar"] .cm-line`), shipped);
  t.diagnostic(`page ready ${await page.getAttribute('body', 'data-ready-ms')} ms after navigation (the rides example)`);
  t.diagnostic(`rides validated in ${/\(([\d.]+) ms\)/.exec(await page.textContent(sel('validation-status')))?.[1]} ms`);
  await shot('reset-to-example');
});

test('the marker on a tab says what it means', async () => {
  await setRequest({ principalId: `${POOL}|rider-sub-0002`, action: 'get /riders', entities: [rider] });
  assert.equal(await run(), 'ALLOW');
  const mark = `${sel('file-tab')}[data-file="rides.cedar"] ${sel('file-tab-mark')}`;
  assert.ok(await page.isVisible(mark));
  assert.equal(await page.textContent(mark), '●');
  assert.match(await page.getAttribute(mark, 'title'), /policy that determined the last decision/);
  assert.equal(await page.isVisible(`${sel('file-tab')}[data-file="schema.cedarschema"] ${sel('file-tab-mark')}`), false);
  await page.hover(mark);
  await shotOf('.tabs-row', 'tab-marker');
});

test("a batch row's Open loads its request, scrolls to it and runs it; names are shown whole", async () => {
  const routes = JSON.parse(fs.readFileSync(path.join(rides, 'tests/routes.json'), 'utf8'));
  const index = routes.cases.findIndex((c) => c.expect.decision === 'DENY');
  const testCase = routes.cases[index];
  const row = `${sel('batch-row')}[data-file="tests/routes.json"][data-index="${index}"]`;
  await page.evaluate(() => window.scrollTo(0, document.body.scrollHeight));
  await page.evaluate((s) => document.querySelector(s)?.remove(), sel('decision'));
  await page.click(`${row} button:text("Open")`);
  assert.equal(await decision(), 'DENY');
  assert.equal(await page.inputValue(sel('principal-id')), testCase.principal.entityId ?? testCase.principal.id);
  assert.equal(await page.inputValue(sel('action-select')), `Rides::Action\u0000${testCase.action.actionId ?? testCase.action.id}`);
  const heading = await page.evaluate(() => {
    const box = document.getElementById('request-heading').getBoundingClientRect();
    return { inView: box.top >= 0 && box.bottom <= innerHeight, focused: document.activeElement?.id === 'request-heading' };
  });
  assert.deepEqual(heading, { inView: true, focused: true });
  await shot('batch-open');

  // Every name is shown whole: no name's box scrolls.
  const names = await page.$$eval(sel('batch-name'), (boxes) =>
    boxes.map((box) => ({
      value: box.value,
      title: box.title,
      fits: box.scrollWidth <= box.clientWidth && box.scrollHeight <= box.clientHeight + 1,
    })),
  );
  const expected = ['routes.json', 'tokens.json'].flatMap((file) =>
    JSON.parse(fs.readFileSync(path.join(rides, 'tests', file), 'utf8')).cases.map((c) => c.name),
  );
  assert.deepEqual(
    names.map((n) => n.value),
    expected,
  );
  assert.deepEqual(
    names.filter((n) => !n.fits).map((n) => n.value),
    [],
  );
  assert.deepEqual(
    names.map((n) => n.title),
    expected,
  );
  await shotOf(sel('batch-table'), 'batch-names');
});

test('a malformed token says why it cannot be read', async () => {
  await page.fill(sel('token-input'), 'not-a-token');
  await waitForAttribute(page, sel('token-status'), 'data-code', 'token.malformed');
  assert.match(
    await page.textContent(sel('token-unreadable')),
    /This token cannot be read: a JWT has three dot-separated parts, this token has 1\./,
  );
  assert.equal(await page.$(sel('token-header')), null);
  assert.equal(await page.$(sel('token-claims')), null);
  assert.doesNotMatch(await page.textContent(sel('token-explanation')), /null/);
  await shotOf('.token-panel', 'token-malformed');

  const header = Buffer.from(JSON.stringify({ alg: 'RS256', kid: 'k' })).toString('base64url');
  await page.fill(sel('token-input'), `${header}.bm90IGpzb24.c2ln`);
  await page.waitForSelector(sel('token-header'));
  assert.match(await page.textContent(sel('token-unreadable')), /Its claims cannot be read: the token's payload is not JSON\./);
  assert.deepEqual(JSON.parse(await page.textContent(sel('token-header'))), { alg: 'RS256', kid: 'k' });
  await page.fill(sel('token-input'), '');
});

test("Format rewrites a policy file as Cedar's formatter does, undoably; Shift+Alt+F too", async () => {
  await addPolicyFile('messy');
  assert.equal(await page.isVisible(sel('format')), true);
  await page.keyboard.insertText('// who may read');
  await page.keyboard.press('Enter');
  await page.keyboard.insertText(
    'permit(principal in Rides::CognitoUserGroup::"us-east-1_DemoPool1|Riders",action,resource) when {principal has email};',
  );
  const messy = await editorText('messy.cedar');
  await page.click(sel('format'));
  const formatted = [
    '// who may read',
    'permit (',
    '  principal in Rides::CognitoUserGroup::"us-east-1_DemoPool1|Riders",',
    '  action,',
    '  resource',
    ')',
    'when { principal has email };',
    '',
  ].join('\n');
  assert.equal(await editorText('messy.cedar'), formatted);
  assert.match(await page.textContent(sel('editor-status')), /Formatted/);
  await waitValid();
  await shotOf('.store-panel', 'format');
  await page.click(`${sel('editor')}[data-file="messy.cedar"] .cm-content`);
  await page.keyboard.press('Control+z');
  assert.equal(await editorText('messy.cedar'), messy);
  await page.keyboard.press('Shift+Alt+F');
  assert.equal(await editorText('messy.cedar'), formatted);
  await page.keyboard.press('Control+End');
  await page.keyboard.insertText('permit(');
  await page.click(sel('format'));
  await waitForAttribute(page, sel('editor-status'), 'data-state', 'failure');
  assert.match(await page.textContent(sel('editor-status')), /Not formatted: .*parse/);
  await page.keyboard.press('Control+z');
  await page.click(`${sel('file-tab')}[data-file="schema.cedarschema"]`);
  assert.equal(await page.isVisible(sel('format')), false);
});

test("completion offers the schema's names at the cursor, as you type and with Ctrl+Space", async () => {
  await page.click(`${sel('file-tab')}[data-file="messy.cedar"]`);
  await page.click(`${sel('editor')}[data-file="messy.cedar"] .cm-content`);
  await page.keyboard.press('Control+End');
  await page.keyboard.press('Enter');
  // Actions after `Rides::Action::"`, typed.
  await page.keyboard.insertText('permit (principal, action == Rides::Action:');
  await page.keyboard.type(':"');
  await page.waitForSelector('.cm-tooltip-autocomplete');
  assert.deepEqual(await completionLabels(), [
    '"get /rider"',
    '"get /riders"',
    '"get /trainer"',
    '"get /trainers"',
    '"get /unicorn"',
    '"get /unicorns"',
  ]);
  await page.keyboard.type('get /riders');
  await acceptCompletion('"get /riders"');
  await page.keyboard.insertText(', resource) when { principal has ');
  // After `has`: the attributes, a name that is not an identifier quoted.
  await page.keyboard.press('Control+Space');
  await page.waitForSelector('.cm-tooltip-autocomplete');
  assert.deepEqual(await completionLabels(), ['"cognito:username"', '"custom:department"', 'aud', 'email', 'email_verified']);
  await page.keyboard.type('emai');
  await acceptCompletion('email');
  await page.keyboard.insertText(' && principal');
  // Attributes after `principal.`, with their types.
  await page.keyboard.type('.');
  await page.waitForSelector('.cm-tooltip-autocomplete');
  assert.deepEqual(await completionLabels(), ['aud', 'cognito:username', 'custom:department', 'email', 'email_verified']);
  assert.match(await page.textContent('.cm-tooltip-autocomplete li:has-text("email_verified")'), /Bool \(optional\)/);
  await shotOf('.store-panel', 'completion-attributes', { wide: true });
  await page.keyboard.press('Escape');
  await page.waitForSelector('.cm-tooltip-autocomplete', { state: 'detached' });
  // Ctrl+Space asks again, filtered by what is typed; Enter takes the choice.
  await page.keyboard.type('em');
  await page.keyboard.press('Escape');
  await page.keyboard.press('Control+Space');
  await page.waitForSelector('.cm-tooltip-autocomplete');
  assert.deepEqual(await completionLabels(), ['email', 'email_verified']);
  await acceptCompletion('email');
  await page.keyboard.insertText(' like "*@example.com" && context has token && context.token has scope && context.token');
  await page.keyboard.type('.');
  await page.waitForSelector('.cm-tooltip-autocomplete');
  assert.deepEqual(await completionLabels(), ['client_id', 'scope', 'token_use', 'username']);
  await page.keyboard.press('Escape');
  await page.keyboard.insertText('scope.contains("read") };');
  const typed = (await editorText('messy.cedar')).split('\n').at(-1);
  assert.equal(
    typed,
    'permit (principal, action == Rides::Action::"get /riders", resource) when { principal has email && principal.email like "*@example.com" && context has token && context.token has scope && context.token.scope.contains("read") };',
  );
  await waitValid();
  // Entity types, from a namespace, with Ctrl+Space on an empty word.
  await page.keyboard.press('Enter');
  await page.keyboard.insertText('forbid (principal is ');
  await page.keyboard.press('Control+Space');
  await page.waitForSelector('.cm-tooltip-autocomplete');
  const names = await completionLabels();
  for (const name of ['Rides::CognitoUser', 'Rides::CognitoUserGroup', 'Rides::Application', 'permit', 'principal']) {
    assert.ok(names.includes(name), `${name} is not offered: ${names.join(', ')}`);
  }
  await page.keyboard.press('Escape');
  await page.keyboard.press('Shift+Home');
  await page.keyboard.press('Delete');
});

test('hover shows the type of an attribute and what an action applies to', async () => {
  const attribute = await hoverText('messy.cedar', 'email');
  assert.match(attribute, /email: String/);
  assert.match(attribute, /required\s*no/);
  assert.match(attribute, /of\s*Rides::CognitoUser/);
  await shotOf('.store-panel', 'hover-attribute', { wide: true });
  const action = await hoverText('messy.cedar', '"get /riders"');
  assert.match(action, /Rides::Action::"get \/riders"/);
  assert.match(action, /principal\s*Rides::CognitoUser/);
  assert.match(action, /resource\s*Rides::Application/);
  assert.match(action, /context\s*\{ token\?: \{ client_id\?: String/);
  await shotOf('.store-panel', 'hover-action', { wide: true });
  const nested = await hoverText('messy.cedar', 'scope');
  assert.match(nested, /scope: Set<String>/);
  await page.mouse.move(0, 0);
  await page.click(`${sel('file-tab')}[data-file="messy.cedar"]`);
  await page.click(sel('remove-file'));
  await waitValid();
});

test("the schema converts to JSON and back by Cedar's own conversion, and the store stays valid", async () => {
  await page.click(`${sel('file-tab')}[data-file="schema.cedarschema"]`);
  assert.equal((await page.textContent(sel('convert-schema'))).trim(), 'Convert to JSON');
  await page.click(sel('convert-schema'));
  await page.waitForSelector(`${sel('file-tab')}[data-file="schema.cedarschema.json"][aria-selected="true"]`);
  assert.equal(await page.$(`${sel('file-tab')}[data-file="schema.cedarschema"]`), null);
  await waitValid();
  assert.match(await page.textContent(sel('validation-status')), /Valid: 3 policies/);
  assert.match(await page.textContent(sel('editor-status')), /Converted to JSON: schema\.cedarschema\.json/);
  const json = await downloadedJson(page, () => page.click(sel('export-bundle')));
  assert.equal(json.json.schema.file, 'schema.cedarschema.json');
  const schema = JSON.parse(json.json.schema.text);
  assert.deepEqual(Object.keys(schema.Rides.entityTypes).sort(), ['Application', 'CognitoUser', 'CognitoUserGroup']);
  assert.equal(Object.keys(schema.Rides.actions).length, 6);
  await setRequest({ principalId: `${POOL}|rider-sub-0002`, action: 'get /riders', entities: [rider] });
  assert.equal(await run(), 'ALLOW');
  await page.click(`${sel('file-tab')}[data-file="schema.cedarschema.json"]`);
  await shotOf('.store-panel', 'schema-as-json');

  assert.equal((await page.textContent(sel('convert-schema'))).trim(), 'Convert to Cedar');
  await page.click(sel('convert-schema'));
  await page.waitForSelector(`${sel('file-tab')}[data-file="schema.cedarschema"][aria-selected="true"]`);
  await waitValid();
  const cedar = await editorText('schema.cedarschema');
  assert.match(cedar, /^namespace Rides \{/);
  assert.match(cedar, /entity CognitoUser in \[CognitoUserGroup\]/);
  assert.equal(await run(), 'ALLOW');
  // A schema that does not parse is not converted, and says why.
  await page.click(`${sel('file-tab')}[data-file="schema.cedarschema"]`);
  await page.click(`${sel('editor')}[data-file="schema.cedarschema"] .cm-content`);
  await page.keyboard.press('Control+End');
  await page.keyboard.insertText(' entity');
  await page.click(sel('convert-schema'));
  await waitForAttribute(page, sel('editor-status'), 'data-state', 'failure');
  assert.match(await page.textContent(sel('editor-status')), /^Not converted: /);
  await page.keyboard.press('Control+z');
  await waitValid();
});

test('forms from the schema edit the context and the extra entities, and Run uses them', async () => {
  await page.selectOption(sel('example-select'), 'saas-tenants');
  await waitValid();
  await page.check(sel('source-entity'));
  // The entities: a platform admin and a document, built with the form.
  await page.click(sel('entities-mode-json'));
  await replaceEditorText(page, sel('entities-editor'), '[]');
  await page.click(sel('entities-mode-form'));
  await page.selectOption(sel('entity-add-type'), 'SaaS::User');
  await page.click(sel('entity-add'));
  await page.keyboard.insertText('zed');
  const zed = `${sel('entity-card')}[data-type="SaaS::User"]`;
  await page.fill(`${zed} ${sel('entity-parents')}`, 'SaaS::Role::"platform-admin"');
  await page.fill(`${zed} ${sel('form-field')}[data-attribute="tenant"]`, 'acme');
  await page.selectOption(sel('entity-add-type'), 'SaaS::Document');
  await page.click(sel('entity-add'));
  await page.keyboard.insertText('plan');
  const plan = `${sel('entity-card')}[data-type="SaaS::Document"]`;
  assert.deepEqual(
    await page.$$eval(`${plan} ${sel('form-field')}`, (fields) => fields.map((f) => `${f.dataset.attribute}:${f.dataset.kind}`)),
    ['classification:string', 'owner:entity', 'tenant:entity'],
  );
  await page.fill(`${plan} ${sel('form-field')}[data-attribute="classification"]`, 'internal');
  await page.fill(`${plan} ${sel('form-field')}[data-attribute="owner"]`, 'zed');
  await page.fill(`${plan} ${sel('form-field')}[data-attribute="tenant"]`, 'globex');

  await page.selectOption(sel('action-select'), { label: 'document:read' });
  await page.selectOption(sel('principal-type'), 'SaaS::User');
  await page.fill(sel('principal-id'), 'zed');
  await page.selectOption(sel('resource-type'), 'SaaS::Document');
  await page.fill(sel('resource-id'), 'plan');

  // The context: the action's attributes, typed.
  await page.click(sel('context-mode-json'));
  await replaceEditorText(page, sel('context-editor'), '{}');
  await page.click(sel('context-mode-form'));
  assert.deepEqual(
    await page.$$eval(`${sel('context-form')} ${sel('form-field')}`, (fields) =>
      fields.map((f) => `${f.dataset.attribute}:${f.dataset.kind}`),
    ),
    ['requestTime:extension', 'sourceIp:extension'],
  );
  const sourceIp = `${sel('context-form')} ${sel('form-field')}[data-attribute="sourceIp"]`;
  await page.fill(sourceIp, '10.20.1.1');
  assert.equal(await run(), 'ALLOW');
  assert.deepEqual(await page.$$eval(sel('determining-policy'), (c) => c.map((e) => e.dataset.policyId)), ['platform-admin-override']);
  await shotOf('.side', 'forms-allow');
  await page.fill(sourceIp, '203.0.113.9');
  assert.equal(await run(), 'DENY');
  assert.deepEqual(await page.$$eval(sel('determining-policy'), (c) => c.map((e) => e.dataset.policyId)), ['platform-admin-network']);
  await shotOf('.side', 'forms-deny');

  // The JSON is what the forms wrote, and still editable.
  await page.click(sel('context-mode-json'));
  assert.deepEqual(JSON.parse(await page.textContent(`${sel('context-editor')} .cm-content`)), {
    sourceIp: { __extn: { fn: 'ip', arg: '203.0.113.9' } },
  });
  await page.click(sel('entities-mode-json'));
  const entities = JSON.parse(
    await page.$$eval(`${sel('entities-editor')} .cm-line`, (lines) => lines.map((l) => l.textContent).join('\n')),
  );
  assert.deepEqual(entities[0], {
    uid: { type: 'SaaS::User', id: 'zed' },
    attrs: { tenant: { __entity: { type: 'SaaS::Tenant', id: 'acme' } } },
    parents: [{ type: 'SaaS::Role', id: 'platform-admin' }],
  });
  // An integer beyond 2^53 anywhere in the JSON survives the form's rewrite digit for digit.
  await replaceEditorText(page, sel('context-editor'), '{"sourceIp": {"__extn": {"fn": "ip", "arg": "10.20.1.1"}}, "n": 9007199254740993}');
  await page.click(sel('context-mode-form'));
  await page.fill(sourceIp, '10.20.1.2');
  await page.click(sel('context-mode-json'));
  assert.match(await page.textContent(`${sel('context-editor')} .cm-content`), /"n": 9007199254740993/);
  await page.click(sel('context-mode-form'));
  await page.click(sel('entities-mode-form'));
});

test('every button and link of the page can be clicked once without a page error', async (t) => {
  await page.selectOption(sel('example-select'), 'rides');
  await waitValid();
  await page.click(sel('batch-run'));
  await waitForAttribute(page, sel('batch-summary'), 'data-state', 'pass');
  await page.fill(sel('token-input'), idToken);
  await page.fill(sel('jwks-input'), JSON.stringify(jwks));
  await waitForAttribute(page, sel('token-status'), 'data-verified', 'true');
  await page.click(`${sel('add-file')} summary`);
  await page.click(sel('share-open'));
  assert.equal(await run(), 'ALLOW');

  // Each control is known by what it is and where (its test id, text, row, file), so one the page rebuilds
  // is not clicked again; each round clicks the first visible, enabled control not clicked yet, leaving
  // the controls that hide others (panels, menus, form or JSON) until nothing else is left.
  const done = new Set();
  let clicked = 0;
  let retries = 0;
  page.on('dialog', (dialog) => dialog.dismiss());
  for (let round = 0; round < 500; round += 1) {
    const next = await page.evaluate(
      (clickedKeys) => {
        for (const marked of document.querySelectorAll('[data-click-next]')) delete marked.dataset.clickNext;
        const toggles = /^(share-open|context-mode-\w+|entities-mode-\w+|source-\w+|SUMMARY)$/;
        const all = [...document.querySelectorAll('button, a[href], summary, input[type=checkbox], input[type=radio]')];
        const isToggle = (control) => toggles.test(control.dataset.testid ?? control.tagName);
        const controls = [...all.filter((c) => !isToggle(c)), ...all.filter(isToggle)];
        for (const control of controls) {
          const row = control.closest('[data-testid="batch-row"]');
          const key = [
            control.dataset.testid ?? control.tagName,
            control.textContent.trim().slice(0, 40),
            control.getAttribute('href') ?? '',
            control.dataset.file ?? '',
            control.value ?? '',
            row ? `${row.dataset.file}#${row.dataset.index}` : '',
          ].join('|');
          if (clickedKeys.includes(key) || control.disabled) continue;
          if (!control.checkVisibility({ checkVisibilityCSS: true }) || control.getClientRects().length === 0) continue;
          control.dataset.clickNext = key;
          return { key, href: control.getAttribute('href') };
        }
        return null;
      },
      [...done],
    );
    if (!next) break;
    done.add(next.key);
    const control = page.locator('[data-click-next]');
    if (next.href !== null && !next.href.startsWith('#')) {
      // A link away from the page: checked, not followed.
      assert.ok(new URL(next.href, server.url).origin === new URL(server.url).origin || /^https:/.test(next.href), next.key);
      continue;
    }
    // The export buttons download a file: waited for, so none is left half done.
    const download = /^(export-bundle|batch-export)\|/.test(next.key) ? page.waitForEvent('download', { timeout: 5000 }) : null;
    let inView;
    try {
      inView = await control.evaluate(
        (element) => {
          element.scrollIntoView({ block: 'center' });
          const box = element.getBoundingClientRect();
          return box.bottom > 0 && box.right > 0 && box.top < innerHeight && box.left < innerWidth;
        },
        undefined,
        { timeout: 2000 },
      );
    } catch (e) {
      // Rebuilt by the page between finding and scrolling to it: found again.
      if ((await control.count()) > 0 || (retries += 1) > 20) throw e;
      done.delete(next.key);
      continue;
    }
    if (inView) {
      try {
        await control.click({ timeout: 2000 });
      } catch (e) {
        // Rebuilt by the page between finding and clicking it (a form after a validation): found again.
        if ((await control.count()) > 0 || (retries += 1) > 20) throw e;
        done.delete(next.key);
        continue;
      }
    } else {
      // Shown only on focus (the skip link): used as a keyboard user does.
      await control.focus();
      await page.keyboard.press('Enter');
    }
    await download;
    clicked += 1;
    assert.notEqual(await page.getAttribute('body', 'data-ready'), 'failed', `after ${next.key}`);
    assert.deepEqual(browser.problems, [], `after clicking ${next.key}`);
  }
  const kinds = new Set([...done].map((key) => key.split('|')[0]));
  t.diagnostic(`${clicked} clicks on ${kinds.size} kinds of control: ${[...kinds].join(', ')}`);
  for (const kind of [
    'A',
    'open-folder',
    'export-bundle',
    'reset-example',
    'share-copy',
    'run',
    'batch-run',
    'format',
    'convert-schema',
    'entity-add',
  ]) {
    assert.ok(kinds.has(kind), `${kind} was never clicked`);
  }
  assert.ok(
    [...done].some((key) => key.startsWith('BUTTON|Open|')),
    'no batch row was opened',
  );
  await page.keyboard.press('Escape');
  await shot('every-control-clicked');
});
