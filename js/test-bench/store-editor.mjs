// The store's editors: one tab and one CodeMirror view per file (so each keeps its own undo history), the
// engine's diagnostics inline, the policies of the last decision marked where they are written, completion
// and hover in policy files, Format (Cedar's formatter) and schema conversion (Cedar's own, both ways).
import { EditorView } from '@codemirror/view';
import { convertSchema, formatPolicies } from '../dist/web.mjs';
import { byTestId, h, replaceChildren } from './dom.mjs';
import { compareStorePaths, emptyJsonFile, fileKind, freshPolicyFileName, OPTIONAL_JSON_FILES } from './store-files.mjs';
import { createEditor, diagnosticsSpec, moveCursor, replaceText, setPolicyMarks } from './editor-setup.mjs';
import { cedarAssist } from './cedar-assist.mjs';
import { schemaPath } from './schema-reader.mjs';

const MARK_TITLE = 'This file holds a policy that determined the last decision (highlighted in the editor)';

const KIND_LABELS = {
  schema: 'Schema: entity types, actions and what they apply to',
  policies: 'Policies and templates (Cedar) · Ctrl+Space completes',
  links: 'Template links: [{ id, templateId, principal, resource }]',
  entities: 'Static entities (Cedar entity JSON)',
  authorizer: 'authorizer.json: validation mode, identity sources, routes',
  other: 'Store file',
};

export class StoreEditor {
  /** @type {Map<string, { view: import('@codemirror/view').EditorView, panel: HTMLElement, tab: HTMLElement }>} */
  #editors = new Map();
  #active = null;
  #marks = [];

  constructor(workspace, { onRun }) {
    this.workspace = workspace;
    this.onRun = onRun;
    this.tabs = byTestId('file-tabs');
    this.host = byTestId('editor-host');
    this.fileKindLabel = byTestId('file-kind');
    this.cursorLabel = byTestId('cursor-position');
    this.removeButton = byTestId('remove-file');
    this.formatButton = byTestId('format');
    this.convertButton = byTestId('convert-schema');
    this.editorStatus = byTestId('editor-status');
    this.addMenu = byTestId('add-file');
    this.addJsonButtons = byTestId('add-json-files');

    workspace.addEventListener('store', () => this.#rebuild());
    workspace.addEventListener('validated', () => this.#showDiagnostics());
    workspace.addEventListener('pending', () => this.clearMarks());
    this.tabs.addEventListener('keydown', (event) => this.#onTabKey(event));
    this.removeButton.addEventListener('click', () => this.#removeActive());
    this.formatButton.addEventListener('click', () => this.format());
    this.convertButton.addEventListener('click', () => this.convertSchema());
    byTestId('add-policy-form').addEventListener('submit', (event) => {
      event.preventDefault();
      const input = byTestId('add-policy-name');
      this.#addFile(freshPolicyFileName(this.workspace.files, input.value), '');
    });
  }

  get activeFile() {
    return this.#active;
  }

  /** The editor of a file, if the store has that file. */
  viewOf(path) {
    return this.#editors.get(path)?.view;
  }

  #rebuild() {
    for (const { view } of this.#editors.values()) view.destroy();
    this.#editors.clear();
    this.tabs.replaceChildren();
    this.host.replaceChildren();
    this.#active = null;
    const paths = Object.keys(this.workspace.files).sort(compareStorePaths);
    for (const path of paths) this.#createEditor(path);
    this.#refreshAddMenu();
    if (paths.length) this.showFile(paths.find((p) => fileKind(p) === 'policies') ?? paths[0]);
  }

  #createEditor(path) {
    const id = `file-${this.#editors.size}-${path.replace(/[^A-Za-z0-9]/g, '-')}`;
    const tab = h(
      'button',
      {
        type: 'button',
        role: 'tab',
        id: `${id}-tab`,
        class: 'tab',
        'aria-selected': 'false',
        'aria-controls': `${id}-panel`,
        tabindex: '-1',
        dataset: { testid: 'file-tab', file: path },
        onclick: () => this.showFile(path),
      },
      h('span', { class: 'tab-name' }, path),
      h(
        'span',
        { class: 'tab-mark', title: MARK_TITLE, 'aria-label': MARK_TITLE, dataset: { testid: 'file-tab-mark' }, hidden: true },
        '●',
      ),
      h('span', { class: 'tab-badge', dataset: { testid: 'file-tab-badge' }, hidden: true }),
    );
    const panel = h('div', {
      role: 'tabpanel',
      id: `${id}-panel`,
      class: 'editor-panel',
      'aria-labelledby': `${id}-tab`,
      hidden: true,
      dataset: { testid: 'editor', file: path },
    });
    const view = createEditor({
      parent: panel,
      path,
      doc: this.workspace.files[path],
      label: `${path}, ${KIND_LABELS[fileKind(path)]}`,
      onChange: (text) => this.workspace.updateFile(path, text),
      onRun: () => this.onRun(),
      onFormat: path.endsWith('.cedar') ? () => this.format(path) : undefined,
      extensions: path.endsWith('.cedar') ? cedarAssist(() => this.workspace.outline) : [],
      onCursor: (line, column) => path === this.#active && this.#showCursor(line, column),
    });
    this.tabs.append(tab);
    this.host.append(panel);
    this.#editors.set(path, { view, panel, tab });
  }

  /** Shows one file's editor. */
  showFile(path) {
    if (!this.#editors.has(path)) return;
    for (const [p, { tab, panel }] of this.#editors) {
      const selected = p === path;
      tab.setAttribute('aria-selected', String(selected));
      tab.tabIndex = selected ? 0 : -1;
      panel.hidden = !selected;
    }
    const shown = this.#active;
    this.#active = path;
    const { view } = this.#editors.get(path);
    view.requestMeasure();
    this.fileKindLabel.textContent = KIND_LABELS[fileKind(path)];
    this.removeButton.hidden = fileKind(path) === 'schema';
    this.formatButton.hidden = !path.endsWith('.cedar');
    this.convertButton.hidden = fileKind(path) !== 'schema';
    this.convertButton.textContent = path.endsWith('.json') ? 'Convert to Cedar' : 'Convert to JSON';
    if (path !== shown) this.#setStatus('', '');
    const head = view.state.selection.main.head;
    const line = view.state.doc.lineAt(head);
    this.#showCursor(line.number, head - line.from + 1);
  }

  /** Puts the cursor at a line and column of a file and focuses it. */
  reveal(path, line, column) {
    if (!this.#editors.has(path)) return;
    this.showFile(path);
    moveCursor(this.#editors.get(path).view, line, column);
  }

  /** Formats a policy file with Cedar's formatter (one undoable change), or says why it cannot. */
  format(path = this.#active) {
    const entry = this.#editors.get(path);
    if (!entry || !path.endsWith('.cedar')) return;
    const text = entry.view.state.doc.toString();
    const { text: formatted, diagnostics } = formatPolicies(text, { lineWidth: 80, indent: 2 });
    if (formatted === undefined) {
      this.#setStatus('failure', `Not formatted: ${diagnostics.map((d) => d.errorDescription).join('; ')}`);
    } else if (formatted === text) {
      this.#setStatus('success', 'Already formatted.');
    } else {
      replaceText(entry.view, formatted);
      this.#setStatus('success', 'Formatted (Ctrl+Z undoes it)');
    }
  }

  /** Converts the schema to its other form (Cedar text or JSON) by Cedar's own conversion, renaming the file. */
  convertSchema() {
    const path = schemaPath(this.workspace.files);
    const entry = path && this.#editors.get(path);
    if (!entry) return;
    const from = path.endsWith('.json') ? 'json' : 'cedar';
    const { text, diagnostics } = convertSchema(entry.view.state.doc.toString(), { from });
    if (text === undefined) {
      this.#setStatus('failure', `Not converted: ${diagnostics.map((d) => d.errorDescription).join('; ')}`);
      return;
    }
    const target = from === 'cedar' ? 'schema.cedarschema.json' : 'schema.cedarschema';
    this.#replaceFile(path, target, text.endsWith('\n') ? text : `${text}\n`);
    this.#setStatus(
      'success',
      `Converted to ${from === 'cedar' ? 'JSON' : 'the Cedar form'}: ${target}${from === 'cedar' ? ' (comments are not kept)' : ''}.`,
    );
  }

  #replaceFile(oldPath, newPath, text) {
    const { view, panel, tab } = this.#editors.get(oldPath);
    view.destroy();
    panel.remove();
    tab.remove();
    this.#editors.delete(oldPath);
    this.workspace.removeFile(oldPath);
    this.workspace.addFile(newPath, text);
    this.#createEditor(newPath);
    this.#sortTabs();
    this.showFile(newPath);
  }

  #setStatus(state, message) {
    this.editorStatus.dataset.state = state;
    this.editorStatus.textContent = message;
  }

  #showCursor(line, column) {
    this.cursorLabel.textContent = `Ln ${line}, Col ${column}`;
    this.cursorLabel.dataset.line = String(line);
    this.cursorLabel.dataset.column = String(column);
  }

  #onTabKey(event) {
    const paths = [...this.#editors.keys()];
    const index = paths.indexOf(this.#active);
    const moves = { ArrowRight: index + 1, ArrowLeft: index - 1, Home: 0, End: paths.length - 1 };
    if (!(event.key in moves) || paths.length === 0) return;
    event.preventDefault();
    const next = paths[(moves[event.key] + paths.length) % paths.length];
    this.showFile(next);
    this.#editors.get(next).tab.focus();
  }

  #addFile(path, text) {
    this.addMenu.open = false;
    if (this.#editors.has(path)) {
      this.showFile(path);
      return;
    }
    this.workspace.addFile(path, text);
    this.#createEditor(path);
    this.#sortTabs();
    this.#refreshAddMenu();
    this.showFile(path);
    this.#editors.get(path).view.focus();
  }

  #removeActive() {
    const path = this.#active;
    if (!path || fileKind(path) === 'schema') return;
    const { view, panel, tab } = this.#editors.get(path);
    view.destroy();
    panel.remove();
    tab.remove();
    this.#editors.delete(path);
    this.workspace.removeFile(path);
    this.#refreshAddMenu();
    const first = [...this.#editors.keys()][0];
    if (first) this.showFile(first);
  }

  #sortTabs() {
    for (const path of [...this.#editors.keys()].sort(compareStorePaths)) this.tabs.append(this.#editors.get(path).tab);
  }

  #refreshAddMenu() {
    const missing = OPTIONAL_JSON_FILES.filter((p) => !(p in this.workspace.files));
    replaceChildren(
      this.addJsonButtons,
      missing.map((path) =>
        h(
          'button',
          {
            type: 'button',
            dataset: { testid: 'add-json-file', file: path },
            onclick: () => this.#addFile(path, emptyJsonFile(path)),
          },
          path,
        ),
      ),
    );
  }

  // ---- diagnostics and marks ------------------------------------------------------------------------

  #showDiagnostics() {
    const byFile = new Map([...this.#editors.keys()].map((path) => [path, []]));
    for (const diagnostic of this.workspace.diagnostics) byFile.get(diagnostic.file)?.push(diagnostic);
    for (const [path, diagnostics] of byFile) {
      const { view, tab } = this.#editors.get(path);
      view.dispatch(diagnosticsSpec(view.state, diagnostics));
      const badge = tab.querySelector('.tab-badge');
      const errors = diagnostics.filter((d) => d.severity !== 'warning').length;
      badge.hidden = diagnostics.length === 0;
      badge.textContent = String(diagnostics.length);
      badge.title = `${diagnostics.length} problem${diagnostics.length === 1 ? '' : 's'} in this file (listed under Problems)`;
      badge.classList.toggle('warning', errors === 0);
      tab.classList.toggle('has-errors', errors > 0);
    }
  }

  /**
   * Marks policies in their files: `entries` are manifest entries (a link is marked at its template) with
   * a role, 'determining' or 'error'. Scrolls the first one into view unless `scroll` is false.
   */
  markPolicies(entries, { scroll = true } = {}) {
    this.#marks = entries;
    const byFile = new Map([...this.#editors.keys()].map((path) => [path, []]));
    for (const entry of entries) {
      if (!entry.start || !entry.end) continue;
      byFile
        .get(entry.file)
        ?.push({ id: entry.id, effect: entry.effect, role: entry.role, startLine: entry.start.line, endLine: entry.end.line });
    }
    for (const [path, ranges] of byFile) {
      const { view, tab } = this.#editors.get(path);
      view.dispatch({ effects: setPolicyMarks.of(ranges) });
      tab.classList.toggle('has-marks', ranges.length > 0);
      tab.querySelector('.tab-mark').hidden = ranges.length === 0;
    }
    const first = entries.find((e) => e.start && this.#editors.has(e.file));
    if (scroll && first) this.revealPolicy(first);
  }

  /** Shows a policy's file and scrolls to it, without moving focus from where the user is. */
  revealPolicy(entry) {
    if (!entry.start || !this.#editors.has(entry.file)) return;
    this.showFile(entry.file);
    const { view } = this.#editors.get(entry.file);
    const line = view.state.doc.line(Math.min(entry.start.line, view.state.doc.lines));
    view.dispatch({ effects: EditorView.scrollIntoView(line.from, { y: 'start', yMargin: 24 }) });
  }

  clearMarks() {
    if (this.#marks.length) this.markPolicies([], { scroll: false });
  }
}
