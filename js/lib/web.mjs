// The browser build: the same API as in Node, over the full module. Call `await initialize()` once (or just
// `await Authorizer.load(...)`, which does it) before the synchronous functions (`buildBundle`,
// `checkStore`, `Authorizer.loadSync`). The module is fetched from `cedar_authorizer_bg.wasm` beside this
// file (`new URL(..., import.meta.url)`, which bundlers such as esbuild and Vite follow), or from what
// `initialize(source)` is given.
import glue from '../wasm/full/cedar_authorizer.cjs';
import apiModule from './api.cjs';
import errors from './errors.cjs';

const { createApi, resolveObject } = apiModule;
let ready;
let initialized = false;

/** Compiles and instantiates the wasm module once. `source` defaults to the .wasm file beside this one. */
export async function initialize(source) {
  if (!ready) {
    ready = glue.default({ module_or_path: source ?? new URL('./cedar_authorizer_bg.wasm', import.meta.url) }).then(() => {
      initialized = true;
    });
  }
  return ready;
}

function resolveSync(source) {
  if (!initialized)
    throw new errors.AuthorizerLoadError('store.invalid', 'call `await initialize()` first, or use `await Authorizer.load(...)`');
  const inMemory = resolveObject(source);
  if (inMemory) return inMemory;
  throw new errors.AuthorizerLoadError('store.invalid', 'in the browser pass a bundle object, bundle JSON text, { files } or a bundle URL');
}

async function resolve(source) {
  await initialize();
  if (typeof source === 'string' && !source.trimStart().startsWith('{')) source = new URL(source, globalThis.location?.href);
  if (source instanceof URL) {
    const response = await fetch(source);
    if (!response.ok) throw new errors.AuthorizerLoadError('store.not_found', `fetching ${source} answered ${response.status}`);
    // As text: the module reads it, 64-bit longs exact.
    return { bundle: await response.text() };
  }
  return resolveSync(source);
}

const api = createApi({
  resolve,
  resolveSync,
  load: (kind) => (kind === 'full' && initialized ? glue : null),
  fetch: (...args) => globalThis.fetch(...args),
});

export const {
  Authorizer,
  AuthorizerLoadError,
  buildBundle,
  compileBundle,
  checkStore,
  renderDiagnostics,
  bundleText,
  formatPolicies,
  convertSchema,
  schemaOutline,
  testCoverage,
  constants,
} = api;
export default api;
