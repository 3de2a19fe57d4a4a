// The batch table: requests with expected decisions, grouped by test file (a store's tests/*.json load into
// it), run together by the engine's policy test runner, pass or fail per row, each group exportable as a
// test file that `cedar-authorizer test` runs.
import { byTestId, download, h, parseJson, pretty, replaceChildren } from './dom.mjs';
import { entityText, referenceParts } from './references.mjs';

export const BENCH_TEST_FILE = 'tests/bench.json';
const REQUEST_FIELDS = ['principal', 'identityClaims', 'accessClaims', 'action', 'resource', 'context', 'entities'];

export class BatchPanel {
  /** @type {Array<{ file: string, description?: string, entities: unknown[], cases: object[], rest: object, error?: string, text?: string }>} */
  groups = [];
  /** file to the report's cases for it, in order, from the last run */
  #results = new Map();
  #diagnostics = [];

  constructor(workspace, { onOpen }) {
    this.workspace = workspace;
    this.onOpen = onOpen;
    this.body = byTestId('batch-body');
    this.summary = byTestId('batch-summary');
    byTestId('batch-run').addEventListener('click', () => this.runAll());
    workspace.addEventListener('pending', () => this.#forgetResults());
  }

  /** Loads test files (`{ 'tests/x.json': text }`), replacing the table. */
  load(testFiles) {
    this.groups = Object.entries(testFiles)
      .map(([file, text]) => parseGroup(file, text))
      .sort(byFile);
    this.#forgetResults();
  }

  /** The table as test files, the format `runTests` and `cedar-authorizer test` read. */
  toFiles() {
    return Object.fromEntries(this.groups.map((group) => [group.file, serializeGroup(group)]));
  }

  /** Every entity list and entity reference in the tests, for the request builder's id suggestions. */
  entityLists() {
    const lists = [];
    for (const group of this.groups) {
      lists.push(group.entities);
      for (const testCase of group.cases) {
        if (Array.isArray(testCase.entities)) lists.push(testCase.entities);
        lists.push([testCase.principal, testCase.resource].filter(Boolean).map((uid) => ({ uid })));
      }
    }
    return lists;
  }

  /** The first case that names its principal (not token claims), with its group. */
  firstEntityCase() {
    for (const group of this.groups) {
      const testCase = group.cases.find((c) => c.principal && c.action && c.resource);
      if (testCase) return { group, testCase };
    }
    return undefined;
  }

  /** Adds a case to the bench's own test file, creating it when needed. */
  addCase(testCase) {
    let group = this.groups.find((g) => g.file === BENCH_TEST_FILE);
    if (!group) {
      group = { file: BENCH_TEST_FILE, description: 'cases added in the test bench', entities: [], cases: [], rest: {} };
      this.groups.push(group);
      this.groups.sort(byFile);
    }
    group.cases.push(testCase);
    this.#results.delete(group.file);
    this.render();
    this.body.querySelector(`[data-file="${BENCH_TEST_FILE}"][data-index="${group.cases.length - 1}"] textarea`)?.focus();
  }

  /** Runs every row with the engine's test runner and shows pass or fail per row. */
  runAll() {
    this.workspace.flush();
    const authorizer = this.workspace.authorizer;
    if (!authorizer) {
      this.#setSummary('blocked', 'The store has errors: fix them to run the batch.');
      return;
    }
    const started = performance.now();
    const report = authorizer.runTests(this.toFiles());
    const ms = performance.now() - started;
    this.#results.clear();
    for (const result of report.cases) {
      if (!this.#results.has(result.file)) this.#results.set(result.file, []);
      this.#results.get(result.file).push(result);
    }
    this.#diagnostics = report.diagnostics ?? [];
    this.render();
    const total = report.cases.length;
    const state = report.failed === 0 && this.#diagnostics.length === 0 ? 'pass' : 'fail';
    const problems = this.#diagnostics.length
      ? `, ${this.#diagnostics.length} test file problem${this.#diagnostics.length === 1 ? '' : 's'}`
      : '';
    this.#setSummary(
      state,
      `${report.passed} of ${total} passed${report.failed ? `, ${report.failed} failed` : ''}${problems} (${ms.toFixed(1)} ms)`,
    );
  }

  #forgetResults() {
    this.#results.clear();
    this.#diagnostics = [];
    this.render();
    const count = this.groups.reduce((n, g) => n + g.cases.length, 0);
    this.#setSummary(
      'idle',
      count ? `${count} request${count === 1 ? '' : 's'}: not run yet` : 'No requests: add one from the request builder.',
    );
  }

  #setSummary(state, text) {
    this.summary.dataset.state = state;
    this.summary.textContent = text;
  }

  render() {
    const rows = [];
    for (const group of this.groups) {
      rows.push(this.#groupRow(group));
      const results = this.#results.get(group.file) ?? [];
      group.cases.forEach((testCase, index) => rows.push(...this.#caseRows(group, testCase, index, results[index])));
    }
    for (const diagnostic of this.#diagnostics) {
      rows.push(
        h(
          'tr',
          { class: 'diagnostic-row' },
          h(
            'td',
            { colspan: 8, dataset: { testid: 'batch-diagnostic' } },
            `${diagnostic.file ?? ''}${diagnostic.start ? `:${diagnostic.start.line}` : ''}: ${diagnostic.errorDescription}`,
          ),
        ),
      );
    }
    replaceChildren(this.body, rows);
    for (const name of this.body.querySelectorAll('textarea.case-name')) fitHeight(name);
  }

  #groupRow(group) {
    return h(
      'tr',
      { class: 'group-row' },
      h(
        'th',
        { colspan: 8, scope: 'colgroup' },
        h(
          'div',
          { class: 'group-head' },
          h('span', { class: 'group-file' }, group.file),
          group.description ? h('span', { class: 'hint' }, group.description) : null,
          group.error ? h('span', { class: 'problem' }, group.error) : null,
          h('span', { class: 'spacer' }),
          h(
            'button',
            {
              type: 'button',
              class: 'link-button',
              dataset: { testid: 'batch-export', file: group.file },
              onclick: () => download(group.file.split('/').pop(), serializeGroup(group)),
            },
            'Export as test file',
          ),
        ),
      ),
    );
  }

  #caseRows(group, testCase, index, result) {
    const status = result ? (result.passed ? 'pass' : 'fail') : 'pending';
    const expected = testCase.expect?.decision ?? 'ALLOW';
    const row = h(
      'tr',
      { class: `case-row ${status}`, dataset: { testid: 'batch-row', status, file: group.file, index: String(index) } },
      h(
        'td',
        {},
        h(
          'textarea',
          {
            class: 'case-name',
            rows: 1,
            'aria-label': 'Name',
            spellcheck: 'false',
            title: testCase.name ?? '',
            dataset: { testid: 'batch-name' },
            // A name is one line: Enter ends the edit instead of breaking it.
            onkeydown: (event) => {
              if (event.key === 'Enter') {
                event.preventDefault();
                event.target.blur();
              }
            },
            oninput: (event) => fitHeight(event.target),
            onchange: (event) => {
              testCase.name = event.target.value.replace(/\s*\n\s*/g, ' ');
              event.target.title = testCase.name;
            },
          },
          testCase.name ?? '',
        ),
      ),
      h('td', { class: 'mono' }, principalText(testCase)),
      h('td', { class: 'mono' }, referenceParts(testCase.action).id),
      h('td', { class: 'mono' }, testCase.resource ? entityText(testCase.resource) : ''),
      h(
        'td',
        {},
        h(
          'select',
          {
            'aria-label': `Expected decision for ${testCase.name ?? `row ${index + 1}`}`,
            dataset: { testid: 'batch-expected' },
            onchange: (event) => this.#setExpected(group, testCase, event.target.value),
          },
          ['ALLOW', 'DENY'].map((d) => h('option', { value: d, selected: d === expected }, d)),
        ),
      ),
      h('td', { dataset: { testid: 'batch-actual' } }, result ? actualText(result.actual) : ''),
      h(
        'td',
        {},
        h('span', { class: `badge ${status}`, dataset: { testid: 'batch-status' } }, { pass: 'PASS', fail: 'FAIL', pending: '–' }[status]),
      ),
      h(
        'td',
        { class: 'row-actions' },
        testCase.principal
          ? h(
              'button',
              {
                type: 'button',
                class: 'link-button',
                title: 'Load this request into the request builder and run it',
                onclick: () => this.onOpen(testCase, group),
              },
              'Open',
            )
          : null,
        h(
          'button',
          { type: 'button', class: 'link-button', title: 'Remove this row', onclick: () => this.#remove(group, index) },
          'Remove',
        ),
      ),
    );
    if (!result || result.passed) return [row];
    return [
      row,
      h(
        'tr',
        { class: 'differences-row' },
        h(
          'td',
          { colspan: 8 },
          h(
            'ul',
            { class: 'plain', dataset: { testid: 'batch-differences' } },
            result.differences.map((d) => h('li', {}, d)),
          ),
        ),
      ),
    ];
  }

  /** A changed decision drops the finer expectations (policies, error codes): they were about the old one. */
  #setExpected(group, testCase, decision) {
    if (testCase.expect?.decision === decision) return;
    testCase.expect = { decision };
    this.#results.delete(group.file);
    this.render();
  }

  #remove(group, index) {
    group.cases.splice(index, 1);
    this.#results.delete(group.file);
    if (group.cases.length === 0 && group.file === BENCH_TEST_FILE) this.groups.splice(this.groups.indexOf(group), 1);
    this.render();
  }

  /** A case for the current request (entity mode) or the token's claims (token mode). */
  static caseFrom({ request, claims, kind, decision }) {
    const testCase = { name: '' };
    if (claims) testCase[kind === 'access' ? 'accessClaims' : 'identityClaims'] = claims;
    else testCase.principal = request.principal;
    testCase.action = request.action;
    testCase.resource = request.resource;
    if (request.context && Object.keys(request.context).length) testCase.context = request.context;
    if (Array.isArray(request.entities) ? request.entities.length : request.entities) testCase.entities = request.entities;
    testCase.name = `${claims ? `${kind === 'access' ? 'access' : 'ID'} token of ${claims.sub ?? '?'}` : request.principal.entityId} → ${request.action.actionId}`;
    testCase.expect = { decision: decision ?? 'ALLOW' };
    return testCase;
  }
}

const byFile = (a, b) => a.file.localeCompare(b.file);

/** Grows a name's box to its whole text (where CSS `field-sizing` is not supported), so no name is cut off. */
function fitHeight(textarea) {
  if (CSS.supports?.('field-sizing', 'content')) return;
  textarea.style.height = 'auto';
  textarea.style.height = `${textarea.scrollHeight + 2}px`;
}

function parseGroup(file, text) {
  try {
    const { description, entities, cases, ...rest } = parseJson(text);
    if (!Array.isArray(cases)) throw new Error('it has no "cases" list');
    return { file, description, entities: entities ?? [], cases, rest };
  } catch (e) {
    return { file, entities: [], cases: [], rest: {}, error: `not a test file: ${e.message}`, text };
  }
}

function serializeGroup(group) {
  if (group.error) return group.text;
  const cases = group.cases.map((testCase) => {
    const ordered = { name: testCase.name };
    for (const field of REQUEST_FIELDS) if (testCase[field] !== undefined) ordered[field] = testCase[field];
    for (const [key, value] of Object.entries(testCase)) if (!(key in ordered) && key !== 'expect') ordered[key] = value;
    ordered.expect = testCase.expect;
    return ordered;
  });
  const file = { ...(group.description ? { description: group.description } : {}), ...group.rest };
  if (group.entities.length) file.entities = group.entities;
  file.cases = cases;
  return `${pretty(file)}\n`;
}

function principalText(testCase) {
  if (testCase.principal) return entityText(testCase.principal);
  const claims = testCase.identityClaims ?? testCase.accessClaims;
  if (!claims) return '';
  const kinds = [testCase.identityClaims && 'ID', testCase.accessClaims && 'access'].filter(Boolean).join(' + ');
  const groups = Array.isArray(claims['cognito:groups']) ? ` [${claims['cognito:groups'].join(', ')}]` : '';
  return `${kinds} token: ${claims.sub ?? '(no sub)'}${groups}`;
}

function actualText(actual) {
  const detail = actual.determiningPolicies.map((p) => p.policyId).join(', ') || actual.errors.map((e) => e.code).join(', ');
  return h(
    'span',
    {},
    h('strong', { class: actual.decision === 'ALLOW' ? 'allow-text' : 'deny-text' }, actual.decision),
    detail ? h('span', { class: 'hint' }, ` ${detail}`) : null,
  );
}
