// Small DOM helpers shared by the panels.

/**
 * Creates an element: `h('button', { class: 'x', onclick, dataset: { testid: 'run' } }, 'Run')`.
 * Attributes named `on*` become listeners; `dataset` and `aria` objects expand; children may be strings,
 * nodes, arrays, or null (skipped).
 */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') element.addEventListener(name.slice(2), value);
    else if (name === 'dataset') Object.assign(element.dataset, value);
    else if (name === 'class') element.className = value;
    else if (name in element && typeof value !== 'string') element[name] = value;
    else element.setAttribute(name, value === true ? '' : value);
  }
  append(element, children);
  return element;
}

function append(parent, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    parent.append(child instanceof Node ? child : String(child));
  }
}

/** The element with this `data-testid`, which every panel's markup in index.html carries. */
export function byTestId(id, root = document) {
  const element = root.querySelector(`[data-testid="${id}"]`);
  if (!element) throw new Error(`the page has no element with data-testid="${id}"`);
  return element;
}

/** Replaces an element's children. */
export function replaceChildren(parent, ...children) {
  parent.replaceChildren();
  append(parent, children);
}

/** Offers `text` as a file download. */
export function download(fileName, text, type = 'application/json') {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = h('a', { href: url, download: fileName, hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 0);
}

/** `fn` called once `ms` after the last of a burst of calls. `.flush()` runs a pending call now. */
export function debounce(fn, ms) {
  let timer;
  let pendingArgs;
  const debounced = (...args) => {
    pendingArgs = args;
    clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      fn(...pendingArgs);
    }, ms);
  };
  debounced.flush = () => {
    if (timer === undefined) return;
    clearTimeout(timer);
    timer = undefined;
    fn(...pendingArgs);
  };
  return debounced;
}

// Cedar's Long is a 64-bit integer, and a JavaScript number holds integers exactly only up to 2^53: JSON
// the page reads keeps larger integers as BigInt (which the engine reads exactly), and JSON it writes
// prints them back digit for digit. In between, such an integer travels as a string with this marker,
// unique to the page's load so that no text a user types can be taken for one.
const MARK = `\u0000integer-${Math.random().toString(36).slice(2)}:`;
const NUMBER = /-?\d+(\.\d+)?([eE][+-]?\d+)?/y;
/** The marker as JSON text writes it (NUL escaped), and a JSON string of it with an integer. */
const MARK_JSON = JSON.stringify(MARK).slice(1, -1);
const MARKED = new RegExp(`"${MARK_JSON.replace(/\\/g, '\\\\')}(-?\\d+)"`, 'g');

/** JSON.parse, with integers beyond 2^53 read as BigInt rather than rounded. Throws as JSON.parse does. */
export function parseJson(text) {
  const plain = JSON.parse(text);
  let marked = '';
  let changed = false;
  let at = 0;
  for (let i = 0; i < text.length;) {
    const c = text[i];
    if (c === '"') {
      i += 1;
      while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
      i += 1;
    } else if (c === '-' || (c >= '0' && c <= '9')) {
      NUMBER.lastIndex = i;
      const match = NUMBER.exec(text);
      const length = match ? match[0].length : 1;
      if (match && match[1] === undefined && match[2] === undefined && !Number.isSafeInteger(Number(match[0]))) {
        marked += `${text.slice(at, i)}"${MARK_JSON}${match[0]}"`;
        at = i + length;
        changed = true;
      }
      i += length;
    } else {
      i += 1;
    }
  }
  if (!changed) return plain;
  return JSON.parse(marked + text.slice(at), (_, value) =>
    typeof value === 'string' && value.startsWith(MARK) ? BigInt(value.slice(MARK.length)) : value,
  );
}

/** JSON.stringify, with BigInt values written as the integers they are. */
export function stringifyJson(value, indent) {
  let big = false;
  const text = JSON.stringify(
    value,
    (_, v) => {
      if (typeof v !== 'bigint') return v;
      big = true;
      return `${MARK}${v}`;
    },
    indent,
  );
  return big ? text.replace(MARKED, '$1') : text;
}

/** Pretty JSON, as the editors and panels show it. */
export const pretty = (value) => stringifyJson(value, 2);

/** Parses JSON text that may be empty (`fallback` then); throws with a readable message otherwise. */
export function parseJsonField(text, label, fallback) {
  if (!text.trim()) return fallback;
  try {
    return parseJson(text);
  } catch (e) {
    throw new Error(`${label} is not valid JSON: ${e.message}`, { cause: e });
  }
}
