'use strict';

const fs = require('node:fs');
const { createApi, resolveObject } = require('./api.cjs');
const { readStoreFolder } = require('./store-files.cjs');
const { AuthorizerLoadError } = require('./errors.cjs');
const path = require('node:path');

// The full module when it is there; in a Lambda@Edge package only the smaller edge module (compiled
// bundles only, brotli-compressed) is shipped.
const full = path.join(__dirname, '../wasm/node/cedar_authorizer.js');
const glue = fs.existsSync(full) ? full : path.join(__dirname, '../wasm/edge/cedar_authorizer.js');

// V8 moves a wasm function to its optimizing compiler once it has run a budget's worth of code. Loading a
// bundle runs a lot of code exactly once (schema and policy construction, regex compilation), which the
// default budget sends to the optimizer for nothing: a larger budget for this module's instance starts
// the first decision sooner and with a lower memory peak, while the decision path, which runs on every
// request, is optimized all the same. The budget is read when an instance is created, so it is raised
// around that and put back to V8's default after; a budget set on the command line or in NODE_OPTIONS is
// left alone.
const TIERING_BUDGET = 18_000_000;
const V8_DEFAULT_TIERING_BUDGET = 1_800_000;
const budgetSetByUser = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)].some((a) => a.startsWith('--wasm-tiering-budget') || a.startsWith('--wasm_tiering_budget'));

/** Requires a wasm-bindgen glue file (which compiles and instantiates its module), with the larger budget. */
function requireGlue(gluePath) {
  if (budgetSetByUser) return require(gluePath);
  const v8 = require('node:v8');
  v8.setFlagsFromString(`--wasm-tiering-budget=${TIERING_BUDGET}`);
  try {
    return require(gluePath);
  } finally {
    v8.setFlagsFromString(`--wasm-tiering-budget=${V8_DEFAULT_TIERING_BUDGET}`);
  }
}

/** Node: a path is a store folder or a bundle file; objects and JSON text are taken as they are. */
function resolveSync(source) {
  const inMemory = resolveObject(source);
  if (inMemory) return inMemory;
  if (typeof source !== 'string') {
    throw new AuthorizerLoadError('store.invalid', 'pass a store folder, a bundle file, a bundle object or { files }');
  }
  let stat;
  try {
    stat = fs.statSync(source);
  } catch {
    throw new AuthorizerLoadError('store.not_found', `\`${source}\` does not exist: pass a policy store folder or a bundle file`);
  }
  if (stat.isDirectory()) return { files: readStoreFolder(source) };
  // The text goes to the module as it is: its JSON reader names the line and column of any mistake.
  return { bundle: fs.readFileSync(source, 'utf8'), file: source };
}

/**
 * Node's platform for a wasm-bindgen glue file: sources from paths, the global fetch, and a fresh instance
 * (the glue loaded anew, which compiles and instantiates the module again) after a trap.
 */
function platformFor(gluePath) {
  return {
    resolve: async (source) => resolveSync(source),
    resolveSync,
    fetch: globalThis.fetch,
    reload() {
      delete require.cache[require.resolve(gluePath)];
      return requireGlue(gluePath);
    },
  };
}

const api = createApi(requireGlue(glue), platformFor(glue));

/** Nothing to do in Node (the module is compiled when the package loads); present for parity with the browser. */
async function initialize() {}

module.exports = { ...api, readStoreFolder, initialize, platformFor };
