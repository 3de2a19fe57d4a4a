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
      return require(gluePath);
    },
  };
}

const api = createApi(require(glue), platformFor(glue));

/** Nothing to do in Node (the module is compiled when the package loads); present for parity with the browser. */
async function initialize() {}

module.exports = { ...api, readStoreFolder, initialize, platformFor };
