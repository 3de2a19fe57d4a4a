'use strict';

const { AuthorizerLoadError } = require('./errors.cjs');
const { JwksCache } = require('./jwks.cjs');
const { DecisionCache } = require('./decision-cache.cjs');

const BUNDLE_FORMAT = 'cedar-authorizer/bundle';
const COMPILED_FORMAT = 'cedar-authorizer/compiled-bundle';
const COMPILED_PREFIX = new RegExp(`^\\s*\\{\\s*"format"\\s*:\\s*"${COMPILED_FORMAT}"`);

// Cedar's `long` is a 64-bit integer; JavaScript numbers are exact only to 2^53. Callers pass larger values
// as BigInt, which JSON.stringify refuses: those inputs take a slower path that writes them as integers.
const BIGINT_MARK = `__cedar_bigint_${Math.random().toString(36).slice(2)}__`;
const BIGINT_PATTERN = new RegExp(`"${BIGINT_MARK}(-?\\d+)"`, 'g');

function stringify(value, space) {
  try {
    return JSON.stringify(value, null, space);
  } catch (e) {
    if (!(e instanceof TypeError) || !/BigInt/i.test(e.message)) throw e;
    const text = JSON.stringify(value, (_, v) => (typeof v === 'bigint' ? `${BIGINT_MARK}${v}` : v), space);
    return text.replace(BIGINT_PATTERN, '$1');
  }
}

// A JSON string, or an integer of 16 digits or more (outside strings): the candidates for BigInt.
const STRING_OR_LONG = /"(?:[^"\\]|\\.)*"|-?\d{16,}(?![.\deE])/g;

/**
 * JSON.parse that keeps integers beyond 2^53 exact, as BigInt (which `stringify` writes back as integers),
 * so a bundle read here and passed back to the module hashes the same.
 */
function parseLossless(text) {
  let big = false;
  const marked = text.replace(STRING_OR_LONG, (token) => {
    if (token.startsWith('"') || Number.isSafeInteger(Number(token))) return token;
    big = true;
    return `"${BIGINT_MARK}${token}"`;
  });
  if (!big) return JSON.parse(text);
  return JSON.parse(marked, (_, v) => (typeof v === 'string' && v.startsWith(BIGINT_MARK) ? BigInt(v.slice(BIGINT_MARK.length)) : v));
}

/**
 * The answer cache's key for an `isAuthorizedWithToken` input: the token text, and everything else in the
 * input with which field carried the token. Undefined (not cached) when the input has no string token or
 * does not serialize plainly.
 */
function answerKey(input) {
  if (input === null || typeof input !== 'object' || Array.isArray(input) || typeof input.toJSON === 'function') return undefined;
  const { identityToken, accessToken, ...rest } = input;
  const hasId = typeof identityToken === 'string';
  const hasAccess = typeof accessToken === 'string';
  if ((!hasId && identityToken !== undefined) || (!hasAccess && accessToken !== undefined) || (!hasId && !hasAccess)) return undefined;
  try {
    const others = stringify(rest);
    if (hasId && hasAccess) return { token: identityToken, rest: `both\n${accessToken}\n${others}` };
    return hasId ? { token: identityToken, rest: `identity\n${others}` } : { token: accessToken, rest: `access\n${others}` };
  } catch {
    return undefined;
  }
}

/**
 * The package's API over the wasm modules of a platform (Node or browser). `platform.resolve(source)` turns
 * what a user passes to `Authorizer.load` into `{ bundle }` (an object) or `{ files }` (path to text), doing
 * any I/O the platform allows.
 *
 * There are two kinds of module. `full` builds, checks and compiles stores and loads every kind of bundle;
 * `runtime`, where the platform has one (`platform.load('runtime')`), loads compiled bundles only and is
 * smaller, so it compiles sooner and takes less memory. A compiled bundle loads on the runtime module;
 * everything else on the full one, loaded (`platform.load('full')`) the first time it is needed, or given
 * as `initialWasm`.
 */
function createApi(initialWasm, platform) {
  // The live wasm instances. A trap (a panic, or any runtime error inside wasm) may leave an instance's
  // memory inconsistent, so the instances are replaced and every Authorizer rebuilds from its source on
  // next use.
  const engine = { full: initialWasm ?? null, runtime: undefined, generation: 0, replacements: 0 };
  function replaceInstance() {
    if (typeof platform.reload !== 'function') return false;
    if (engine.full) engine.full = platform.reload('full');
    if (engine.runtime) engine.runtime = platform.reload('runtime');
    engine.generation += 1;
    engine.replacements += 1;
    return true;
  }
  /** The runtime module, or null where the platform has none. */
  function runtimeModule() {
    if (engine.runtime === undefined) engine.runtime = (platform.load && platform.load('runtime')) || null;
    return engine.runtime;
  }
  /** The full module, loaded on first use. */
  function fullModule() {
    if (!engine.full) engine.full = (platform.load && platform.load('full')) || null;
    if (!engine.full) {
      throw new AuthorizerLoadError('store.invalid', 'this installation has only the module for compiled bundles: load a bundle made by `cedar-authorizer bundle --compiled`');
    }
    return engine.full;
  }
  const wasmOf = (kind) => (kind === 'runtime' ? runtimeModule() : fullModule());
  /**
   * The module a bundle loads on: the runtime one when the bundle says it is compiled (as its first key,
   * where this package writes it) and the platform has that module; the module then checks it in full.
   */
  const kindOf = (bundle) =>
    (typeof bundle === 'string' ? COMPILED_PREFIX.test(bundle) : Boolean(bundle) && bundle.format === COMPILED_FORMAT) && runtimeModule() ? 'runtime' : 'full';
  const isTrap = (e) => e instanceof WebAssembly.RuntimeError;

  function loadError(error, files) {
    if (error instanceof AuthorizerLoadError) return error;
    let parsed;
    try {
      parsed = JSON.parse(error && error.message);
    } catch {
      return new AuthorizerLoadError('bundle.invalid', String((error && error.message) || error));
    }
    const diagnostics = parsed.diagnostics || [];
    let message = parsed.message;
    if (diagnostics.length > 0) {
      try {
        message += '\n' + fullModule().renderDiagnostics(JSON.stringify(diagnostics), JSON.stringify(files || {}));
      } catch {
        // No full module here to render them: the diagnostics are still on the error.
      }
    }
    return new AuthorizerLoadError(parsed.code, message, diagnostics);
  }

  function denyOnFailure(error) {
    const trap = isTrap(error);
    return {
      decision: 'DENY',
      determiningPolicies: [],
      errors: [{ code: trap ? 'internal.trap' : 'internal.error', errorDescription: `the authorizer failed: ${error && error.message}` }],
    };
  }

  /** The wasm authorizer of a source: `{ bundle: text, kind }` or `{ files: json, kind: 'full' }`. */
  function instantiate(source) {
    return source.bundle !== undefined
      ? wasmOf(source.kind).WasmAuthorizer.fromBundle(source.bundle)
      : fullModule().WasmAuthorizer.fromFiles(source.files);
  }

  function fromResolved(resolved, options) {
    if (resolved.bundle !== undefined) {
      const text = typeof resolved.bundle === 'string' ? resolved.bundle : stringify(resolved.bundle);
      const source = { bundle: text, kind: kindOf(resolved.bundle) };
      let inner;
      try {
        inner = instantiate(source);
      } catch (e) {
        const error = loadError(e, resolved.bundle && resolved.bundle.policyFiles ? filesOfBundle(resolved.bundle) : {});
        if (resolved.file) error.message = `${resolved.file}: ${error.message}`;
        throw error;
      }
      return new Authorizer(inner, source, undefined, options);
    }
    if (resolved.files !== undefined) {
      let inner;
      const source = { files: JSON.stringify(resolved.files), kind: 'full' };
      try {
        inner = instantiate(source);
      } catch (e) {
        throw loadError(e, resolved.files);
      }
      return new Authorizer(inner, source, resolved.files, options);
    }
    throw new AuthorizerLoadError('store.invalid', 'nothing to load: pass a store folder, a bundle file, a bundle object or { files }');
  }

  class Authorizer {
    #inner;
    #source;
    #generation;
    #files;
    #manifest;
    #jwks;
    #clock;
    #hints = new Map();
    #imported = new Map();
    /** Bumped on every key import: a request that saw older keys retries once. */
    #keysGeneration = 0;
    #keyListeners = [];
    /** Answers of `isAuthorizedWithToken` by the whole input (tokens included), for verified tokens only. */
    #answers;

    /** @private use Authorizer.load */
    constructor(inner, source, files, options = {}) {
      this.#inner = inner;
      this.#source = source;
      this.#generation = engine.generation;
      this.#files = files;
      this.#clock = options.clock ?? Date.now;
      this.#answers = options.decisionCache === false ? null : new DecisionCache({ maxEntries: 2000, ttlMs: 300_000, ...(options.decisionCache ?? {}), clock: this.#clock });
      if (this.#answers) this.#keyListeners.push(() => this.#answers.clear());
      for (const { issuer, jwksUri, discoveryUri } of JSON.parse(inner.issuers())) this.#hints.set(issuer, { jwksUri, discoveryUri });
      // Configuration that loads but deserves a look (an identity source that accepts any client, ...).
      const onWarning = options.onWarning ?? ((w) => console.warn(`cedar-authorizer: ${w}`));
      for (const warning of JSON.parse(inner.warnings())) onWarning(warning);
      this.#jwks = new JwksCache({
        fetch: options.fetch ?? platform.fetch,
        clock: this.#clock,
        static: options.jwks,
        jwksUris: options.jwksUris,
        allowFetch: options.fetchKeys ?? true,
        timeoutMs: options.jwksTimeoutMs,
        cooldownMs: options.jwksCooldownMs,
        maxAgeMs: options.jwksMaxAgeMs,
        maxStaleMs: options.jwksMaxStaleMs,
      });
      for (const [issuer, jwks] of Object.entries(options.jwks ?? {})) {
        if (!this.#hints.has(issuer)) {
          throw new AuthorizerLoadError('config.invalid', `a key set was given for \`${issuer}\`, which is not an issuer of the store's identity sources (${[...this.#hints.keys()].join(', ') || 'none'})`);
        }
        const result = this.setJwks(issuer, jwks);
        if (result.type !== 'success') throw new AuthorizerLoadError('config.invalid', `the key set for \`${issuer}\`: ${result.error}`);
        this.#imported.set(issuer, 1);
      }
    }

    /**
     * Loads a policy store folder, a bundle file, a bundle object, or `{ files: {path: text} }`: parsing,
     * validation and indexing happen here, once. Throws AuthorizerLoadError with every diagnostic.
     * Options: `jwks` (issuer to key set, given up front), `jwksUris`, `fetch`, `fetchKeys` (false: never
     * fetch), `clock` (ms), `jwksTimeoutMs`, `jwksCooldownMs`, `jwksMaxAgeMs`, `jwksMaxStaleMs`,
     * `onWarning` (called with each configuration warning; default `console.warn`).
     */
    static async load(source, options) {
      return fromResolved(await platform.resolve(source), options);
    }

    /** `load` without a promise, for sources that need no asynchronous I/O. */
    static loadSync(source, options) {
      if (!platform.resolveSync) throw new AuthorizerLoadError('store.invalid', 'loadSync is not available here: use load');
      return fromResolved(platform.resolveSync(source), options);
    }

    /**
     * The wasm authorizer, rebuilt from the source (and given back its keys) when the instance it lived in
     * was replaced after a trap.
     */
    #live() {
      if (this.#generation !== engine.generation) {
        this.#inner = instantiate(this.#source);
        this.#generation = engine.generation;
        for (const issuer of this.#imported.keys()) {
          const entry = this.#jwks.entries.get(issuer);
          if (entry && entry.jwks) this.#inner.setJwks(issuer, JSON.stringify(entry.jwks));
        }
        if (this.#answers) this.#answers.clear();
      }
      return this.#inner;
    }

    /** Runs a call into wasm; a trap replaces the instance, and the call answers `onFailure(error)`. */
    #guard(call, onFailure) {
      try {
        return call();
      } catch (e) {
        if (isTrap(e)) replaceInstance();
        return onFailure(e);
      }
    }

    /** The bundle's content hash, `sha256:<hex>`. */
    get hash() {
      return this.#live().hash();
    }

    /** Every policy: id, kind (static, template, link), effect, file and place. */
    get policies() {
      if (!this.#manifest) this.#manifest = JSON.parse(this.#live().manifest());
      return this.#manifest;
    }

    /** Verified Permissions' IsAuthorized: never throws; every failure is a DENY with an error code. */
    isAuthorized(input) {
      return this.#guard(() => JSON.parse(this.#live().isAuthorized(stringify(input))), denyOnFailure);
    }

    /** Verified Permissions' BatchIsAuthorized, without its 30-request limit. */
    batchIsAuthorized(input) {
      const requests = (input && Array.isArray(input.requests) && input.requests) || [];
      return this.#guard(
        () => JSON.parse(this.#live().batchIsAuthorized(stringify(input))),
        (e) => ({ results: requests.map((request) => ({ request, ...denyOnFailure(e) })) }),
      );
    }

    /**
     * Verified Permissions' IsAuthorizedWithToken: `{ identityToken | accessToken, action, resource, context,
     * entities }`, answered with the `principal` the token maps to. Fetches the issuer's keys when it has
     * none or the token names an unknown `kid` (at most once per cooldown). Never throws.
     */
    async isAuthorizedWithToken(input) {
      const key = this.#answers ? answerKey(input) : undefined;
      if (key !== undefined && this.#jwksFresh()) {
        const hit = this.#answers.get(key.token, key.rest);
        if (hit !== undefined) return JSON.parse(hit);
      }
      return this.#withKeys(
        (now) => {
          const framed = this.#live().isAuthorizedWithTokenFramed(stringify(input), now);
          const cut = framed.indexOf('\n');
          const until = framed.slice(0, cut);
          const json = framed.slice(cut + 1);
          if (key !== undefined && until !== '-') this.#answers.set(key.token, json, Number(until) * 1000, key.rest);
          return JSON.parse(json);
        },
        (answer) => answer.errors,
        denyOnFailure,
      );
    }

    /** Whether every imported key set is still fresh: answers are reused only then. */
    #jwksFresh() {
      for (const issuer of this.#imported.keys()) if (this.#jwks.status(issuer) !== 'fresh') return false;
      return true;
    }

    /** Verified Permissions' BatchIsAuthorizedWithToken: one token, many requests. */
    async batchIsAuthorizedWithToken(input) {
      const requests = (input && Array.isArray(input.requests) && input.requests) || [];
      return this.#withKeys(
        (now) => JSON.parse(this.#live().batchIsAuthorizedWithToken(stringify(input), now)),
        (answer) => (answer.results.length > 0 ? answer.results[0].errors : []),
        (e) => ({ results: requests.map((request) => ({ request, ...denyOnFailure(e) })) }),
      );
    }

    /** Refreshes key sets past their max-age (at most once per cooldown) and drops those past the stale limit. */
    async #maintainKeys() {
      for (const issuer of this.#imported.keys()) {
        if (this.#jwks.status(issuer) === 'fresh') continue;
        await this.#refreshKeys(issuer, false);
        if (this.#jwks.status(issuer) === 'dead') {
          this.setJwks(issuer, { keys: [] });
          this.#imported.delete(issuer);
        }
      }
    }

    async #withKeys(call, errorsOf, onFailure) {
      await this.#maintainKeys();
      const run = () => this.#guard(() => call(this.#clock() / 1000), onFailure);
      const generation = this.#keysGeneration;
      let answer = run();
      const missing = (errorsOf(answer) || []).find((e) => e.issuer && (e.code === 'jwks.unavailable' || e.code === 'jwks.no_matching_key'));
      if (!missing) return answer;
      const outcome = await this.#refreshKeys(missing.issuer, missing.code === 'jwks.no_matching_key');
      if (this.#keysGeneration !== generation) return run();
      if (outcome.reason) {
        for (const e of errorsOf(answer) || []) if (e === missing || e.code === missing.code) e.errorDescription += ` (${outcome.reason})`;
      }
      return answer;
    }

    async #refreshKeys(issuer, unknownKid) {
      const hint = this.#hints.get(issuer);
      if (!hint) return {};
      try {
        const { jwks, version, error } = await this.#jwks.keys(issuer, hint, { refresh: unknownKid });
        if (this.#imported.get(issuer) === version) return { imported: false, reason: error && `keys kept from an earlier fetch: ${error.message}` };
        const result = this.setJwks(issuer, jwks);
        if (result.type !== 'success') return { imported: false, reason: `the fetched key set was refused: ${result.error}` };
        this.#imported.set(issuer, version);
        return { imported: true };
      } catch (e) {
        return { imported: false, reason: e.message };
      }
    }

    /**
     * An HTTP request through its route: `{ token, tokenKind, http: { method, path, routeKey, pathParameters,
     * query, headers, sourceIp }, context, entities, allRoutes }`. The answer adds `authenticated` (false: the
     * token was missing or bad, a 401), `route` and, with `allRoutes`, every route's decision. Never throws.
     */
    async authorizeHttp(input) {
      return this.#withKeys(
        (now) => JSON.parse(this.#live().authorizeHttp(stringify(input), now)),
        (answer) => answer.errors,
        (e) => ({ ...denyOnFailure(e), authenticated: false }),
      );
    }

    /** Verifies the token and routes the request without deciding: `{ authenticated, tokenDigest, validUntil, principal, route, error }`. */
    async prepareHttp(input) {
      return this.#withKeys(
        (now) => JSON.parse(this.#live().prepareHttp(stringify(input), now)),
        (prepared) => (prepared.error ? [prepared.error] : []),
        (e) => ({ authenticated: false, error: denyOnFailure(e).errors[0] }),
      );
    }

    /** The store's routes: route key, method, path template, action, resource and context templates. */
    get routes() {
      return JSON.parse(this.#live().routes());
    }

    /** Fetches (or takes from the options) the keys of every issuer now, rather than on first use. */
    async prefetchKeys() {
      const outcomes = {};
      for (const issuer of this.#hints.keys()) {
        const outcome = this.#imported.has(issuer) ? { imported: true } : await this.#refreshKeys(issuer, false);
        outcomes[issuer] = outcome.imported || this.#imported.has(issuer) ? 'ok' : outcome.reason;
      }
      return outcomes;
    }

    /** Imports an issuer's key set into the wasm instance: `{ type: 'success', keys, skipped }` or `{ type: 'failure', error }`. */
    setJwks(issuer, jwks) {
      const result = JSON.parse(this.#live().setJwks(issuer, typeof jwks === 'string' ? jwks : JSON.stringify(jwks)));
      if (result.type === 'success') {
        this.#keysGeneration += 1;
        for (const listener of this.#keyListeners) listener(issuer);
      }
      return result;
    }

    /** Calls `listener(issuer)` whenever an issuer's keys change (decision caches clear themselves). */
    onKeysChanged(listener) {
      this.#keyListeners.push(listener);
    }

    /** The store's identity sources: `[{ issuer, jwksUri | discoveryUri, hasKeys }]`. */
    get issuers() {
      return JSON.parse(this.#live().issuers());
    }

    /**
     * What a token says and maps to, with the keys loaded now: decoded header and claims, whether it verified
     * (or the exact reason it did not), the principal, groups, attributes and entities.
     */
    explainToken(token, kind = 'identity') {
      return JSON.parse(this.#live().explainToken(String(token), kind, this.#clock() / 1000));
    }

    /** Verified-token, merged-entity and answer cache counters, JWKS fetches, and wasm instances replaced after a trap. */
    get stats() {
      const answers = this.#answers ? { hits: this.#answers.hits, misses: this.#answers.misses, entries: this.#answers.size } : null;
      return {
        tokenCache: JSON.parse(this.#live().tokenCacheStats()),
        entityCache: JSON.parse(this.#live().entityCacheStats()),
        answerCache: answers,
        jwksFetches: this.#jwks.fetches,
        instancesReplaced: engine.replacements,
        module: this.#source.kind,
      };
    }

    /**
     * Runs policy test files (`{ 'tests/x.json': text }`, or the files the store was loaded from) and returns
     * the report: cases with pass or fail, expected and actual answers, and the differences.
     */
    runTests(files) {
      const full = fullModule();
      const onRuntime = this.#source.kind === 'runtime';
      // The runtime module has no test runner: a twin of this authorizer on the full module runs them.
      const inner = onRuntime ? full.WasmAuthorizer.fromBundle(this.#source.bundle) : this.#live();
      try {
        const report = JSON.parse(inner.runTests(JSON.stringify(files || this.#files || {})));
        Object.defineProperty(report, 'text', { value: full.renderTestReport(JSON.stringify(report)), enumerable: false });
        return report;
      } finally {
        if (onRuntime) inner.free();
      }
    }
  }

  /** Validates a store's files and builds its bundle: `{ bundle?, diagnostics }`. */
  function buildBundle(files) {
    return parseLossless(fullModule().buildBundle(JSON.stringify(files)));
  }

  /**
   * A bundle compiled for Lambda@Edge: the store in Cedar's policy set and schema JSON, loadable without
   * the policy and schema parsers. Throws AuthorizerLoadError when the bundle does not load.
   */
  function compileBundle(bundle) {
    const result = parseLossless(fullModule().compileBundle(typeof bundle === 'string' ? bundle : stringify(bundle)));
    if (result.type === 'failure') throw new AuthorizerLoadError(result.error.code, result.error.message, result.error.diagnostics || []);
    return result;
  }

  /** Every diagnostic of a store: file, line, column, message, help. */
  function checkStore(files) {
    return JSON.parse(fullModule().checkStore(JSON.stringify(files)));
  }

  /** Diagnostics printed the way a compiler prints them, with the offending line and a caret. */
  function renderDiagnostics(diagnostics, files) {
    return fullModule().renderDiagnostics(JSON.stringify(diagnostics), JSON.stringify(files || {}));
  }

  return { Authorizer, AuthorizerLoadError, buildBundle, compileBundle, checkStore, renderDiagnostics, BUNDLE_FORMAT, COMPILED_FORMAT };
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
    if (source.format === BUNDLE_FORMAT || source.format === COMPILED_FORMAT) return { bundle: source };
    if (source.files && typeof source.files === 'object') return { files: source.files };
  }
  return undefined;
}

module.exports = { createApi, resolveObject, filesOfBundle, stringify, parseLossless, BUNDLE_FORMAT, COMPILED_FORMAT };
