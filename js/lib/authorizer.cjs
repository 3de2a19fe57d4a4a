'use strict';

const { AuthorizerLoadError } = require('./errors.cjs');
const { JwksCache, keySetsByIssuer } = require('./jwks.cjs');
const { DecisionCache } = require('./decision-cache.cjs');
const { success, loadError, isTrap, describeTrap } = require('./engine.cjs');

/**
 * A request as it crosses into the module: JSON text when `JSON.stringify` can write it (the faster way on
 * the decision path), the value itself when it holds a `BigInt` (a Cedar `Long` beyond 2^53, which the
 * module reads exactly).
 */
function requestArgument(input) {
  try {
    return JSON.stringify(input) ?? input;
  } catch (e) {
    // A BigInt: the module reads the value itself. Anything else (a circular object) is no request at all.
    if (e instanceof TypeError && /BigInt/i.test(e.message)) return input;
    throw e;
  }
}

/**
 * A bundle for the module: text as it is, a document as JSON text (which the module reads in one pass,
 * sooner than a document read across the boundary field by field: this is on every cold start), or the
 * document itself when it holds a BigInt.
 */
const bundleArgument = (bundle) => (typeof bundle === 'string' ? bundle : requestArgument(bundle));

/** A success's value without its tag: a decision in Verified Permissions' shape, say. */
function answerOf(outcome) {
  const { type: _type, ...answer } = outcome;
  return answer;
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
  let others;
  try {
    others = JSON.stringify(rest);
  } catch {
    return undefined;
  }
  if (hasId && hasAccess) return { token: identityToken, rest: `both\n${accessToken}\n${others}` };
  return hasId ? { token: identityToken, rest: `identity\n${others}` } : { token: accessToken, rest: `access\n${others}` };
}

/**
 * A decision export's outcome: JSON text, parsed here (the module writes decisions as text, which is the
 * faster way across: see src/wasm.rs), or the outcome itself when it holds an integer beyond 2^53.
 */
const decoded = (outcome) => (typeof outcome === 'string' ? JSON.parse(outcome) : outcome);

/**
 * The DENY for a call that failed: `internal.trap` when it failed inside a call into the module (whose
 * instance was then replaced), `request.malformed` when the request could not be written for the module
 * (nested too deeply for `JSON.stringify`, circular), `internal.error` otherwise.
 */
function denyOnFailure(error, how = { trap: false }) {
  if (how.code) return { decision: 'DENY', determiningPolicies: [], errors: [{ code: how.code, errorDescription: error.message }] };
  const code = how.trap ? 'internal.trap' : how.malformed ? 'request.malformed' : 'internal.error';
  const description = how.trap
    ? describeTrap(error)
    : how.malformed
      ? `the request cannot be read: ${error && error.message}`
      : `the authorizer failed: ${error && error.message}`;
  return { decision: 'DENY', determiningPolicies: [], errors: [{ code, errorDescription: description }] };
}

/**
 * A request written for the module, or the failure to write it: outside any call into the module, so that
 * a request nested too deeply for `JSON.stringify` is a malformed request, not a trap.
 */
function written(input) {
  try {
    return { argument: requestArgument(input) };
  } catch (error) {
    return { failure: { error, how: { malformed: true } } };
  }
}

/**
 * The Authorizer class over an engine (see engine.cjs) and a platform: `platform.resolve(source)` turns what
 * a user passes to `Authorizer.load` into `{ bundle }` (JSON text or a document) or `{ files }`, doing any
 * I/O the platform allows; `platform.fetch` fetches key sets.
 */
function createAuthorizerClass(engine, platform) {
  /**
   * The wasm authorizer of a source: `{ bundle, kind }` or `{ files, kind: 'full' }`. With `trust`
   * (trusted keys, the floor), a bundle's signature is checked before anything of it is built.
   */
  function instantiate(source, trust) {
    let bundle;
    if (source.files === undefined) {
      try {
        bundle = bundleArgument(source.bundle);
      } catch (e) {
        throw new AuthorizerLoadError('bundle.invalid', `the bundle cannot be read: ${e && e.message}`);
      }
    }
    const outcome = engine.guard(() =>
      source.files !== undefined ? engine.full().loadFiles(source.files) : engine.module(source.kind).WasmAuthorizer.load(bundle, trust),
    );
    if (outcome.type === 'success') return outcome;
    const render = (errors) => success(engine.full().renderDiagnostics(errors, source.files ?? filesOfBundle(source.bundle))).text;
    throw loadError(outcome, source.file, render);
  }

  function fromResolved(resolved, options = {}) {
    if (resolved.live !== undefined) {
      if (options.fallback === undefined) {
        throw new AuthorizerLoadError(
          'config.invalid',
          `${resolved.live.label} is read when the authorizer loads: use \`await Authorizer.load\`, or give \`fallback\` (the bundle shipped with the function) to start from`,
        );
      }
      return fromFallback(resolved.live, platform.resolveSync(options.fallback), options);
    }
    if (resolved.bundle !== undefined) {
      return new Authorizer({ bundle: resolved.bundle, file: resolved.file, kind: engine.moduleFor(resolved.bundle) }, options);
    }
    if (resolved.files !== undefined) return new Authorizer({ files: resolved.files, kind: 'full' }, options);
    throw new AuthorizerLoadError('store.invalid', 'nothing to load: pass a store folder, a bundle file, a bundle object or { files }');
  }

  /** An authorizer on the fallback (the floor), its live source due for a check on the first call. */
  function fromFallback(reader, fallback, options) {
    if (fallback.bundle === undefined && fallback.files === undefined) {
      throw new AuthorizerLoadError('config.invalid', 'options.fallback is a bundle file, a store folder or a bundle object');
    }
    const source =
      fallback.bundle !== undefined
        ? { bundle: fallback.bundle, file: fallback.file, kind: engine.moduleFor(fallback.bundle), origin: 'fallback' }
        : { files: fallback.files, kind: 'full', origin: 'fallback' };
    return new Authorizer(source, { ...options, live: { reader } });
  }

  /**
   * An authorizer on a live source's bundle, read now. When that fails, the fallback is loaded instead and
   * the failure shows in `status()`; without a fallback it throws AuthorizerLoadError with the source's code.
   */
  async function fromLive(reader, options) {
    if (options.fallback !== undefined) {
      const authorizer = fromFallback(reader, await platform.resolve(options.fallback), options);
      await authorizer.refresh();
      return authorizer;
    }
    const sources = platform.live;
    const limits = sources.limits(options, reader);
    let answer;
    try {
      answer = await reader.read({ timeoutMs: limits.timeoutMs, maxBytes: limits.maxBytes });
    } catch (e) {
      throw new AuthorizerLoadError(e.code ?? 'source.unavailable', `the bundle cannot be read from ${reader.label}: ${e.message}`);
    }
    let text;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(answer.body);
    } catch {
      throw new AuthorizerLoadError('bundle.invalid', `${reader.label} sent a body that is not UTF-8 text: not a bundle`);
    }
    const first = { bodyDigest: sources.bodyDigest(answer.body), etag: answer.etag };
    return new Authorizer({ bundle: text, kind: engine.moduleFor(text), origin: 'source' }, { ...options, live: { reader, first } });
  }

  class Authorizer {
    #inner;
    #source;
    #generation;
    #description;
    #jwks;
    #clock;
    #imported = new Map();
    /** Bumped on every key import: a request that saw older keys retries once. */
    #keysGeneration = 0;
    #keyListeners = [];
    /** Answers of `isAuthorizedWithToken` by the whole input (tokens included), for verified tokens only. */
    #answers;
    /** A live source's refresh schedule and state (see sources/refresh.cjs), or null. */
    #refresher = null;
    /** Trusted bundle keys (a JWKS), or undefined: then bundles are not required to be signed. */
    #trustedKeys;
    #bundleListeners = [];
    /** Listeners of what operations count: key fetches and bundle checks (see `onEvent`). */
    #eventListeners = [];
    /** Checks a bundle must pass before it replaces this one (a handler's: it has routes, ...). */
    #bundleChecks = [];
    #log;

    /** When the bundle in place was loaded (ms since the epoch, on this authorizer's clock). */
    #loadedAt;

    /** @private use Authorizer.load */
    constructor(source, options) {
      this.#trustedKeys = trustedKeysOf(options);
      if (options.live && options.live.reader.kind === 'https' && this.#trustedKeys === undefined && options.allowUnsigned !== true) {
        throw new AuthorizerLoadError(
          'config.invalid',
          `${options.live.reader.label}: a bundle read over HTTPS must be signed: give \`trustedKeys\` (the JWKS of the keys that sign bundles; see \`cedar-authorizer sign\`), or \`allowUnsigned: true\` for a server you trust to choose the policies`,
        );
      }
      // The first bundle from the source must be signed; the one shipped with the function (the fallback,
      // or a plain bundle) is trusted as deployed, and checked when it carries a signature.
      const trust = this.#trustedKeys && {
        keys: this.#trustedKeys,
        required: source.origin === 'source' || options.requireSignature === true,
      };
      const loaded = instantiate(source, trust);
      this.#inner = loaded.authorizer;
      this.#source = source;
      this.#generation = engine.generation;
      this.#clock = options.clock ?? Date.now;
      this.#loadedAt = this.#clock();
      this.#answers =
        options.decisionCache === false
          ? null
          : new DecisionCache({
              maxEntries: 2000,
              ttlMs: 300_000,
              ...(options.decisionCache ?? {}),
              clock: this.#clock,
              digest: platform.digest,
            });
      if (this.#answers) this.#keyListeners.push(() => this.#answers.clear());
      this.#description = success(this.#inner.describe());
      // Configuration that loads but deserves a look (an identity source that accepts any client, ...).
      const onWarning = options.onWarning ?? ((w) => console.warn(`cedar-authorizer: ${w}`));
      for (const warning of loaded.warnings ?? []) onWarning(warning.errorDescription);
      const hints = new Map(this.#description.issuers.map(({ issuer, jwksUri, discoveryUri }) => [issuer, { jwksUri, discoveryUri }]));
      const upFront = keySetsByIssuer(options.jwks, [...hints.keys()]);
      this.#jwks = new JwksCache({
        fetch: options.fetch ?? platform.fetch,
        clock: this.#clock,
        static: upFront,
        jwksUris: options.jwksUris,
        allowFetch: options.fetchKeys ?? true,
        timeoutMs: options.jwksTimeoutMs,
        cooldownMs: options.jwksCooldownMs,
        maxAgeMs: options.jwksMaxAgeMs,
        maxStaleMs: options.jwksMaxStaleMs,
        hints,
        onFetch: (issuer, error) => this.#emit({ type: 'keys', issuer, ok: !error, code: error ? error.code : undefined }),
      });
      for (const [issuer, jwks] of Object.entries(upFront)) {
        const result = this.setJwks(issuer, jwks);
        if (result.type !== 'success') throw loadError(result, `the key set for \`${issuer}\``);
        this.#imported.set(issuer, 1);
      }
      this.#log = lineWriter(options.logger);
      if (options.live) this.#attach(options.live, source, options);
    }

    /** Starts refreshing from a live source, from the bundle loaded now. */
    #attach(live, source, options) {
      const sources = platform.live;
      if (!sources) throw new AuthorizerLoadError('source.invalid', 'live bundle sources are read in Node.js only');
      const limits = sources.limits(options, live.reader);
      const create = (settings) => {
        try {
          return sources.createRefresher(settings);
        } catch (e) {
          throw new AuthorizerLoadError(e.code ?? 'config.invalid', e.message);
        }
      };
      this.#refresher = create({
        reader: live.reader,
        clock: this.#clock,
        random: options.random,
        intervalSeconds: limits.intervalSeconds,
        minIntervalSeconds: limits.minIntervalSeconds,
        timeoutMs: limits.timeoutMs,
        maxBytes: limits.maxBytes,
        maxStaleSeconds: options.maxStaleSeconds,
        install: (text) => this.#installBundle(text),
        log: (record) => this.#log(JSON.stringify(record)),
        onCheck: (result) => this.#emit({ type: 'bundle', outcome: result.outcome, code: result.code }),
      });
      const signature = this.#description.signature;
      this.#refresher.loaded({
        hash: this.#description.hash,
        revision: signature && signature.revision,
        origin: source.origin,
        bodyDigest: live.first ? live.first.bodyDigest : typeof source.bundle === 'string' ? sources.bodyDigest(source.bundle) : undefined,
        etag: live.first && live.first.etag,
      });
      if (live.first) this.#refresher.checked('changed');
    }

    /**
     * Verifies and builds a refreshed bundle's text and swaps it in, whole: the next call decides on it and
     * no cached answer of the bundle it replaces is served again. Throws AuthorizerLoadError (its code the
     * module's: `bundle.bad_signature`, `bundle.rollback`, `policy.validation`, ...) and keeps this one.
     */
    #installBundle(text) {
      const running = this.#description.signature;
      const trust = this.#trustedKeys && {
        keys: this.#trustedKeys,
        floor: { revision: running ? running.revision : 0, hash: this.#description.hash },
        required: true,
      };
      const source = { bundle: text, kind: engine.moduleFor(text), origin: 'source' };
      const loaded = instantiate(source, trust);
      const inner = loaded.authorizer;
      let description;
      try {
        description = success(inner.describe());
        for (const check of this.#bundleChecks) check(description);
        // The key sets already fetched go to the new instance, so no request waits for them again.
        for (const { issuer, jwksUri, discoveryUri } of description.issuers) {
          if (!this.#jwks.hints.has(issuer)) this.#jwks.hints.set(issuer, { jwksUri, discoveryUri });
          const entry = this.#jwks.entries.get(issuer);
          if (entry && entry.jwks) inner.setJwks(issuer, entry.jwks);
        }
      } catch (e) {
        inner.free();
        throw e;
      }
      const issuers = new Set(description.issuers.map((i) => i.issuer));
      for (const issuer of [...this.#imported.keys()]) if (!issuers.has(issuer)) this.#imported.delete(issuer);
      const old = this.#inner;
      this.#inner = inner;
      this.#source = source;
      this.#description = description;
      this.#loadedAt = this.#clock();
      this.#generation = engine.generation;
      if (this.#answers) this.#answers.clear();
      for (const listener of this.#bundleListeners) listener(description);
      if (old && old !== inner) old.free();
      return { hash: description.hash, revision: description.signature && description.signature.revision };
    }

    /** Awaited before every asynchronous decision: a refresh's check, when one is due (see refresh.cjs). */
    #refreshIfDue() {
      return this.#refresher ? this.#refresher.beforeCall() : undefined;
    }

    /** The DENY of every decision once the bundle is older than `maxStaleSeconds` allows. */
    #stale() {
      if (!this.#refresher || !this.#refresher.stale()) return undefined;
      const status = this.#refresher.status();
      return new Error(
        `no refresh of the bundle from ${status.source} has succeeded within maxStaleSeconds (${status.maxStaleSeconds} s; last error: ${status.lastError ? status.lastError.code : 'none'}): every request is denied until one does`,
      );
    }

    /** Checks the live source now (or waits for the check in flight): `{ outcome, code? }`; a no-op without one. */
    async refresh() {
      if (!this.#refresher) return { outcome: 'unchanged' };
      return this.#refresher.refresh();
    }

    /**
     * Where the bundle came from and how its refreshes go: `{ source, kind, origin, hash, revision, loadedAt,
     * lastCheck, lastSuccessAt, lastError, consecutiveFailures, nextCheckAt, stale, ... }`.
     */
    status() {
      const signature = this.#description.signature;
      const base = {
        source: this.#source.file ?? (this.#source.files ? 'files' : 'bundle'),
        kind: 'static',
        hash: this.#description.hash,
        revision: signature ? signature.revision : null,
        signedAt: signature ? new Date(signature.signedAt * 1000).toISOString() : null,
        module: this.#source.kind,
        loadedAt: new Date(this.#loadedAt).toISOString(),
      };
      const status = this.#refresher ? { ...base, ...this.#refresher.status(), signedAt: base.signedAt, module: base.module } : base;
      const loadedAt = Date.parse(status.loadedAt);
      const stats = this.stats;
      const rate = (c) => (c && c.hits + c.misses > 0 ? c.hits / (c.hits + c.misses) : null);
      return {
        ...status,
        bundleAgeSeconds: Number.isFinite(loadedAt) ? Math.max(0, (this.#clock() - loadedAt) / 1000) : null,
        keys: this.#jwks.describe(),
        caches: {
          verifiedTokens: { ...stats.tokenCache, hitRate: rate(stats.tokenCache) },
          mergedEntities: { ...stats.entityCache, hitRate: rate(stats.entityCache) },
          answers: stats.answerCache && { ...stats.answerCache, hitRate: rate(stats.answerCache) },
        },
        jwksFetches: stats.jwksFetches,
        instancesReplaced: stats.instancesReplaced,
        memory: platform.memory ? platform.memory() : null,
      };
    }

    /**
     * Calls `listener(event)` for what an operator counts: `{ type: 'keys', issuer, ok, code }` after each
     * JWKS fetch, `{ type: 'bundle', outcome: 'changed' | 'unchanged' | 'failed', code }` after each check of
     * a live source. A listener that throws is ignored.
     */
    onEvent(listener) {
      this.#eventListeners.push(listener);
    }

    #emit(event) {
      for (const listener of this.#eventListeners) {
        try {
          listener(event);
        } catch {
          // An observer never breaks a decision.
        }
      }
    }

    /** Calls `listener(description)` after every bundle swap (the handlers' caches clear themselves). */
    onBundleChanged(listener) {
      this.#bundleListeners.push(listener);
    }

    /** Adds a check a refreshed bundle must pass (it throws AuthorizerLoadError) before it replaces this one. */
    addBundleCheck(check) {
      this.#bundleChecks.push(check);
    }

    /** The bundle deciding now: `{ hash, revision }`. */
    get bundle() {
      const signature = this.#description.signature;
      return { hash: this.#description.hash, revision: signature ? signature.revision : null };
    }

    /**
     * Loads a policy store folder, a bundle file, a bundle object, or `{ files: {path: text} }`: parsing,
     * validation and indexing happen here, once. Throws AuthorizerLoadError with every diagnostic.
     * Options: `jwks` (issuer to key set, or one key set for a store with one issuer), `jwksUris`, `fetch`,
     * `fetchKeys` (false: never fetch), `clock` (ms), `jwksTimeoutMs`, `jwksCooldownMs`, `jwksMaxAgeMs`,
     * `jwksMaxStaleMs`, `decisionCache`, `onWarning` (each configuration warning; default `console.warn`).
     */
    static async load(source, options = {}) {
      const resolved = await platform.resolve(source, options);
      if (resolved.live !== undefined) return fromLive(resolved.live, options);
      return fromResolved(resolved, options);
    }

    /** `load` without a promise, for sources that need no asynchronous I/O. */
    static loadSync(source, options) {
      if (!platform.resolveSync) throw new AuthorizerLoadError('store.invalid', 'loadSync is not available here: use load');
      return fromResolved(platform.resolveSync(source, options), options);
    }

    /**
     * The wasm authorizer, rebuilt from the source (and given back its keys) when the instance it lived in
     * was replaced after a trap.
     */
    #live() {
      if (this.#generation !== engine.generation) {
        this.#inner = instantiate(this.#source).authorizer;
        this.#generation = engine.generation;
        for (const issuer of this.#imported.keys()) {
          const entry = this.#jwks.entries.get(issuer);
          if (entry && entry.jwks) this.#inner.setJwks(issuer, entry.jwks);
        }
        if (this.#answers) this.#answers.clear();
      }
      return this.#inner;
    }

    /**
     * Calls into the module with a request already written for it (see `written`): `call(inner, argument)`
     * is the call and nothing else, so that what it throws comes from inside the module. A trap replaces the
     * instances; any failure answers `onFailure(error, { trap, malformed })`.
     */
    #guard(request, call, onFailure) {
      if (request.failure) return onFailure(request.failure.error, request.failure.how);
      const stale = this.#stale();
      if (stale) return onFailure(stale, { code: 'bundle.stale' });
      let inner;
      try {
        inner = this.#live();
      } catch (e) {
        return onFailure(e, { trap: false });
      }
      let outcome;
      try {
        outcome = call(inner, request.argument);
      } catch (e) {
        const trap = isTrap(e);
        if (trap) engine.replaceInstances();
        return onFailure(e, { trap });
      }
      return { outcome: decoded(outcome) };
    }

    /**
     * The bundle deciding now as it was given or read (JSON text or a document), or undefined for a store
     * loaded from its files: what the Verified Permissions endpoint lists policies and the schema from.
     */
    get bundleSource() {
      return this.#source.bundle;
    }

    /** The store's files (`{ path: text }`) when it was loaded from them, else undefined. */
    get storeFiles() {
      return this.#source.files;
    }

    /** When the bundle in place was loaded or swapped in: milliseconds since the epoch. */
    get loadedAt() {
      return this.#loadedAt;
    }

    /** The bundle's content hash, `sha256:<hex>`. */
    get hash() {
      return this.#description.hash;
    }

    /** Every policy: id, kind (static, template, link), effect, file and place. */
    get policies() {
      return this.#description.policies;
    }

    /** The store's routes: route key, method, path template, action, resource and context templates. */
    get routes() {
      return this.#description.routes;
    }

    /** The store's identity sources: `[{ issuer, jwksUri | discoveryUri, hasKeys }]`. */
    get issuers() {
      const described = success(this.#live().describe());
      return described.issuers;
    }

    /** Verified Permissions' IsAuthorized: never throws; every failure is a DENY with an error code. */
    isAuthorized(input) {
      this.#refreshIfDue();
      const done = this.#guard(written(input), (inner, argument) => inner.isAuthorized(argument), denyOnFailure);
      return done.outcome ? answerOf(done.outcome) : done;
    }

    /** Verified Permissions' BatchIsAuthorized, without its 30-request limit. */
    batchIsAuthorized(input) {
      this.#refreshIfDue();
      const requests = (input && Array.isArray(input.requests) && input.requests) || [];
      const deny = (e, how) => ({ results: requests.map((request) => ({ request, ...denyOnFailure(e, how) })) });
      const done = this.#guard(written(input), (inner, argument) => inner.batchIsAuthorized(argument), deny);
      if (!done.outcome) return done;
      const outcome = done.outcome;
      return outcome.type === 'success'
        ? answerOf(outcome)
        : { results: requests.map((request) => ({ request, decision: 'DENY', determiningPolicies: [], errors: outcome.errors })) };
    }

    /**
     * Verified Permissions' IsAuthorizedWithToken: `{ identityToken | accessToken, action, resource, context,
     * entities }`, answered with the `principal` the token maps to. Fetches the issuer's keys when it has
     * none or the token names an unknown `kid` (at most once per cooldown). Never throws.
     */
    async isAuthorizedWithToken(input) {
      await this.#refreshIfDue();
      const key = this.#answers ? answerKey(input) : undefined;
      if (key !== undefined && this.#jwks.allFresh(this.#imported.keys()) && !this.#stale()) {
        const hit = this.#answers.get(key.token, key.rest);
        if (hit !== undefined) return hit;
      }
      const request = written(input);
      return this.#withKeys(
        (now) => {
          const done = this.#guard(request, (inner, argument) => inner.isAuthorizedWithToken(argument, now), denyOnFailure);
          if (!done.outcome) return done;
          // `validUntil` (how long the answer holds) is not part of Verified Permissions' answer.
          const { type: _type, validUntil, ...answer } = done.outcome;
          if (key !== undefined && validUntil !== undefined) this.#answers.set(key.token, answer, Number(validUntil) * 1000, key.rest);
          return answer;
        },
        (answer) => answer.errors,
      );
    }

    /** Verified Permissions' BatchIsAuthorizedWithToken: one token, many requests. */
    async batchIsAuthorizedWithToken(input) {
      await this.#refreshIfDue();
      const requests = (input && Array.isArray(input.requests) && input.requests) || [];
      const request = written(input);
      const deny = (e, how) => ({ results: requests.map((r) => ({ request: r, ...denyOnFailure(e, how) })) });
      return this.#withKeys(
        (now) => {
          const done = this.#guard(request, (inner, argument) => inner.batchIsAuthorizedWithToken(argument, now), deny);
          if (!done.outcome) return done;
          const outcome = done.outcome;
          if (outcome.type !== 'success') {
            return { results: requests.map((r) => ({ request: r, decision: 'DENY', determiningPolicies: [], errors: outcome.errors })) };
          }
          // Verified Permissions names the token's principal once, beside the results.
          const answer = answerOf(outcome);
          const first = answer.results.find((r) => r.principal);
          if (first && answer.principal === undefined) answer.principal = first.principal;
          return answer;
        },
        (answer) => (answer.results.length > 0 ? answer.results[0].errors : []),
      );
    }

    /**
     * Which actions may this principal take on this resource: every action of the schema that applies to
     * the principal's (or the token's principal's) type and the resource's type, each decided exactly, as
     * one batch over those actions. `{ principal | identityToken | accessToken, resource, context?,
     * entities? }` answers `{ actions: [{ action, decision, determiningPolicies, errors }], principal,
     * errors }` (`errors`: what kept the question from being asked, such as a token that does not verify).
     * Never throws.
     */
    async allowedActions(input) {
      await this.#refreshIfDue();
      const request = written(input);
      const refuse = (e, how) => ({ actions: [], principal: null, errors: denyOnFailure(e, how).errors });
      return this.#withKeys(
        (now) => {
          const done = this.#guard(request, (inner, argument) => inner.allowedActions(argument, now), refuse);
          return done.outcome ? answerOf(done.outcome) : done;
        },
        (answer) => answer.errors,
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

    async #withKeys(call, errorsOf) {
      await this.#maintainKeys();
      const run = () => call(this.#clock() / 1000);
      const generation = this.#keysGeneration;
      const answer = run();
      const missing = (errorsOf(answer) || []).find(
        (e) => e.issuer && (e.code === 'jwks.unavailable' || e.code === 'jwks.no_matching_key'),
      );
      if (!missing) return answer;
      const outcome = await this.#refreshKeys(missing.issuer, missing.code === 'jwks.no_matching_key');
      if (this.#keysGeneration !== generation) return run();
      if (outcome.reason) {
        for (const e of errorsOf(answer) || []) if (e === missing || e.code === missing.code) e.errorDescription += ` (${outcome.reason})`;
      }
      return answer;
    }

    async #refreshKeys(issuer, unknownKid) {
      try {
        const { jwks, version, error } = await this.#jwks.keys(issuer, { refresh: unknownKid });
        if (this.#imported.get(issuer) === version)
          return { imported: false, reason: error && `keys kept from an earlier fetch: ${error.message}` };
        const result = this.setJwks(issuer, jwks);
        if (result.type !== 'success')
          return { imported: false, reason: `the fetched key set was refused: ${result.errors.map((e) => e.errorDescription).join('; ')}` };
        this.#imported.set(issuer, version);
        return { imported: true };
      } catch (e) {
        return { imported: false, reason: e.message };
      }
    }

    /**
     * An HTTP request through its route: `{ token, tokenKind, http: { method, path, routeKey, pathParameters,
     * query, headers, sourceIp }, forwardsNormalizedPath, context, entities, allRoutes }`. The answer adds
     * `authenticated` (false: the token was missing or bad, a 401), `path` (the normal form, to forward),
     * `route`, `validUntil` (when the verified token stops being accepted, in seconds) and, with
     * `allRoutes`, `cachePolicy`. Never throws.
     */
    async authorizeHttp(input) {
      await this.#refreshIfDue();
      const request = written(input);
      const deny = (e, how) => ({ ...denyOnFailure(e, how), authenticated: false });
      return this.#withKeys(
        (now) => {
          const done = this.#guard(request, (inner, argument) => inner.authorizeHttp(argument, now), deny);
          const answer = done.outcome ? answerOf(done.outcome) : done;
          // Which bundle decided: a cache keeps an answer only while that bundle is the one in place.
          answer.bundle = this.bundle;
          return answer;
        },
        (answer) => answer.errors,
      );
    }

    /** Verifies the token and routes the request without deciding: `{ authenticated, tokenDigest, validUntil, principal, method, path, route, error }`. */
    async prepareHttp(input) {
      await this.#refreshIfDue();
      const request = written(input);
      const refuse = (e, how) => ({ authenticated: false, error: denyOnFailure(e, how).errors[0] });
      return this.#withKeys(
        (now) => {
          const done = this.#guard(request, (inner, argument) => inner.prepareHttp(argument, now), refuse);
          return done.outcome ? answerOf(done.outcome) : done;
        },
        (prepared) => (prepared.error ? [prepared.error] : []),
      );
    }

    /** Fetches (or takes from the options) the keys of every issuer now, rather than on first use. */
    async prefetchKeys() {
      const outcomes = {};
      for (const { issuer } of this.#description.issuers) {
        const outcome = this.#imported.has(issuer) ? { imported: true } : await this.#refreshKeys(issuer, false);
        outcomes[issuer] = outcome.imported || this.#imported.has(issuer) ? 'ok' : outcome.reason;
      }
      return outcomes;
    }

    /** Imports an issuer's key set into the wasm instance: `{ type: 'success', issuer, keys, skipped }` or `{ type: 'failure', errors }`. */
    setJwks(issuer, jwks) {
      const result = this.#live().setJwks(issuer, jwks);
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

    /**
     * What a token says and maps to, with the keys loaded now: decoded header and claims, whether it verified
     * (or the exact reason it did not), the principal, groups, attributes and entities.
     */
    explainToken(token, kind = 'identity') {
      const outcome = this.#live().explainToken(String(token), kind, this.#clock() / 1000);
      return outcome.type === 'success' ? answerOf(outcome) : { verified: false, error: outcome.errors[0] };
    }

    /** How many `isAuthorizedWithToken` calls the answer cache has answered (a plain counter, cheap to read). */
    get answerCacheHits() {
      return this.#answers ? this.#answers.hits : 0;
    }

    /** Verified-token, merged-entity and answer cache counters, JWKS fetches, and wasm instances replaced after a trap. */
    get stats() {
      const answers = this.#answers
        ? { hits: this.#answers.hits, misses: this.#answers.misses, entries: this.#answers.size, bytes: this.#answers.bytes }
        : null;
      const { tokenCache, entityCache } = success(this.#live().stats());
      return {
        tokenCache,
        entityCache,
        answerCache: answers,
        jwksFetches: this.#jwks.fetches,
        instancesReplaced: engine.replacements,
        module: this.#source.kind,
      };
    }

    /**
     * Runs policy test files (`{ 'tests/x.json': text }`, or the files the store was loaded from) and returns
     * the report: cases with pass or fail, expected and actual answers, and the differences; `text` has it
     * printed as `cedar-authorizer test` does.
     */
    runTests(files) {
      const full = engine.full();
      const onRuntime = this.#source.kind === 'runtime';
      // The runtime module has no test runner: a twin of this authorizer on the full module runs them.
      const inner = onRuntime ? success(full.WasmAuthorizer.load(this.#source.bundle)).authorizer : this.#live();
      try {
        const given = files || this.#source.files || {};
        const report = success(engine.guard(() => inner.runTests(given)));
        // The cases' lines and summary, after any test file or case that could not be read, shown in its file.
        const unread =
          report.diagnostics.length > 0 ? `${success(full.renderDiagnostics(report.diagnostics, given)).text.trimEnd()}\n` : '';
        Object.defineProperty(report, 'text', { value: unread + success(full.renderTestReport(report)).text, enumerable: false });
        Object.defineProperty(report, 'casesText', { value: success(full.renderTestReport(report)).text, enumerable: false });
        return report;
      } finally {
        if (onRuntime) inner.free();
      }
    }
  }

  return Authorizer;
}

/**
 * How the authorizer writes its own lines (bundle refreshes): `logger` a function of a JSON line, an object
 * with `info`/`warn`/`error` (a Powertools Logger: given the message and the record), false, or console.log.
 */
function lineWriter(logger) {
  if (logger === false) return () => {};
  if (typeof logger === 'function') return logger;
  if (logger && typeof logger === 'object' && typeof logger.info === 'function') {
    return (line) => {
      const { level = 'info', message = 'cedar-authorizer', ...rest } = JSON.parse(line);
      (typeof logger[level] === 'function' ? logger[level] : logger.info).call(logger, message, rest);
    };
  }
  return (line) => console.log(line);
}

/** `options.trustedKeys` as a JWKS (an object, or its JSON text), or undefined. */
function trustedKeysOf(options) {
  let keys = options.trustedKeys;
  if (keys === undefined || keys === null) return undefined;
  if (typeof keys === 'string') {
    try {
      keys = JSON.parse(keys);
    } catch (e) {
      throw new AuthorizerLoadError('config.invalid', `options.trustedKeys is not JSON: ${e.message}`);
    }
  }
  if (!keys || typeof keys !== 'object' || !Array.isArray(keys.keys) || keys.keys.length === 0) {
    throw new AuthorizerLoadError(
      'config.invalid',
      'options.trustedKeys is a JWKS, `{ keys: [...] }`, with the public keys that sign bundles',
    );
  }
  return keys;
}

/** The files a bundle was built from, for rendering diagnostics against them. */
function filesOfBundle(bundle) {
  const files = {};
  if (!bundle || typeof bundle !== 'object') return files;
  if (bundle.schema) files[bundle.schema.file] = bundle.schema.text;
  for (const f of bundle.policyFiles || []) files[f.file] = f.text;
  return files;
}

module.exports = { createAuthorizerClass, requestArgument, answerOf };
