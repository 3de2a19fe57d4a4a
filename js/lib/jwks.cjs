'use strict';

const { AuthorizerLoadError } = require('./errors.cjs');

/**
 * Issuers' key sets, fetched and cached. All I/O of token verification lives here; the checks themselves
 * run inside the wasm module.
 *
 * - Cognito pools publish `<issuer>/.well-known/jwks.json`; OpenID Connect issuers are looked up through
 *   `<issuer>/.well-known/openid-configuration` (`jwks_uri`). `jwksUris` overrides either.
 * - One fetch in flight per issuer, however many callers wait on it; each fetch is bounded by `timeoutMs`.
 * - A key set is fresh for the response's `Cache-Control: max-age` (else `maxAgeMs`); an unknown `kid`
 *   refetches at most once per `cooldownMs`, so a storm of made-up `kid`s costs one fetch.
 * - When the endpoint fails, the last good key set is kept for up to `maxStaleMs` after it was fetched.
 * - Key sets given up front (`static`) are never fetched: for Lambda@Edge, where no fetch should happen
 *   on the request path.
 */
class JwksError extends Error {
  constructor(code, message) {
    super(message);
    this.name = 'JwksError';
    this.code = code;
  }
}

const DEFAULTS = {
  timeoutMs: 3000,
  cooldownMs: 30_000,
  maxAgeMs: 3_600_000,
  maxStaleMs: 86_400_000,
  maxBytes: 512 * 1024,
};

function maxAgeOf(response) {
  const header = response.headers && typeof response.headers.get === 'function' ? response.headers.get('cache-control') : null;
  const match = header && /(?:^|,)\s*max-age\s*=\s*(\d+)/i.exec(header);
  return match ? Number(match[1]) * 1000 : undefined;
}

/**
 * A response body as text, reading no more than `maxBytes` bytes: a declared `content-length` over the
 * limit is refused before reading, and a body that grows past it is cancelled as soon as it does.
 */
async function readLimited(response, url, maxBytes, controller) {
  const tooLarge = (n) => new JwksError('jwks.invalid', `${url} sent ${n} bytes or more, over the limit of ${maxBytes}`);
  const declared = response.headers && typeof response.headers.get === 'function' ? Number(response.headers.get('content-length')) : NaN;
  if (declared > maxBytes) {
    controller.abort();
    throw tooLarge(declared);
  }
  const body = response.body;
  if (!body || typeof body.getReader !== 'function') {
    // A response without a stream (an injected fetch's): its bytes counted all the same.
    const bytes = new Uint8Array(await response.arrayBuffer());
    if (bytes.byteLength > maxBytes) throw tooLarge(bytes.byteLength);
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  }
  const reader = body.getReader();
  const chunks = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => {});
      controller.abort();
      throw tooLarge(total);
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
}

/** JSON text of a value with every object's keys sorted. */
function sortedJson(value) {
  return JSON.stringify(value, (_, v) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(
          Object.keys(v)
            .sort()
            .map((k) => [k, v[k]]),
        )
      : v,
  );
}

/** A key set as compared for change: its keys in any order, each with its members in any order. */
function canonical(jwks) {
  if (!jwks || !Array.isArray(jwks.keys)) return sortedJson(jwks);
  const { keys, ...rest } = jwks;
  return sortedJson({ ...rest, keys: keys.map(sortedJson).sort() });
}

class JwksCache {
  /**
   * @param {object} options
   * @param {(url: string, init?: object) => Promise<Response>} [options.fetch]
   * @param {() => number} [options.clock] milliseconds since the epoch
   * @param {Record<string, object>} [options.static] issuer to JWKS, never fetched
   * @param {Record<string, string>} [options.jwksUris] issuer to JWKS URL
   * @param {boolean} [options.allowFetch] false: only static key sets
   */
  constructor(options = {}) {
    this.hints = options.hints ?? new Map();
    this.fetch = options.fetch ?? globalThis.fetch;
    this.clock = options.clock ?? Date.now;
    this.timeoutMs = options.timeoutMs ?? DEFAULTS.timeoutMs;
    this.cooldownMs = options.cooldownMs ?? DEFAULTS.cooldownMs;
    this.maxAgeMs = options.maxAgeMs ?? DEFAULTS.maxAgeMs;
    this.maxStaleMs = options.maxStaleMs ?? DEFAULTS.maxStaleMs;
    this.allowFetch = options.allowFetch ?? true;
    this.jwksUris = { ...(options.jwksUris ?? {}) };
    this.entries = new Map();
    this.fetches = 0;
    this.onFetch = options.onFetch ?? (() => {});
    for (const [issuer, jwks] of Object.entries(options.static ?? {})) {
      this.entries.set(issuer, { jwks, version: 1, static: true, fetchedAt: this.clock(), expiresAt: Infinity, lastAttempt: -Infinity });
    }
  }

  entry(issuer) {
    let entry = this.entries.get(issuer);
    if (!entry) {
      entry = {
        jwks: undefined,
        version: 0,
        static: false,
        fetchedAt: -Infinity,
        expiresAt: -Infinity,
        lastAttempt: -Infinity,
        inFlight: null,
        error: undefined,
      };
      this.entries.set(issuer, entry);
    }
    return entry;
  }

  /**
   * The issuer's current key set: `{ jwks, version }`. `hint` is `{ jwksUri }` or `{ discoveryUri }` from the
   * store. With `refresh` (an unknown `kid`), refetches unless the last attempt was within the cooldown.
   * Throws JwksError('jwks.unavailable') when there is no usable key set.
   */
  async keys(issuer, { refresh = false } = {}) {
    const hint = this.hints.get(issuer) ?? {};
    const entry = this.entry(issuer);
    const now = this.clock();
    if (entry.static || !this.allowFetch) return this.current(issuer, entry);
    if (entry.jwks && now < entry.expiresAt && !refresh) return this.current(issuer, entry);
    // Within the cooldown of the last attempt (a refetch for an unknown kid, or a failure), use what we have.
    if (!entry.inFlight && now - entry.lastAttempt < this.cooldownMs) return this.current(issuer, entry);
    if (!entry.inFlight) {
      entry.lastAttempt = now;
      entry.inFlight = this.load(issuer, hint)
        .then(({ jwks, maxAgeMs }) => {
          const at = this.clock();
          // The same keys as before (a refetch for an unknown `kid` that the issuer does not have): the
          // version stays, so nothing is imported again and no cache built on these keys is cleared.
          if (entry.jwks === undefined || canonical(jwks) !== canonical(entry.jwks)) {
            entry.jwks = jwks;
            entry.version += 1;
          }
          entry.fetchedAt = at;
          entry.expiresAt = at + (maxAgeMs ?? this.maxAgeMs);
          entry.error = undefined;
          entry.errorAt = undefined;
          this.onFetch(issuer, undefined);
        })
        .catch((error) => {
          entry.error = error;
          entry.errorAt = this.clock();
          this.onFetch(issuer, error);
        })
        .finally(() => {
          entry.inFlight = null;
        });
    }
    await entry.inFlight;
    return this.current(issuer, entry);
  }

  /**
   * Every issuer's key set for `status()`: `{ issuer, state, static, fetchedAt, ageSeconds, expiresAt,
   * lastError }` (`state` as `status(issuer)` gives it; times ISO 8601 or null).
   */
  describe() {
    const now = this.clock();
    const iso = (ms) => (Number.isFinite(ms) ? new Date(ms).toISOString() : null);
    const issuers = new Set([...this.hints.keys(), ...this.entries.keys()]);
    return [...issuers].map((issuer) => {
      const entry = this.entries.get(issuer);
      const fetched = entry && entry.jwks && Number.isFinite(entry.fetchedAt);
      return {
        issuer,
        state: this.status(issuer),
        static: Boolean(entry && entry.static),
        keys: entry && entry.jwks && Array.isArray(entry.jwks.keys) ? entry.jwks.keys.length : 0,
        fetchedAt: fetched ? iso(entry.fetchedAt) : null,
        ageSeconds: fetched ? Math.max(0, (now - entry.fetchedAt) / 1000) : null,
        expiresAt: entry && !entry.static ? iso(entry.expiresAt) : null,
        lastError:
          entry && entry.error
            ? { code: entry.error.code ?? 'jwks.unavailable', message: entry.error.message, at: iso(entry.errorAt) }
            : null,
      };
    });
  }

  /** Whether every one of `issuers` has a fresh key set: answers are reused only then. */
  allFresh(issuers) {
    for (const issuer of issuers) if (this.status(issuer) !== 'fresh') return false;
    return true;
  }

  /** `fresh`, `stale` (past max-age, usable), `dead` (past the stale limit) or `none`. */
  status(issuer) {
    const entry = this.entries.get(issuer);
    if (!entry || !entry.jwks) return 'none';
    const now = this.clock();
    if (entry.static || now < entry.expiresAt) return 'fresh';
    return now - entry.fetchedAt <= this.maxStaleMs ? 'stale' : 'dead';
  }

  current(issuer, entry) {
    const now = this.clock();
    if (entry.jwks && (entry.static || now - entry.fetchedAt <= this.maxStaleMs)) {
      return { jwks: entry.jwks, version: entry.version, stale: now >= entry.expiresAt, error: entry.error };
    }
    const why = entry.error
      ? entry.error.message
      : this.allowFetch
        ? 'not fetched yet (retrying after the cooldown)'
        : 'fetching is off and no key set was given';
    throw new JwksError('jwks.unavailable', `no keys for issuer \`${issuer}\`: ${why}`);
  }

  async load(issuer, hint) {
    let url = this.jwksUris[issuer] ?? hint.jwksUri;
    if (!url && hint.discoveryUri) {
      const discovery = await this.getJson(hint.discoveryUri);
      // OpenID Connect Discovery 1.0, section 4.3: the document's `issuer` must be the issuer it was
      // fetched for, exactly; and the keys must come over TLS.
      if (!discovery || typeof discovery !== 'object' || discovery.issuer !== issuer) {
        const found =
          discovery && typeof discovery === 'object' && 'issuer' in discovery
            ? `is for issuer \`${discovery.issuer}\``
            : 'names no `issuer`';
        throw new JwksError('jwks.invalid', `${hint.discoveryUri} ${found}, not \`${issuer}\`: its keys are not used`);
      }
      if (typeof discovery.jwks_uri !== 'string') {
        throw new JwksError('jwks.invalid', `${hint.discoveryUri} has no \`jwks_uri\``);
      }
      if (!discovery.jwks_uri.startsWith('https://')) {
        throw new JwksError(
          'jwks.invalid',
          `${hint.discoveryUri} names \`jwks_uri\` \`${discovery.jwks_uri}\`, which is not https: its keys are not used`,
        );
      }
      url = discovery.jwks_uri;
      this.jwksUris[issuer] = url;
    }
    if (!url) throw new JwksError('jwks.unavailable', `no JWKS location for issuer \`${issuer}\``);
    const { body, maxAgeMs } = await this.getJson(url, true);
    if (!body || !Array.isArray(body.keys)) throw new JwksError('jwks.invalid', `${url} is not a JWKS (no \`keys\` list)`);
    return { jwks: body, maxAgeMs };
  }

  async getJson(url, withMaxAge = false) {
    if (typeof this.fetch !== 'function') throw new JwksError('jwks.unavailable', 'no fetch function: pass `fetch` or key sets up front');
    this.fetches += 1;
    const controller = new AbortController();
    let timer;
    const timeout = new Promise((_, reject) => {
      timer = setTimeout(() => {
        controller.abort();
        reject(new JwksError('jwks.timeout', `${url} did not answer within ${this.timeoutMs} ms`));
      }, this.timeoutMs);
    });
    try {
      const response = await Promise.race([
        this.fetch(url, { signal: controller.signal, headers: { accept: 'application/json' } }),
        timeout,
      ]);
      if (!response.ok) throw new JwksError('jwks.http_error', `${url} answered ${response.status}`);
      const text = await Promise.race([readLimited(response, url, DEFAULTS.maxBytes, controller), timeout]);
      let body;
      try {
        body = JSON.parse(text);
      } catch {
        throw new JwksError('jwks.invalid', `${url} did not send JSON`);
      }
      return withMaxAge ? { body, maxAgeMs: maxAgeOf(response) } : body;
    } catch (e) {
      if (e instanceof JwksError) throw e;
      throw new JwksError('jwks.unavailable', `fetching ${url} failed: ${e && e.message}`);
    } finally {
      clearTimeout(timer);
    }
  }
}

/**
 * Key sets given up front, by issuer. `jwks` is `{ "<issuer>": { keys } }`, or one plain key set (`{ keys }`,
 * what `make package` writes and the CLI's `--jwks` takes) for a store with exactly one issuer. Throws a
 * `config.invalid` error that says what to fix for anything else.
 */
function keySetsByIssuer(jwks, issuers) {
  if (jwks === undefined || jwks === null) return {};
  if (typeof jwks !== 'object' || Array.isArray(jwks)) {
    throw new AuthorizerLoadError('config.invalid', 'options.jwks must be a key set ({ keys: [...] }) or an object of issuer to key set');
  }
  if (Array.isArray(jwks.keys)) {
    if (issuers.length === 1) return { [issuers[0]]: jwks };
    throw new AuthorizerLoadError(
      'config.invalid',
      issuers.length === 0
        ? 'a key set was given, but the store has no identity source'
        : `a plain key set was given, but the store has ${issuers.length} issuers (${issuers.join(', ')}): give { "<issuer>": { keys: [...] } } for each`,
    );
  }
  for (const issuer of Object.keys(jwks)) {
    if (!issuers.includes(issuer)) {
      throw new AuthorizerLoadError(
        'config.invalid',
        `a key set was given for \`${issuer}\`, which is not an issuer of the store's identity sources (${issuers.join(', ') || 'none'})`,
      );
    }
  }
  return jwks;
}

module.exports = { JwksCache, JwksError, keySetsByIssuer, JWKS_DEFAULTS: DEFAULTS };
