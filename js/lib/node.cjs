'use strict';

const fs = require('node:fs');
const { createApi, resolveObject } = require('./api.cjs');
const { readStoreFolder } = require('./store-files.cjs');
const { AuthorizerLoadError } = require('./errors.cjs');
const path = require('node:path');

// The modules, by kind (see createApi): `full` (wasm/node), and for compiled bundles `runtime`
// (wasm/runtime, or in a Lambda@Edge package the edge module, brotli-compressed). A Lambda package ships
// only the runtime module, a Lambda@Edge package only the edge module.
const glues = {
  full: [path.join(__dirname, '../wasm/node/cedar_authorizer.js')],
  runtime: [path.join(__dirname, '../wasm/runtime/cedar_authorizer.js'), path.join(__dirname, '../wasm/edge/cedar_authorizer.js')],
};
const glueOf = (kind) => glues[kind].find((file) => fs.existsSync(file));

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

/** The glue loaded anew, which compiles and instantiates its module again. */
function reloadGlue(gluePath) {
  delete require.cache[require.resolve(gluePath)];
  return requireGlue(gluePath);
}

/** Node's sources (paths, objects, text) and fetch. */
const sources = { resolve: async (source) => resolveSync(source), resolveSync, fetch: globalThis.fetch };

/** Node's platform for one wasm-bindgen glue file (a test build, say), with a fresh instance after a trap. */
function platformFor(gluePath) {
  return { ...sources, reload: () => reloadGlue(gluePath) };
}

// Nothing is compiled until a module is needed: a Lambda that loads a compiled bundle compiles only the
// runtime module.
const api = createApi(null, {
  ...sources,
  load(kind) {
    const file = glueOf(kind);
    return file ? requireGlue(file) : null;
  },
  reload: (kind) => reloadGlue(glueOf(kind)),
});

/** Nothing to do in Node (a module is compiled when it is first needed); present for parity with the browser. */
async function initialize() {}

module.exports = { ...api, readStoreFolder, initialize, platformFor };
