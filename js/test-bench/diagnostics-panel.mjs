// The validation status and the list of problems under the editor; choosing a problem puts the cursor on it.
import { byTestId, h, replaceChildren } from './dom.mjs';

export class DiagnosticsPanel {
  constructor(workspace, storeEditor) {
    this.workspace = workspace;
    this.storeEditor = storeEditor;
    this.status = byTestId('validation-status');
    this.list = byTestId('diagnostics');
    this.count = byTestId('diagnostic-count');
    workspace.addEventListener('pending', () => this.#showPending());
    workspace.addEventListener('validated', () => this.#render());
  }

  #showPending() {
    this.status.dataset.state = 'pending';
    this.status.textContent = 'Validating…';
  }

  #render() {
    const { diagnostics, authorizer, validationMs } = this.workspace;
    const errors = diagnostics.filter((d) => d.severity !== 'warning').length;
    const warnings = diagnostics.length - errors;
    this.status.dataset.state = authorizer ? 'valid' : 'invalid';
    if (authorizer) {
      const policies = authorizer.policies.length;
      this.status.textContent = `✓ Valid: ${policies} ${policies === 1 ? 'policy' : 'policies'}${warnings ? `, ${warnings} warning${warnings === 1 ? '' : 's'}` : ''} (${validationMs.toFixed(1)} ms)`;
    } else {
      this.status.textContent = `✗ ${errors} error${errors === 1 ? '' : 's'}: requests cannot run until they are fixed`;
    }
    this.count.textContent = String(diagnostics.length);
    if (diagnostics.length === 0) {
      replaceChildren(this.list, h('li', { class: 'no-problems' }, 'No problems: the store validates strictly against its schema.'));
      return;
    }
    replaceChildren(
      this.list,
      diagnostics.map((d) => this.#item(d)),
    );
  }

  #item(diagnostic) {
    const where = diagnostic.file
      ? `${diagnostic.file}${diagnostic.start ? `:${diagnostic.start.line}:${diagnostic.start.column}` : ''}`
      : 'store';
    const canJump = Boolean(diagnostic.file && this.storeEditor.viewOf(diagnostic.file));
    const content = [
      h(
        'span',
        { class: `severity ${diagnostic.severity}`, 'aria-label': diagnostic.severity },
        diagnostic.severity === 'warning' ? '!' : '×',
      ),
      h('span', { class: 'where' }, where),
      h('span', { class: 'message' }, diagnostic.errorDescription),
      diagnostic.help ? h('span', { class: 'help' }, `help: ${diagnostic.help}`) : null,
      h('span', { class: 'code' }, diagnostic.code),
    ];
    const attributes = {
      class: 'diagnostic',
      dataset: {
        testid: 'diagnostic',
        file: diagnostic.file ?? '',
        line: String(diagnostic.start?.line ?? ''),
        column: String(diagnostic.start?.column ?? ''),
        code: diagnostic.code,
        severity: diagnostic.severity,
      },
    };
    if (!canJump) return h('li', {}, h('div', attributes, content));
    return h(
      'li',
      {},
      h(
        'button',
        {
          ...attributes,
          type: 'button',
          title: 'Go to this problem',
          onclick: () => this.storeEditor.reveal(diagnostic.file, diagnostic.start?.line ?? 1, diagnostic.start?.column ?? 1),
        },
        content,
      ),
    );
  }
}
