'use strict';

const fs = require('node:fs');
const path = require('node:path');
const { createApi, resolveObject } = require('./api.cjs');
const { readStoreFolder } = require('./store-files.cjs');
const { AuthorizerLoadError } = require('./errors.cjs');
const { createHostCrypto } = require('./host-crypto.cjs');
const { createHash } = require('node:crypto');

// The modules, by kind: `full` (wasm/full), and for compiled bundles `runtime` (wasm/runtime, or in a
// Lambda@Edge package the edge module, wasm/edge, brotli-compressed). Each folder holds wasm-bindgen's
// loader (`cedar_authorizer.cjs`) and the module; a Lambda package ships only the runtime module, a
// Lambda@Edge package only the edge one.
const folders = {
  full: [path.join(__dirname, '../wasm/full')],
  runtime: [path.join(__dirname, '../wasm/runtime'), path.join(__dirname, '../wasm/edge')],
};

/** The loader and the module file of a kind, where this installation has them. */
function find(kind) {
  for (const dir of folders[kind]) {
    const loader = path.join(dir, 'cedar_authorizer.cjs');
    if (!fs.existsSync(loader)) continue;
    const plain = path.join(dir, 'cedar_authorizer_bg.wasm');
    if (fs.existsSync(plain)) return { loader, read: () => fs.readFileSync(plain) };
    const compressed = `${plain}.br`;
    // node:zlib only where the module is compressed (the edge package): loading it costs a cold start 1.5 ms.
    if (fs.existsSync(compressed)) return { loader, read: () => require('node:zlib').brotliDecompressSync(fs.readFileSync(compressed)) };
  }
  return null;
}

// V8 moves a wasm function to its optimizing compiler once it has run a budget's worth of code. Loading a
// bundle runs a lot of code exactly once (schema and policy construction, regex compilation), which the
// default budget sends to the optimizer for nothing: a larger budget for this module's instance starts the
// first decision sooner and with a lower memory peak, while the decision path, which runs on every request,
// is optimized all the same. The budget is read when the module is compiled, so it is raised around that
// and put back to V8's default after; a budget set on the command line or in NODE_OPTIONS is left alone.
const TIERING_BUDGET = 18_000_000;
const V8_DEFAULT_TIERING_BUDGET = 1_800_000;
const budgetSetByUser = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)].some(
  (a) => a.startsWith('--wasm-tiering-budget') || a.startsWith('--wasm_tiering_budget'),
);

/** Compiled modules by file: an instance replaced after a trap is instantiated from the same compiled code. */
const compiled = new Map();

function compile(found) {
  let wasmModule = compiled.get(found.loader);
  if (wasmModule !== undefined) return wasmModule;
  const bytes = found.read();
  if (budgetSetByUser) {
    wasmModule = new WebAssembly.Module(bytes);
  } else {
    // Compiled inside the window: V8 reads the budget when it compiles the module.
    const v8 = require('node:v8');
    v8.setFlagsFromString(`--wasm-tiering-budget=${TIERING_BUDGET}`);
    try {
      wasmModule = new WebAssembly.Module(bytes);
    } finally {
      v8.setFlagsFromString(`--wasm-tiering-budget=${V8_DEFAULT_TIERING_BUDGET}`);
    }
  }
  compiled.set(found.loader, wasmModule);
  return wasmModule;
}

/**
 * wasm-bindgen's loader required anew. The one it replaces is let go entirely: out of the require cache and
 * out of this module's `children`, where Node would otherwise keep every copy, and its instance with it.
 */
function freshLoader(file) {
  const resolved = require.resolve(file);
  const old = require.cache[resolved];
  if (old !== undefined) {
    delete require.cache[resolved];
    const i = module.children.indexOf(old);
    if (i >= 0) module.children.splice(i, 1);
  }
  return require(file);
}

/**
 * A fresh instance of a kind's module: its loader required anew (wasm-bindgen's loader keeps one instance
 * per load), the module compiled once from its bytes, with the larger tiering budget, and instantiated. Its
 * signatures are checked by `node:crypto` (see host-crypto.cjs) unless `hostCrypto` is false, which only the
 * tests that compare the two verifiers ask for (the runtime and edge modules then refuse every key).
 */
function instantiate(kind, { hostCrypto = true } = {}) {
  const found = find(kind);
  if (!found) return null;
  const loader = freshLoader(found.loader);
  loader.initSync({ module: compile(found) });
  if (hostCrypto) {
    const installed = loader.installHostCrypto(createHostCrypto());
    if (installed.type !== 'success') throw new AuthorizerLoadError(installed.errors[0].code, installed.errors[0].errorDescription);
  }
  return loader;
}

/** A SHA-256 of text, base64: what the caches keep long keys as. */
function digest(text) {
  return createHash('sha256').update(text).digest('base64');
}

/**
 * Node: a live source (an S3 object, an HTTPS URL: see sources/) is read while the authorizer runs; a path
 * is a store folder or a bundle file; objects and JSON text are taken as they are.
 */
function resolveSync(source, options = {}) {
  const inMemory = resolveObject(source);
  if (inMemory) return inMemory;
  let reader;
  try {
    reader = sources().readerOf(source, { api: () => api, deployed: (given) => deployedOf(given, options) });
  } catch (e) {
    throw new AuthorizerLoadError(e.code ?? 'source.invalid', e.message);
  }
  if (reader) return { live: reader };
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
  // The text goes to the module as it is: its JSON reader keeps 64-bit longs and names the line and column
  // of any mistake.
  return { bundle: fs.readFileSync(source, 'utf8'), file: source };
}

/**
 * What a Verified Permissions source takes from the deployment rather than from Verified Permissions:
 * `authorizer.json` (routes, token validation: everything but the identity sources) and the static
 * entities, given in the source (`authorizer`, `entities`: objects or JSON files) or read from the fallback
 * bundle or store folder.
 */
function deployedOf(given, options) {
  const json = (value, what) => {
    if (typeof value !== 'string') return value;
    try {
      return JSON.parse(fs.readFileSync(value, 'utf8'));
    } catch (e) {
      throw new AuthorizerLoadError('config.invalid', `verifiedPermissions.${what} \`${value}\` cannot be read: ${e.message}`);
    }
  };
  if (given.authorizer !== undefined)
    return { authorizer: json(given.authorizer, 'authorizer'), entities: json(given.entities, 'entities') };
  if (options.fallback === undefined) {
    throw new AuthorizerLoadError(
      'config.invalid',
      'a Verified Permissions source needs the routes it cannot hold: give `fallback` (the deployed bundle or store folder) or `verifiedPermissions.authorizer` (an authorizer.json)',
    );
  }
  const fallback = resolveSync(options.fallback);
  if (fallback.files) {
    const read = (name) => (fallback.files[name] === undefined ? undefined : JSON.parse(fallback.files[name]));
    return { authorizer: read('authorizer.json'), entities: read('entities.json') };
  }
  const document = typeof fallback.bundle === 'string' ? JSON.parse(fallback.bundle) : fallback.bundle;
  return { authorizer: document.authorizer, entities: document.entities && document.entities.length > 0 ? document.entities : undefined };
}

/** The live sources' room, loaded when a source needs it. */
const sources = () => require('./sources/index.cjs');

/** What the Authorizer asks of live sources: readers, the refresh schedule, limits and digests. */
const live = {
  createRefresher: (options) => sources().createRefresher(options),
  /** The refresh settings of `Authorizer.load`'s options, defaults filled in. */
  limits(options, reader) {
    const { DEFAULTS } = sources();
    const minIntervalSeconds = (reader && reader.minIntervalSeconds) || 1;
    return {
      intervalSeconds: options.refreshSeconds ?? Math.max(DEFAULTS.intervalSeconds, minIntervalSeconds),
      minIntervalSeconds,
      timeoutMs: options.refreshTimeoutMs ?? DEFAULTS.timeoutMs,
      maxBytes: options.maxBundleBytes ?? DEFAULTS.maxBytes,
    };
  },
  /** A body's SHA-256 (hex): a refreshed body equal to the one running is not rebuilt. */
  bodyDigest: (body) => createHash('sha256').update(body).digest('hex'),
};

/**
 * Node's platform: modules from the package's folders, sources from paths, objects and text. `hostCrypto:
 * false` keeps signatures in the module (RustCrypto in the full module), for tests that compare the two.
 */
function nodePlatform({ hostCrypto = true } = {}) {
  const load = (kind) => instantiate(kind, { hostCrypto });
  return {
    load,
    reload: load,
    digest,
    resolve: async (source, options) => resolveSync(source, options),
    resolveSync,
    live,
    /** The process's memory, in bytes, for `status()`. */
    memory: () => {
      const { rss, heapUsed, heapTotal, external } = process.memoryUsage();
      return { rss, heapUsed, heapTotal, external };
    },
    // Read when an authorizer is loaded, not when the package is: a fetch installed after the import
    // (a proxy agent, a test's stand-in) is the one used.
    get fetch() {
      return globalThis.fetch;
    },
  };
}

const platform = nodePlatform();

/** Node's platform for one loader and module file (a test build, say), with a fresh instance after a trap. */
function platformFor(dir, options) {
  const only = (kind) => {
    if (kind !== 'full') return null;
    folders.full.unshift(dir);
    try {
      return instantiate('full', options);
    } finally {
      folders.full.shift();
    }
  };
  return { ...platform, load: only, reload: only };
}

const api = createApi(platform);

/** Nothing to do in Node (a module is compiled when it is first needed); present for parity with the browser. */
async function initialize() {}

/**
 * An HTTP server speaking Verified Permissions' protocol over `authorizer` (see js/lib/endpoint/): call
 * `listen()`, then point an AWS SDK client's `endpoint` at its URL.
 */
function createVerifiedPermissionsServer(authorizer, options) {
  return require('./endpoint/index.cjs').serveAuthorizer(authorizer, options, module.exports);
}

module.exports = { ...api, readStoreFolder, initialize, platformFor, nodePlatform, createApi, createVerifiedPermissionsServer };
