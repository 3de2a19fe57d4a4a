// The browser build: the same API as in Node, over the web target of the wasm module. Call
// `await initialize()` once (or just `await Authorizer.load(...)`, which does it) before the synchronous
// helpers (`buildBundle`, `checkStore`).
import init, * as wasm from '../wasm/web/cedar_authorizer.js';
import apiModule from './api.cjs';
import errors from './errors.cjs';

const { createApi, resolveObject } = apiModule;
let ready;
let initialized = false;

/** Compiles and instantiates the wasm module once. `source` defaults to the .wasm file beside this one. */
export async function initialize(source) {
  if (!ready) {
    ready = init({ module_or_path: source ?? new URL('./cedar_authorizer_bg.wasm', import.meta.url) }).then(() => {
      initialized = true;
    });
  }
  return ready;
}

function resolveSync(source) {
  if (!initialized) throw new errors.AuthorizerLoadError('store.invalid', 'call `await initialize()` first, or use `await Authorizer.load(...)`');
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
    return { bundle: await response.json() };
  }
  return resolveSync(source);
}

const api = createApi(wasm, { resolve, resolveSync, fetch: (...args) => globalThis.fetch(...args) });

export const { Authorizer, AuthorizerLoadError, buildBundle, compileBundle, checkStore, renderDiagnostics, BUNDLE_FORMAT, COMPILED_FORMAT } = api;
export default api;
