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

/** Pretty JSON, as the editors and panels show it. */
export const pretty = (value) => JSON.stringify(value, null, 2);

/** Parses JSON text that may be empty (`fallback` then); throws with a readable message otherwise. */
export function parseJsonField(text, label, fallback) {
  if (!text.trim()) return fallback;
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new Error(`${label} is not valid JSON: ${e.message}`, { cause: e });
  }
}
