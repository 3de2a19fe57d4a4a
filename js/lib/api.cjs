'use strict';

const { AuthorizerLoadError } = require('./errors.cjs');

const BUNDLE_FORMAT = 'cedar-authorizer/bundle';

// Cedar's `long` is a 64-bit integer; JavaScript numbers are exact only to 2^53. Callers pass larger values
// as BigInt, which JSON.stringify refuses: those inputs take a slower path that writes them as integers.
const BIGINT_MARK = `__cedar_bigint_${Math.random().toString(36).slice(2)}__`;
const BIGINT_PATTERN = new RegExp(`"${BIGINT_MARK}(-?\\d+)"`, 'g');

function stringify(value) {
  try {
    return JSON.stringify(value);
  } catch (e) {
    if (!(e instanceof TypeError) || !/BigInt/i.test(e.message)) throw e;
    const text = JSON.stringify(value, (_, v) => (typeof v === 'bigint' ? `${BIGINT_MARK}${v}` : v));
    return text.replace(BIGINT_PATTERN, '$1');
  }
}

/**
 * The package's API over one wasm build (Node or browser). `platform.resolve(source)` turns what a user
 * passes to `Authorizer.load` into `{ bundle }` (an object) or `{ files }` (path to text), doing any I/O the
 * platform allows.
 */
function createApi(wasm, platform) {
  function loadError(error, files) {
    let parsed;
    try {
      parsed = JSON.parse(error && error.message);
    } catch {
      return new AuthorizerLoadError('bundle.invalid', String((error && error.message) || error));
    }
    const diagnostics = parsed.diagnostics || [];
    let message = parsed.message;
    if (diagnostics.length > 0) {
      message += '\n' + wasm.renderDiagnostics(JSON.stringify(diagnostics), JSON.stringify(files || {}));
    }
    return new AuthorizerLoadError(parsed.code, message, diagnostics);
  }

  function denyOnFailure(error) {
    return {
      decision: 'DENY',
      determiningPolicies: [],
      errors: [{ code: 'internal.error', errorDescription: `the authorizer failed: ${error && error.message}` }],
    };
  }

  function fromResolved(resolved) {
    if (resolved.bundle !== undefined) {
      const text = typeof resolved.bundle === 'string' ? resolved.bundle : JSON.stringify(resolved.bundle);
      try {
        return new Authorizer(wasm.WasmAuthorizer.fromBundle(text));
      } catch (e) {
        throw loadError(e, resolved.bundle && resolved.bundle.policyFiles ? filesOfBundle(resolved.bundle) : {});
      }
    }
    if (resolved.files !== undefined) {
      try {
        return new Authorizer(wasm.WasmAuthorizer.fromFiles(JSON.stringify(resolved.files)), resolved.files);
      } catch (e) {
        throw loadError(e, resolved.files);
      }
    }
    throw new AuthorizerLoadError('store.invalid', 'nothing to load: pass a store folder, a bundle file, a bundle object or { files }');
  }

  class Authorizer {
    #inner;
    #files;
    #manifest;

    /** @private use Authorizer.load */
    constructor(inner, files) {
      this.#inner = inner;
      this.#files = files;
    }

    /**
     * Loads a policy store folder, a bundle file, a bundle object, or `{ files: {path: text} }`: parsing,
     * validation and indexing happen here, once. Throws AuthorizerLoadError with every diagnostic.
     */
    static async load(source) {
      return fromResolved(await platform.resolve(source));
    }

    /** `load` without a promise, for sources that need no asynchronous I/O. */
    static loadSync(source) {
      if (!platform.resolveSync) throw new AuthorizerLoadError('store.invalid', 'loadSync is not available here: use load');
      return fromResolved(platform.resolveSync(source));
    }

    /** The bundle's content hash, `sha256:<hex>`. */
    get hash() {
      return this.#inner.hash();
    }

    /** Every policy: id, kind (static, template, link), effect, file and place. */
    get policies() {
      if (!this.#manifest) this.#manifest = JSON.parse(this.#inner.manifest());
      return this.#manifest;
    }

    /** Verified Permissions' IsAuthorized: never throws; every failure is a DENY with an error code. */
    isAuthorized(input) {
      try {
        return JSON.parse(this.#inner.isAuthorized(stringify(input)));
      } catch (e) {
        return denyOnFailure(e);
      }
    }

    /** Verified Permissions' BatchIsAuthorized, without its 30-request limit. */
    batchIsAuthorized(input) {
      const requests = (input && Array.isArray(input.requests) && input.requests) || [];
      try {
        return JSON.parse(this.#inner.batchIsAuthorized(stringify(input)));
      } catch (e) {
        return { results: requests.map((request) => ({ request, ...denyOnFailure(e) })) };
      }
    }

    /**
     * Runs policy test files (`{ 'tests/x.json': text }`, or the files the store was loaded from) and returns
     * the report: cases with pass or fail, expected and actual answers, and the differences.
     */
    runTests(files) {
      const report = JSON.parse(this.#inner.runTests(JSON.stringify(files || this.#files || {})));
      Object.defineProperty(report, 'text', { value: wasm.renderTestReport(JSON.stringify(report)), enumerable: false });
      return report;
    }
  }

  /** Validates a store's files and builds its bundle: `{ bundle?, diagnostics }`. */
  function buildBundle(files) {
    return JSON.parse(wasm.buildBundle(JSON.stringify(files)));
  }

  /** Every diagnostic of a store: file, line, column, message, help. */
  function checkStore(files) {
    return JSON.parse(wasm.checkStore(JSON.stringify(files)));
  }

  /** Diagnostics printed the way a compiler prints them, with the offending line and a caret. */
  function renderDiagnostics(diagnostics, files) {
    return wasm.renderDiagnostics(JSON.stringify(diagnostics), JSON.stringify(files || {}));
  }

  return { Authorizer, AuthorizerLoadError, buildBundle, checkStore, renderDiagnostics, BUNDLE_FORMAT };
}

/** The files a bundle was built from, for rendering diagnostics against them. */
function filesOfBundle(bundle) {
  const files = {};
  if (bundle.schema) files[bundle.schema.file] = bundle.schema.text;
  for (const f of bundle.policyFiles || []) files[f.file] = f.text;
  return files;
}

/** Classifies an in-memory source: a bundle object or JSON text, or `{ files }`. */
function resolveObject(source) {
  if (typeof source === 'string' && source.trimStart().startsWith('{')) return { bundle: source };
  if (source && typeof source === 'object') {
    if (source.format === BUNDLE_FORMAT) return { bundle: source };
    if (source.files && typeof source.files === 'object') return { files: source.files };
  }
  return undefined;
}

module.exports = { createApi, resolveObject, filesOfBundle, stringify, BUNDLE_FORMAT };
