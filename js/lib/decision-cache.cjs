'use strict';

/**
 * Decisions remembered for repeated requests: a bounded LRU whose entries live at most `ttlMs`, and never
 * past the expiry they are stored with (the token's). Callers store only answers the wasm module gave for
 * a token it verified (or found in its verified-token cache), under keys that include the whole token or
 * its digest, so an unverified token can never hit; new keys for an issuer clear it. A key may be split in
 * two, `key` and `sub`: an entry matches only when both are equal.
 */
/** An answer as the cache keeps it: text as it is, objects as JSON text where JSON can write them. */
function stored(answer) {
  if (typeof answer === 'string') return { answer, form: 'text' };
  try {
    return { answer: JSON.stringify(answer), form: 'json' };
  } catch {
    return { answer: structuredClone(answer), form: 'object' };
  }
}

class DecisionCache {
  constructor({ maxEntries = 10_000, ttlMs = 60_000, clock = Date.now } = {}) {
    if (!Number.isInteger(maxEntries) || maxEntries < 1) throw new TypeError('decisionCache.maxEntries must be a positive integer');
    if (!(ttlMs > 0)) throw new TypeError('decisionCache.ttlMs must be positive');
    this.maxEntries = maxEntries;
    this.ttlMs = ttlMs;
    this.clock = clock;
    // Entries grouped by key (a token or its digest), then by `sub` (the rest of the request): a lookup
    // hashes the token once, as a string it may already have hashed, and the rest of the request is short.
    // Least recently used keys first; within a key, least recently used entries first.
    this.buckets = new Map();
    this.count = 0;
    this.hits = 0;
    this.misses = 0;
  }

  /**
   * Within an HTTP request's bucket (the token's digest: a handler's cache holds the answers of one bundle,
   * for one token kind), the key of the routed request, from Authorizer#prepareHttp or an answer of
   * Authorizer#authorizeHttp (both carry the route and the path). Only answers for a token the module
   * verified are kept, so a token that did not verify never hits.
   */
  static httpSub({ route, method, path }, allRoutes) {
    return [
      // An all-routes answer's cache policy names the request's own ARN: it is kept per method and path.
      allRoutes ? `all-routes\n${method}\n${path}` : 'route',
      `${route.action.type}::${JSON.stringify(route.action.id)}`,
      `${route.resource.type}::${JSON.stringify(route.resource.id)}`,
      JSON.stringify(route.context),
    ].join('\n');
  }

  /** Whether anything is kept under `key` (live or not yet swept): without it, a lookup cannot hit. */
  has(key) {
    return this.buckets.has(key);
  }

  /** Counts a lookup that could not hit (nothing kept under its key), made without calling `get`. */
  missed() {
    this.misses += 1;
  }

  /** The answer stored under `key` and `sub`, while it lives. */
  get(key, sub = '') {
    const bucket = this.buckets.get(key);
    const entry = bucket === undefined ? undefined : bucket.get(sub);
    if (entry !== undefined && this.clock() < entry.expiresAt) {
      this.buckets.delete(key);
      this.buckets.set(key, bucket);
      bucket.delete(sub);
      bucket.set(sub, entry);
      this.hits += 1;
      // A fresh copy for every caller: JSON text parses faster than structuredClone copies an object, which
      // is kept for answers JSON cannot write (a `BigInt` in a context).
      if (entry.form === 'json') return JSON.parse(entry.answer);
      return entry.form === 'object' ? structuredClone(entry.answer) : entry.answer;
    }
    if (entry !== undefined) this.#remove(key, bucket, sub);
    this.misses += 1;
    return undefined;
  }

  /** Stores an answer (an object, or JSON text) until `min(now + ttl, tokenExpiresAtMs)`. */
  set(key, answer, tokenExpiresAtMs, sub = '') {
    const expiresAt = Math.min(this.clock() + this.ttlMs, tokenExpiresAtMs);
    if (!(expiresAt > this.clock())) return;
    let bucket = this.buckets.get(key);
    if (bucket === undefined) bucket = new Map();
    else this.buckets.delete(key);
    this.buckets.set(key, bucket);
    if (bucket.delete(sub)) this.count -= 1;
    bucket.set(sub, { ...stored(answer), expiresAt });
    this.count += 1;
    while (this.count > this.maxEntries) {
      const [oldestKey, oldest] = this.buckets.entries().next().value;
      this.#remove(oldestKey, oldest, oldest.keys().next().value);
    }
  }

  #remove(key, bucket, sub) {
    if (bucket.delete(sub)) this.count -= 1;
    if (bucket.size === 0) this.buckets.delete(key);
  }

  clear() {
    this.buckets.clear();
    this.count = 0;
  }

  get size() {
    return this.count;
  }
}

module.exports = { DecisionCache };
