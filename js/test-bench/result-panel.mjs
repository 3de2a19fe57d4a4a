// The answer to a request: ALLOW or DENY, the determining policies (marked in the editor too), errors,
// the principal a token mapped to, and how long the decision took.
import { byTestId, h, replaceChildren } from './dom.mjs';
import { entityText } from './references.mjs';

export class ResultPanel {
  constructor(workspace, storeEditor) {
    this.workspace = workspace;
    this.storeEditor = storeEditor;
    this.output = byTestId('result');
    workspace.addEventListener('pending', () => this.#markStale());
    workspace.addEventListener('store', () => this.clear());
  }

  clear() {
    replaceChildren(this.output, h('p', { class: 'hint' }, 'Run a request to see the decision.'));
    this.storeEditor.clearMarks();
  }

  /** Shows a problem that kept the request from running (bad JSON, a store with errors). */
  showProblem(message) {
    replaceChildren(this.output, h('div', { class: 'problem', dataset: { testid: 'run-problem' } }, message));
    this.storeEditor.clearMarks();
  }

  /**
   * Shows an answer of isAuthorized or isAuthorizedWithToken. `timing` is `{ ms, runs }`: the engine's time
   * per decision, averaged over `runs` calls when one call is below the browser's timer resolution.
   */
  showAnswer(answer, timing) {
    const manifest = this.workspace.authorizer?.policies ?? [];
    const entryOf = (id) => markEntry(manifest, id);
    const determining = answer.determiningPolicies.map((p) => entryOf(p.policyId));
    const erroring = answer.errors.filter((e) => e.policyId).map((e) => entryOf(e.policyId));
    const allow = answer.decision === 'ALLOW';

    replaceChildren(
      this.output,
      h(
        'div',
        { class: 'verdict' },
        h(
          'div',
          { class: `decision ${allow ? 'allow' : 'deny'}`, dataset: { testid: 'decision', decision: answer.decision } },
          h('span', { class: 'decision-icon', 'aria-hidden': 'true' }, allow ? '✓' : '✕'),
          answer.decision,
        ),
        h(
          'span',
          { class: 'decision-time', dataset: { testid: 'decision-time' }, title: 'Time the engine took for this decision' },
          formatMs(timing.ms),
          timing.runs > 1 ? h('span', { class: 'hint' }, ` mean of ${timing.runs} runs`) : null,
        ),
      ),
      answer.principal
        ? h(
            'p',
            { class: 'principal-line' },
            'Principal from the token: ',
            h('code', { dataset: { testid: 'result-principal' } }, entityText(answer.principal)),
          )
        : null,
      h('h3', {}, 'Determining policies'),
      determining.length
        ? h(
            'ul',
            { class: 'policy-list' },
            determining.map((entry) => this.#policyItem(entry, 'determining-policy')),
          )
        : h('p', { class: 'hint', dataset: { testid: 'no-determining' } }, allow ? '' : 'None: no permit matched, so the default is DENY.'),
      answer.errors.length
        ? [
            h('h3', {}, 'Errors'),
            h(
              'ul',
              { class: 'error-list' },
              answer.errors.map((error) =>
                h(
                  'li',
                  { dataset: { testid: 'result-error', code: error.code } },
                  h('code', {}, error.code),
                  error.policyId ? ` in ${error.policyId}` : '',
                  `: ${error.errorDescription}`,
                ),
              ),
            ),
          ]
        : null,
      answer.warnings?.length
        ? [
            h('h3', {}, 'Warnings'),
            h(
              'ul',
              { class: 'error-list warnings' },
              answer.warnings.map((w) =>
                h('li', { dataset: { testid: 'result-warning' } }, h('code', {}, w.code), `: ${w.errorDescription}`),
              ),
            ),
          ]
        : null,
    );

    this.storeEditor.markPolicies([
      ...determining.filter((e) => e.start).map((e) => ({ ...e, role: 'determining' })),
      ...erroring.filter((e) => e.start).map((e) => ({ ...e, role: 'error' })),
    ]);
  }

  #policyItem(entry, testid) {
    const label = entry.viaLink
      ? [h('code', {}, entry.viaLink), ' (a link of template ', h('code', {}, entry.id), ')']
      : [h('code', {}, entry.id)];
    const where = entry.start ? `${entry.file}:${entry.start.line}` : (entry.file ?? '');
    return h(
      'li',
      {},
      h(
        'button',
        {
          type: 'button',
          class: `policy-chip ${entry.effect ?? ''}`,
          dataset: { testid, policyId: entry.viaLink ?? entry.id },
          title: 'Show this policy in the editor',
          onclick: () => this.storeEditor.revealPolicy(entry),
        },
        h('span', { class: 'effect' }, entry.effect ?? ''),
        label,
        h('span', { class: 'where' }, where),
      ),
    );
  }

  #markStale() {
    const verdict = this.output.querySelector('.verdict');
    if (verdict && !this.output.querySelector('.stale')) {
      this.output.prepend(
        h('p', { class: 'stale', dataset: { testid: 'result-stale' } }, 'The store changed since this decision: run again.'),
      );
    }
  }
}

/** The manifest entry to mark for a policy id: a link is marked at its template. */
function markEntry(manifest, id) {
  const entry = manifest.find((p) => p.id === id) ?? { id };
  if (entry.kind !== 'link') return entry;
  const template = manifest.find((p) => p.id === entry.templateId);
  return template ? { ...template, viaLink: id } : entry;
}

function formatMs(ms) {
  if (ms < 0.01) return `${(ms * 1000).toFixed(1)} µs`;
  if (ms < 1) return `${(ms * 1000).toFixed(0)} µs`;
  return `${ms.toFixed(2)} ms`;
}
