'use strict';

/**
 * Decisions remembered for repeated requests: a bounded LRU whose entries live at most `ttlMs`, and never
 * past the expiry they are stored with (the token's). Callers store only answers the wasm module gave for
 * a token it verified (or found in its verified-token cache), under keys that include the whole token or
 * its digest, so an unverified token can never hit; new keys for an issuer clear it.
 */
class DecisionCache {
  constructor({ maxEntries = 10_000, ttlMs = 60_000, clock = Date.now } = {}) {
    if (!Number.isInteger(maxEntries) || maxEntries < 1) throw new TypeError('decisionCache.maxEntries must be a positive integer');
    if (!(ttlMs > 0)) throw new TypeError('decisionCache.ttlMs must be positive');
    this.maxEntries = maxEntries;
    this.ttlMs = ttlMs;
    this.clock = clock;
    this.entries = new Map();
    this.hits = 0;
    this.misses = 0;
  }

  /** The key of a prepared HTTP request (see Authorizer#prepareHttp). */
  static httpKey(bundleHash, prepared, allRoutes) {
    const route = prepared.route;
    return [
      bundleHash,
      prepared.tokenDigest,
      allRoutes ? 'all-routes' : 'route',
      `${route.action.type}::${JSON.stringify(route.action.id)}`,
      `${route.resource.type}::${JSON.stringify(route.resource.id)}`,
      JSON.stringify(route.context),
    ].join('\n');
  }

  get(key) {
    const entry = this.entries.get(key);
    if (entry && this.clock() < entry.expiresAt) {
      this.entries.delete(key);
      this.entries.set(key, entry);
      this.hits += 1;
      return typeof entry.answer === 'string' ? entry.answer : structuredClone(entry.answer);
    }
    if (entry) this.entries.delete(key);
    this.misses += 1;
    return undefined;
  }

  /** Stores an answer (an object, or JSON text) until `min(now + ttl, tokenExpiresAtMs)`. */
  set(key, answer, tokenExpiresAtMs) {
    const expiresAt = Math.min(this.clock() + this.ttlMs, tokenExpiresAtMs);
    if (!(expiresAt > this.clock())) return;
    this.entries.delete(key);
    this.entries.set(key, { answer: typeof answer === 'string' ? answer : structuredClone(answer), expiresAt });
    while (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value);
  }

  clear() {
    this.entries.clear();
  }

  get size() {
    return this.entries.size;
  }
}

module.exports = { DecisionCache };
