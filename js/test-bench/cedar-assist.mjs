// Completion and hover information for Cedar policies, from the schema's outline (which the wasm engine
// reads: `schemaOutline`, see workspace.mjs). Nothing here parses the schema: it only looks at the policy
// text around the cursor to know what is being typed (an entity type, an action, an attribute of
// `principal`, `resource` or `context`) and answers from the outline. The functions below the CodeMirror
// glue are pure, so they are tested without a browser.
import { EditorState } from '@codemirror/state';
import { hoverTooltip } from '@codemirror/view';
import { h } from './dom.mjs';

const KEYWORDS = ['permit', 'forbid', 'when', 'unless', 'has', 'like', 'is', 'in', 'if', 'then', 'else', 'true', 'false'];
const SCOPE_VARIABLES = ['principal', 'action', 'resource', 'context'];
const IDENT = /^[A-Za-z_][A-Za-z0-9_]*$/;
const PATH = '[A-Za-z_][A-Za-z0-9_]*(?:::[A-Za-z_][A-Za-z0-9_]*)*';
const STRING = '"(?:[^"\\\\\\n]|\\\\.)*"';
const CHAIN = `(principal|resource|context)((?:\\s*\\.\\s*[A-Za-z_][A-Za-z0-9_]*|\\s*\\[\\s*${STRING}\\s*\\])*)`;

/**
 * The editor extensions: completion (as you type, and with Ctrl+Space) and hover tooltips, answering from
 * `getOutline()`, the current schema outline.
 */
export function cedarAssist(getOutline) {
  const source = (context) => {
    const result = completionsAt(context.state.doc.toString(), context.pos, getOutline(), { explicit: context.explicit });
    return result && { ...result, validFor: /^[A-Za-z0-9_]*$/ };
  };
  return [
    EditorState.languageData.of(() => [{ autocomplete: source }]),
    hoverTooltip((view, pos) => {
      const info = hoverAt(view.state.doc.toString(), pos, getOutline());
      if (!info) return null;
      return {
        pos: info.from,
        end: info.to,
        above: true,
        create: () => ({ dom: renderHover(info) }),
      };
    }),
  ];
}

function renderHover(info) {
  return h(
    'div',
    { class: 'cedar-hover', dataset: { testid: 'hover', kind: info.kind } },
    h('div', { class: 'hover-title' }, h('code', {}, info.title)),
    info.lines.map(([term, value]) => h('div', { class: 'hover-line' }, h('span', { class: 'hover-term' }, term), h('code', {}, value))),
  );
}

// ---- where the cursor is ------------------------------------------------------------------------------

/** The text with comments and string contents blanked (same length): `;`, `(` and `,` in them do not count. */
export function masked(text) {
  return text.replace(/\/\/[^\n]*|"(?:[^"\\\n]|\\.)*"?/g, (m) => {
    if (!m.startsWith('"')) return ' '.repeat(m.length);
    const closed = m.length > 1 && m.endsWith('"');
    return closed ? `"${' '.repeat(m.length - 2)}"` : `"${' '.repeat(m.length - 1)}`;
  });
}

/** Whether the end of a line's text is in a comment or an unclosed string. */
function lineState(lineText) {
  let code = lineText.replace(/"(?:[^"\\\n]|\\.)*"/g, '""');
  const inString = (code.match(/"/g)?.length ?? 0) % 2 === 1;
  if (inString) code = code.slice(0, code.lastIndexOf('"'));
  return { inString, inComment: code.includes('//') };
}

/** The scope of the policy around `pos`: its principal, action and resource constraints, as text. */
function scopeAt(text, pos) {
  const blank = masked(text);
  const start = blank.lastIndexOf(';', pos - 1) + 1;
  let end = blank.indexOf(';', pos);
  if (end < 0) end = text.length;
  const open = blank.slice(start, end).search(/\b(permit|forbid)\s*\(/);
  if (open < 0) return null;
  let at = start + blank.slice(start + open).indexOf('(') + open + 1;
  const parts = [];
  let depth = 0;
  let from = at;
  for (; at < end; at += 1) {
    const ch = blank[at];
    if ('([{'.includes(ch)) depth += 1;
    else if (')]}'.includes(ch)) {
      if (depth === 0) break;
      depth -= 1;
    } else if (ch === ',' && depth === 0) {
      parts.push(text.slice(from, at));
      from = at + 1;
    }
  }
  parts.push(text.slice(from, at));
  const [principal = '', action = '', resource = ''] = parts.map((p) => p.trim());
  return { principal, action, resource };
}

/** The outline's actions the policy at `pos` applies to (every action when its scope does not say). */
function scopeActions(scope, outline) {
  if (!scope?.action.startsWith('action')) return outline.actions;
  const refs = [...scope.action.matchAll(new RegExp(`(${PATH})::(${STRING})`, 'g'))].map((m) => `${m[1]}::${m[2]}`);
  if (!refs.length) return outline.actions;
  const chosen = outline.actions.filter(
    (action) =>
      refs.includes(actionRef(action)) || (/^action\s+in\b/.test(scope.action) && action.memberOf.some((group) => refs.includes(group))),
  );
  return chosen.length ? chosen : outline.actions;
}

const actionRef = (action) => `${action.type}::${JSON.stringify(action.id)}`;

/** The entity types `principal` or `resource` may be in the policy at `pos`. */
function scopeTypes(scope, outline, which) {
  const key = which === 'principal' ? 'principalTypes' : 'resourceTypes';
  const fromActions = [...new Set(scopeActions(scope, outline).flatMap((action) => action[key]))];
  const constraint = scope?.[which] ?? '';
  const is = new RegExp(`\\bis\\s+(${PATH})`).exec(constraint);
  if (is) return [is[1]];
  const ref = new RegExp(`(==|\\bin)\\s*(${PATH})::"`).exec(constraint);
  if (ref?.[1] === '==') return [ref[2]];
  if (ref) {
    const members = fromActions.filter((type) => type === ref[2] || entityType(outline, type)?.memberOf.includes(ref[2]));
    if (members.length) return members;
  }
  return fromActions.length ? fromActions : outline.entityTypes.map((type) => type.name);
}

const entityType = (outline, name) => outline.entityTypes.find((type) => type.name === name);

/**
 * What `principal`, `resource` or `context` followed by `.a.b` (or `["a"]`) has: `{ attributes, owners }`,
 * the attributes that may follow and the types (or `context`) they belong to.
 */
function attributesOf(root, steps, scope, outline) {
  let owners;
  let attributes;
  if (root === 'context') {
    owners = ['context'];
    attributes = mergeAttributes(scopeActions(scope, outline).map((action) => action.context));
  } else {
    owners = scopeTypes(scope, outline, root);
    attributes = mergeAttributes(owners.map((name) => entityType(outline, name)?.attributes ?? []));
  }
  for (const step of steps) {
    const attribute = attributes.find((a) => a.name === step);
    if (!attribute) return { attributes: [], owners: [] };
    if (attribute.attributes?.length) {
      owners = [`${owners.join(' | ')}.${step}`];
      attributes = attribute.attributes;
    } else if (attribute.entityType && !attribute.type.startsWith('Set<')) {
      owners = [attribute.entityType];
      attributes = entityType(outline, attribute.entityType)?.attributes ?? [];
    } else return { attributes: [], owners: [] };
  }
  return { attributes, owners };
}

function mergeAttributes(lists) {
  const byName = new Map();
  for (const attribute of lists.flat()) if (!byName.has(attribute.name)) byName.set(attribute.name, attribute);
  return [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
}

/** `.a .b ["c"]` after a root, as attribute names. */
function chainSteps(text) {
  return [...text.matchAll(new RegExp(`\\.\\s*([A-Za-z_][A-Za-z0-9_]*)|\\[\\s*(${STRING})\\s*\\]`, 'g'))].map(
    (m) => m[1] ?? JSON.parse(m[2]),
  );
}

const typeLabel = (attribute) => `${attribute.type}${attribute.required ? '' : ' (optional)'}`;

// ---- completion -----------------------------------------------------------------------------------------

/**
 * Completions at `pos` of a policy text: `{ from, to?, options }` as CodeMirror takes them, or null when
 * there is nothing to offer. `explicit` is true for Ctrl+Space (then an empty word offers everything).
 */
export function completionsAt(text, pos, outline, { explicit = false } = {}) {
  const base = Math.max(0, pos - 4000);
  const before = text.slice(base, pos);
  const where = lineState(before.slice(before.lastIndexOf('\n') + 1));
  if (where.inComment) return null;
  const scope = scopeAt(text, pos);

  // An entity id or an action: `Type::"` or `Ns::Action::"get /r`.
  const id = new RegExp(`(${PATH})::("(?:[^"\\\\\\n]|\\\\.)*)$`).exec(before);
  if (id) {
    const [, type, typed] = id;
    const actions = outline.actions.filter((action) => action.type === type);
    const enumIds = entityType(outline, type)?.enumIds ?? [];
    // An id replaces what is typed of it, and the closing quote the editor may have added.
    const apply = (view, completion, from, to) => {
      const end = view.state.sliceDoc(to, to + 1) === '"' ? to + 1 : to;
      view.dispatch({ changes: { from, to: end, insert: completion.label }, selection: { anchor: from + completion.label.length } });
    };
    const options = [
      ...actions.map((action) => ({ label: JSON.stringify(action.id), type: 'enum', detail: appliesToText(action), apply })),
      ...enumIds.map((value) => ({ label: JSON.stringify(value), type: 'enum', detail: type, apply })),
    ];
    if (!options.length) return null;
    return { from: pos - typed.length, options };
  }
  if (where.inString) return null;

  // An attribute: `principal.`, `context.token.`, `resource has `.
  const dot = new RegExp(`${CHAIN}\\s*\\.\\s*([A-Za-z_][A-Za-z0-9_]*)?$`).exec(before);
  if (dot) {
    const [, root, chain, word = ''] = dot;
    const { attributes } = attributesOf(root, chainSteps(chain), scope, outline);
    if (!attributes.length) return null;
    const dotAt = base + before.length - dot[0].length + dot[0].lastIndexOf('.');
    const options = attributes.map((attribute) =>
      IDENT.test(attribute.name)
        ? { label: attribute.name, type: 'property', detail: typeLabel(attribute) }
        : {
            label: attribute.name,
            type: 'property',
            detail: typeLabel(attribute),
            apply: (view, completion, from, to) =>
              view.dispatch({ changes: { from: dotAt, to, insert: `[${JSON.stringify(attribute.name)}]` } }),
          },
    );
    return { from: pos - word.length, options };
  }
  const has = new RegExp(`${CHAIN}\\s+has\\s+([A-Za-z_][A-Za-z0-9_]*)?$`).exec(before);
  if (has) {
    const [, root, chain, word = ''] = has;
    const { attributes } = attributesOf(root, chainSteps(chain), scope, outline);
    if (!attributes.length) return null;
    return {
      from: pos - word.length,
      options: attributes.map((attribute) => ({
        label: IDENT.test(attribute.name) ? attribute.name : JSON.stringify(attribute.name),
        type: 'property',
        detail: typeLabel(attribute),
      })),
    };
  }

  // A name: keywords, scope variables, entity types, actions (typed whole or from a namespace).
  const word = new RegExp(`(${PATH}(?:::)?)$`).exec(before)?.[1] ?? '';
  if (!word && !explicit) return null;
  if (/^\d/.test(word)) return null;
  const options = [
    ...(word.includes('::') ? [] : KEYWORDS.map((k) => ({ label: k, type: 'keyword' }))),
    ...(word.includes('::') ? [] : SCOPE_VARIABLES.map((v) => ({ label: v, type: 'variable', detail: scopeDetail(v, scope, outline) }))),
    ...outline.entityTypes.map((type) => ({ label: type.name, type: 'type', detail: entityDetail(type) })),
    ...outline.actions.map((action) => ({ label: actionRef(action), type: 'function', detail: appliesToText(action) })),
  ];
  return { from: pos - word.length, options };
}

function scopeDetail(variable, scope, outline) {
  if (variable === 'principal' || variable === 'resource') return scopeTypes(scope, outline, variable).join(' | ');
  if (variable === 'context') return recordText(mergeAttributes(scopeActions(scope, outline).map((a) => a.context)));
  return undefined;
}

function entityDetail(type) {
  if (type.enumIds) return `enum [${type.enumIds.map((id) => JSON.stringify(id)).join(', ')}]`;
  return type.memberOf.length ? `in [${type.memberOf.join(', ')}]` : 'entity type';
}

const appliesToText = (action) =>
  action.principalTypes.length || action.resourceTypes.length
    ? `${action.principalTypes.join(' | ') || '—'} → ${action.resourceTypes.join(' | ') || '—'}`
    : 'action group';

const recordText = (attributes) =>
  attributes.length ? `{ ${attributes.map((a) => `${a.name}${a.required ? '' : '?'}: ${a.type}`).join(', ')} }` : '{}';

// ---- hover ----------------------------------------------------------------------------------------------

/**
 * What to show when the pointer rests at `pos`: `{ from, to, kind, title, lines: [[term, value]] }` for an
 * attribute, an action, an entity type or a scope variable, or null.
 */
export function hoverAt(text, pos, outline) {
  const lineStart = text.lastIndexOf('\n', pos - 1) + 1;
  let lineEnd = text.indexOf('\n', pos);
  if (lineEnd < 0) lineEnd = text.length;
  const line = text.slice(lineStart, lineEnd);
  const column = pos - lineStart;
  if (lineState(line.slice(0, column)).inComment) return null;
  const scope = scopeAt(text, pos);

  // An entity reference or action, with the pointer on its id or on its type.
  for (const m of line.matchAll(new RegExp(`(${PATH})::(${STRING})`, 'g'))) {
    if (column < m.index || column > m.index + m[0].length) continue;
    const [, type, quoted] = m;
    const from = lineStart + m.index;
    const to = from + m[0].length;
    const action = outline.actions.find((a) => a.type === type && JSON.stringify(a.id) === quoted);
    if (action) return actionHover(action, from, to);
    const entity = entityType(outline, type);
    if (entity) return entityHover(entity, from, lineStart + m.index + type.length);
    return null;
  }
  if (line[column] === '"' || lineState(line.slice(0, column)).inString) return null;

  // The word under the pointer.
  const left = /[A-Za-z0-9_:]*$/.exec(line.slice(0, column))[0];
  const right = /^[A-Za-z0-9_:]*/.exec(line.slice(column))[0];
  let word = (left + right).replace(/^:+|:+$/g, '');
  if (!word) return null;
  const wordStart = lineStart + column - left.length + (left.length - left.replace(/^:+/, '').length);
  word = word.replace(/::$/, '');
  const from = wordStart;
  const to = from + word.length;

  // An attribute: after `.` or `has`.
  const prefix = text.slice(Math.max(0, lineStart - 2000), from);
  const attr = new RegExp(`${CHAIN}\\s*(?:\\.|\\s+has)\\s*$`).exec(prefix);
  if (attr && IDENT.test(word)) {
    const { attributes, owners } = attributesOf(attr[1], chainSteps(attr[2]), scope, outline);
    const attribute = attributes.find((a) => a.name === word);
    if (!attribute) return null;
    const lines = [
      ['type', attribute.type],
      ['required', attribute.required ? 'yes' : 'no: test it with `has` first'],
      ['of', owners.join(' | ')],
    ];
    if (attribute.attributes?.length) lines.push(['attributes', recordText(attribute.attributes)]);
    return { from, to, kind: 'attribute', title: `${word}: ${attribute.type}`, lines };
  }
  if (SCOPE_VARIABLES.includes(word) && word !== 'action') {
    const detail = scopeDetail(word, scope, outline);
    return {
      from,
      to,
      kind: 'variable',
      title: word,
      lines: [[word === 'context' ? 'record' : 'type', detail || '(the schema says nothing)']],
    };
  }
  if (word === 'action') {
    const actions = scopeActions(scope, outline);
    return { from, to, kind: 'variable', title: 'action', lines: [['one of', actions.map((a) => actionRef(a)).join(', ')]] };
  }
  const entity = entityType(outline, word);
  if (entity) return entityHover(entity, from, to);
  return null;
}

function actionHover(action, from, to) {
  return {
    from,
    to,
    kind: 'action',
    title: actionRef(action),
    lines: [
      ['principal', action.principalTypes.join(' | ') || '— (an action group: applies to nothing)'],
      ['resource', action.resourceTypes.join(' | ') || '—'],
      ['context', recordText(action.context)],
      ...(action.memberOf.length ? [['in', action.memberOf.join(', ')]] : []),
    ],
  };
}

function entityHover(entity, from, to) {
  const lines = [['attributes', recordText(entity.attributes)]];
  if (entity.memberOf.length) lines.push(['in', entity.memberOf.join(', ')]);
  if (entity.enumIds) lines.push(['enum', entity.enumIds.map((id) => JSON.stringify(id)).join(', ')]);
  if (entity.tags) lines.push(['tags', entity.tags]);
  return { from, to, kind: 'entity', title: `entity ${entity.name}`, lines };
}
