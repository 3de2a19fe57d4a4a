// CodeMirror 6 editors as the page uses them: the language for a file name, the theme, Ctrl+Enter to run,
// inline diagnostics, and marks for the policies that determined a decision.
import { basicSetup } from 'codemirror';
import { EditorView, Decoration, keymap } from '@codemirror/view';
import { EditorState, Prec, StateEffect, StateField, RangeSetBuilder } from '@codemirror/state';
import { json } from '@codemirror/lang-json';
import { isolateHistory } from '@codemirror/commands';
import { lintGutter, setDiagnostics } from '@codemirror/lint';
import { cedarPolicyLanguage, cedarSchemaLanguage, cedarHighlighting } from './cedar-language.mjs';

/** The language extension for a store file, by its name. */
export function languageFor(path) {
  if (path.endsWith('.cedar')) return cedarPolicyLanguage;
  if (path.endsWith('.cedarschema')) return cedarSchemaLanguage;
  if (path.endsWith('.json')) return json();
  return [];
}

const theme = EditorView.theme({
  '&': { fontSize: '13px', height: '100%', backgroundColor: 'var(--editor-bg)' },
  '.cm-scroller': { fontFamily: 'var(--mono)', lineHeight: '1.55' },
  '.cm-content': { caretColor: 'var(--accent)' },
  '.cm-gutters': { backgroundColor: 'var(--editor-gutter)', borderRight: '1px solid var(--border)', color: 'var(--muted)' },
  '.cm-activeLineGutter': { backgroundColor: 'var(--editor-active-gutter)' },
  '&.cm-focused': { outline: 'none' },
  '.cm-determining': { backgroundColor: 'var(--mark-permit-bg)', boxShadow: 'inset 3px 0 0 var(--mark-permit)' },
  '.cm-determining-forbid': { backgroundColor: 'var(--mark-forbid-bg)', boxShadow: 'inset 3px 0 0 var(--mark-forbid)' },
  '.cm-determining-error': { backgroundColor: 'var(--mark-error-bg)', boxShadow: 'inset 3px 0 0 var(--mark-error)' },
  // A policy no test case makes determining (the Coverage view).
  '.cm-uncovered': {
    backgroundImage: 'repeating-linear-gradient(135deg, transparent 0 6px, var(--mark-error-bg) 6px 12px)',
    boxShadow: 'inset 3px 0 0 var(--mark-error)',
  },
});

// ---- marks on the policies of a decision -----------------------------------------------------------

/** Replaces the marked policies: `[{ id, effect, startLine, endLine, role: 'determining' | 'error' }]`. */
export const setPolicyMarks = StateEffect.define();

const policyMarks = StateField.define({
  create: () => Decoration.none,
  update(marks, transaction) {
    for (const effect of transaction.effects) if (effect.is(setPolicyMarks)) return buildMarks(transaction.state, effect.value);
    return transaction.docChanged ? marks.map(transaction.changes) : marks;
  },
  provide: (field) => EditorView.decorations.from(field),
});

function buildMarks(state, ranges) {
  const builder = new RangeSetBuilder();
  const byLine = new Map();
  for (const range of ranges) {
    const last = Math.min(range.endLine, state.doc.lines);
    for (let line = Math.max(1, range.startLine); line <= last; line += 1) if (!byLine.has(line)) byLine.set(line, range);
  }
  for (const line of [...byLine.keys()].sort((a, b) => a - b)) {
    const range = byLine.get(line);
    const classes = ['cm-determining'];
    if (range.role === 'error') classes.push('cm-determining-error');
    else if (range.role === 'uncovered') classes.splice(0, 1, 'cm-uncovered');
    else if (range.effect === 'forbid') classes.push('cm-determining-forbid');
    const decoration = Decoration.line({
      class: classes.join(' '),
      attributes: { 'data-policy-id': range.id, 'data-mark': range.role ?? 'determining' },
    });
    builder.add(state.doc.line(line).from, state.doc.line(line).from, decoration);
  }
  return builder.finish();
}

// ---- positions --------------------------------------------------------------------------------------

/** A document offset for a 1-based line and column, clamped into the document. */
export function offsetOf(doc, line, column) {
  const safeLine = Math.min(Math.max(1, line || 1), doc.lines);
  const lineInfo = doc.line(safeLine);
  return Math.min(lineInfo.from + Math.max(0, (column || 1) - 1), lineInfo.to);
}

/** The engine's diagnostics for one file, as CodeMirror lint diagnostics. */
export function lintDiagnosticsFor(doc, diagnostics) {
  return diagnostics
    .filter((d) => d.start)
    .map((d) => {
      const from = offsetOf(doc, d.start.line, d.start.column);
      const end = d.end ? offsetOf(doc, d.end.line, d.end.column) : from;
      return {
        from,
        to: Math.max(from, end),
        severity: d.severity === 'warning' ? 'warning' : 'error',
        source: d.code,
        message: d.help ? `${d.errorDescription}\nhelp: ${d.help}` : d.errorDescription,
      };
    });
}

/** A transaction spec that shows these diagnostics in the editor. */
export function diagnosticsSpec(state, diagnostics) {
  return setDiagnostics(state, lintDiagnosticsFor(state.doc, diagnostics));
}

// ---- the editor -------------------------------------------------------------------------------------

/**
 * An editor for one file. `onChange(text)` after each edit, `onRun()` on Ctrl/Cmd+Enter, `onFormat()` on
 * Shift+Alt+F, `onCursor(line, col)` when the cursor moves; `label` names it for assistive technology;
 * `extensions` are added (completion and hover for policies).
 */
export function createEditor({ parent, path, doc, label, onChange, onRun, onCursor, onFormat, extensions: more = [] }) {
  const keys = [{ key: 'Mod-Enter', run: () => (onRun?.(), true) }];
  if (onFormat) keys.push({ key: 'Shift-Alt-f', run: () => (onFormat(), true) });
  const extensions = [
    Prec.highest(keymap.of(keys)),
    basicSetup,
    lintGutter(),
    languageFor(path),
    cedarHighlighting,
    theme,
    policyMarks,
    more,
    EditorView.contentAttributes.of({ 'aria-label': label }),
    EditorView.updateListener.of((update) => {
      if (update.docChanged) onChange?.(update.state.doc.toString());
      if (update.selectionSet || update.docChanged) {
        const head = update.state.selection.main.head;
        const line = update.state.doc.lineAt(head);
        onCursor?.(line.number, head - line.from + 1);
      }
    }),
  ];
  return new EditorView({ parent, state: EditorState.create({ doc, extensions }) });
}

/** Replaces an editor's whole text (loading a store, formatting) as one undoable change of its own. */
export function replaceText(view, text) {
  if (view.state.doc.toString() === text) return;
  view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text }, annotations: isolateHistory.of('full') });
}

/** Moves the cursor to a line and column, scrolls there and focuses the editor. */
export function moveCursor(view, line, column) {
  const head = offsetOf(view.state.doc, line, column);
  view.dispatch({ selection: { anchor: head }, effects: EditorView.scrollIntoView(head, { y: 'center' }) });
  view.focus();
}
