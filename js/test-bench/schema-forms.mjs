// Forms for a request's context and extra entities, laid out from the schema's outline: one field per
// attribute the schema declares, with a control for its type. The JSON editors stay the truth: a form reads
// their JSON and writes it back on every change (attributes the schema does not declare are kept), and the
// raw JSON is one click away.
import { h, parseJson, stringifyJson } from './dom.mjs';

const EXTENSIONS = { ipaddr: 'ip', decimal: 'decimal', datetime: 'datetime', duration: 'duration' };
const PLACEHOLDERS = { ipaddr: '10.0.0.1 or 10.0.0.0/8', decimal: '1.25', datetime: '2025-01-31T09:00:00Z', duration: '1h30m' };
const ENTITY_REF = /([A-Za-z_][A-Za-z0-9_]*(?:::[A-Za-z_][A-Za-z0-9_]*)*)::("(?:[^"\\]|\\.)*")/g;

/** What kind of control an attribute's type gets. */
export function controlKind(attribute) {
  if (attribute.type === 'Bool') return 'bool';
  if (attribute.type === 'Long') return 'long';
  if (attribute.type === 'String') return 'string';
  if (attribute.type in EXTENSIONS) return 'extension';
  if (attribute.entityType && !attribute.type.startsWith('Set<')) return 'entity';
  return 'json';
}

/** The text a control shows for a JSON value. */
export function valueText(attribute, value) {
  if (value === undefined) return '';
  switch (controlKind(attribute)) {
    case 'bool':
      return value === true ? 'true' : value === false ? 'false' : '';
    case 'long':
      return typeof value === 'number' || typeof value === 'bigint' ? String(value) : '';
    case 'string':
      return typeof value === 'string' ? value : stringifyJson(value);
    case 'extension':
      return typeof value === 'string' ? value : String(value?.__extn?.arg ?? value?.arg ?? '');
    case 'entity': {
      const reference = value?.__entity ?? value;
      return typeof reference?.id === 'string' ? reference.id : '';
    }
    default:
      return stringifyJson(value);
  }
}

/**
 * The JSON value of a control's text: `{ value }` (undefined: leave the attribute out) or `{ error }` for
 * text that is not a value of the type.
 */
export function parseValue(attribute, text) {
  const kind = controlKind(attribute);
  if (text === '' && kind !== 'string') return { value: undefined };
  switch (kind) {
    case 'bool':
      return { value: text === 'true' };
    case 'long':
      // Beyond 2^53 as BigInt: a number would round it.
      return /^-?\d+$/.test(text.trim()) ? { value: parseJson(text.trim()) } : { error: 'a whole number' };
    case 'string':
      return { value: text };
    case 'extension':
      return { value: { __extn: { fn: EXTENSIONS[attribute.type], arg: text.trim() } } };
    case 'entity':
      return { value: { __entity: { type: attribute.entityType, id: text } } };
    default:
      try {
        return { value: parseJson(text) };
      } catch (e) {
        return { error: `JSON: ${e.message}` };
      }
  }
}

/**
 * One labelled field per attribute, with `values` (a record) shown and `onChange(name, value)` called with
 * each valid edit (undefined: remove it). `suggestions(type)` gives ids to offer for entity attributes.
 */
export function attributeFields(attributes, values, onChange, { idPrefix, suggestions }) {
  return attributes.map((attribute, index) => {
    const id = `${idPrefix}-${index}`;
    const kind = controlKind(attribute);
    const current = valueText(attribute, values?.[attribute.name]);
    const dataset = { testid: 'form-field', attribute: attribute.name, kind };
    const commit = (event) => {
      const control = event.target;
      const parsed = parseValue(attribute, control.value);
      control.setAttribute('aria-invalid', String(Boolean(parsed.error)));
      control.title = parsed.error ? `Not a ${attribute.type}: ${parsed.error}` : '';
      if (!parsed.error) onChange(attribute.name, parsed.value);
    };
    let control;
    if (kind === 'bool') {
      control = h(
        'select',
        { id, dataset, onchange: commit },
        ['', 'true', 'false'].map((v) =>
          h('option', { value: v, selected: v === current }, v || (attribute.required ? '(missing)' : '(not set)')),
        ),
      );
    } else {
      const listId = kind === 'entity' ? `${id}-ids` : undefined;
      control = h('input', {
        id,
        type: kind === 'long' ? 'number' : 'text',
        step: kind === 'long' ? '1' : undefined,
        spellcheck: 'false',
        autocomplete: 'off',
        list: listId,
        placeholder:
          kind === 'extension'
            ? PLACEHOLDERS[attribute.type]
            : kind === 'json'
              ? jsonPlaceholder(attribute)
              : kind === 'entity'
                ? 'id'
                : '',
        dataset,
        oninput: commit,
      });
      control.value = current;
      if (listId) {
        control = [
          control,
          h(
            'datalist',
            { id: listId },
            suggestions(attribute.entityType).map((value) => h('option', { value })),
          ),
        ];
      }
    }
    return h(
      'div',
      { class: 'form-row' },
      h(
        'label',
        { for: id, class: 'form-label' },
        h('span', { class: 'form-name' }, attribute.name),
        attribute.required ? null : h('span', { class: 'hint' }, ' optional'),
        h('span', { class: 'form-type' }, kind === 'entity' ? `${attribute.entityType} id` : attribute.type),
      ),
      control,
    );
  });
}

function jsonPlaceholder(attribute) {
  if (attribute.type.startsWith('Set<')) return '[ … ] as JSON';
  if (attribute.type.startsWith('{')) return '{ … } as JSON';
  return 'as JSON';
}

/** `Type::"id"` references, for an entity's parents field. */
export function parentsText(parents) {
  return (Array.isArray(parents) ? parents : [])
    .map((p) => (p?.type !== undefined ? `${p.type}::${JSON.stringify(String(p.id ?? ''))}` : null))
    .filter(Boolean)
    .join(', ');
}

/** The parents written as `Type::"id", ...`: `{ value }` or `{ error }`. */
export function parseParents(text) {
  const parents = [];
  let rest = text;
  for (const match of text.matchAll(ENTITY_REF)) {
    parents.push({ type: match[1], id: JSON.parse(match[2]) });
    rest = rest.replace(match[0], '');
  }
  if (rest.replace(/[\s,]/g, '')) return { error: 'write each parent as Type::"id", separated by commas' };
  return { value: parents };
}
