'use strict';

/**
 * Decisions remembered for repeated requests: a bounded LRU keyed by the bundle hash, the verified
 * token's digest, the action, the resource and the context. An entry lives at most `ttlMs`, and never past
 * the token's expiry. It is consulted only with a digest the wasm module produced after verifying the
 * token (or finding it in its verified-token cache), so an unverified token can never hit it; new keys for
 * an issuer clear it.
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

  /** The key of a prepared request (see Authorizer#prepareHttp). */
  static key(bundleHash, prepared, allRoutes) {
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
      return structuredClone(entry.answer);
    }
    if (entry) this.entries.delete(key);
    this.misses += 1;
    return undefined;
  }

  /** Stores an answer until `min(now + ttl, tokenExpiresAtMs)`. */
  set(key, answer, tokenExpiresAtMs) {
    const expiresAt = Math.min(this.clock() + this.ttlMs, tokenExpiresAtMs);
    if (!(expiresAt > this.clock())) return;
    this.entries.delete(key);
    this.entries.set(key, { answer: structuredClone(answer), expiresAt });
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
