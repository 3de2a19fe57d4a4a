// Two questions about the store being edited. "What may this principal do?": every action of the schema
// for the request's principal (or token) and resource, each decided (authorizer.allowedActions), with a
// Try button that puts the action in the request and runs it. "Coverage": the batch's test cases run, and
// the policies, links and routes none of them exercises listed and marked in the editor.
import { testCoverage } from '../dist/web.mjs';
import { byTestId, h, replaceChildren } from './dom.mjs';

export class AllowedPanel {
  constructor(workspace, { builder, tokenPanel, onTry }) {
    this.workspace = workspace;
    this.builder = builder;
    this.tokenPanel = tokenPanel;
    this.onTry = onTry;
    this.panel = byTestId('allowed-panel');
    this.status = byTestId('allowed-status');
    this.body = byTestId('allowed-body');
    byTestId('allowed-run').addEventListener('click', () => this.run());
    workspace.addEventListener('validated', () => {
      if (!this.panel.hidden) this.status.textContent = 'The store changed: ask again to see its answers.';
    });
  }

  async run() {
    this.workspace.flush();
    this.panel.hidden = false;
    const authorizer = this.workspace.authorizer;
    if (!authorizer) return this.#problem('The store has errors (see Problems): fix them to ask.');
    let request;
    try {
      request = this.builder.buildRequest();
    } catch (e) {
      return this.#problem(e.message);
    }
    const { action: _action, ...question } = request;
    if (this.builder.source === 'token') {
      if (!this.tokenPanel.token) return this.#problem('Paste a token in the Token panel, or take the principal from an entity.');
      delete question.principal;
      question[this.tokenPanel.kind === 'access' ? 'accessToken' : 'identityToken'] = this.tokenPanel.token;
    }
    const started = performance.now();
    const answer = await authorizer.allowedActions(question);
    const ms = performance.now() - started;
    if (answer.errors.length > 0) return this.#problem(answer.errors.map((e) => `${e.code}: ${e.errorDescription}`).join('; '));
    const allowed = answer.actions.filter((a) => a.decision === 'ALLOW').length;
    this.status.dataset.state = 'answered';
    this.status.textContent = answer.actions.length
      ? `${allowed} of ${answer.actions.length} actions allowed (${ms.toFixed(1)} ms)`
      : 'No action of the schema applies to this principal and resource type.';
    replaceChildren(
      this.body,
      answer.actions.map((entry) =>
        h(
          'tr',
          { dataset: { testid: 'allowed-row', action: entry.action.actionId, decision: entry.decision } },
          h('td', { class: 'mono' }, entry.action.actionId),
          h('td', {}, h('span', { class: `badge ${entry.decision === 'ALLOW' ? 'allow' : 'deny'}` }, entry.decision)),
          h(
            'td',
            { class: 'mono' },
            entry.determiningPolicies.map((p) => p.policyId).join(', ') ||
              (entry.errors.length ? entry.errors.map((e) => e.code).join(', ') : '—'),
          ),
          h('td', {}, h('button', { type: 'button', dataset: { testid: 'allowed-try' }, onclick: () => this.onTry(entry.action) }, 'Try')),
        ),
      ),
    );
  }

  #problem(message) {
    this.status.dataset.state = 'problem';
    this.status.textContent = message;
    replaceChildren(this.body);
  }
}

export class CoveragePanel {
  constructor(workspace, { storeEditor, batch }) {
    this.workspace = workspace;
    this.storeEditor = storeEditor;
    this.batch = batch;
    this.panel = byTestId('coverage-panel');
    this.summary = byTestId('coverage-summary');
    this.list = byTestId('coverage-list');
    byTestId('coverage-run').addEventListener('click', () => this.run());
  }

  run() {
    this.workspace.flush();
    this.panel.hidden = false;
    const authorizer = this.workspace.authorizer;
    if (!authorizer) {
      this.summary.dataset.state = 'problem';
      this.summary.textContent = 'The store has errors (see Problems): fix them to measure coverage.';
      replaceChildren(this.list);
      return;
    }
    const report = authorizer.runTests({ ...this.workspace.files, ...this.batch.toFiles() });
    const coverage = testCoverage(report, authorizer);
    const uncovered = [...coverage.policies.filter((p) => !p.covered), ...coverage.routes.filter((r) => !r.covered)];
    this.summary.dataset.state = uncovered.length ? 'partial' : 'full';
    this.summary.textContent = `${coverage.covered} of ${coverage.total} policies, links and routes covered (${coverage.percent.toFixed(0)}%) by ${report.cases.length} test case${report.cases.length === 1 ? '' : 's'}${uncovered.length ? '' : ': every one is exercised'}`;
    const entries = new Map(authorizer.policies.map((p) => [p.id, p]));
    const place = (id) => {
      const entry = entries.get(id);
      return entry && entry.kind === 'link' ? entries.get(entry.templateId) : entry;
    };
    replaceChildren(
      this.list,
      uncovered.map((item) =>
        item.routeKey
          ? h(
              'li',
              { dataset: { testid: 'coverage-item', kind: 'route', id: item.routeKey } },
              h('span', { class: 'mono' }, item.routeKey),
              ` no test case asks for ${item.action}`,
            )
          : h(
              'li',
              { dataset: { testid: 'coverage-item', kind: item.kind, id: item.id } },
              h('span', { class: 'mono' }, item.id),
              ` (${item.kind}, ${item.file}) no test case makes it determining `,
              h(
                'button',
                {
                  type: 'button',
                  class: 'link-button',
                  dataset: { testid: 'coverage-show' },
                  onclick: () => this.storeEditor.revealPolicy(place(item.id)),
                },
                'Show',
              ),
            ),
      ),
    );
    // The policies no case makes determining, marked where they are written.
    const marks = coverage.policies
      .filter((p) => !p.covered)
      .map((p) => place(p.id))
      .filter(Boolean)
      .map((entry) => ({ ...entry, role: 'uncovered' }));
    this.storeEditor.markPolicies(marks, { scroll: false });
  }
}
