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

/**
 * What an entry costs, in bytes: each string at two bytes a character (V8 keeps a string with any character
 * beyond Latin-1 at two bytes each, others at one: this is the most it can take), and a fixed part for the
 * maps and records that hold it.
 */
const ENTRY_OVERHEAD = 160;
const BUCKET_OVERHEAD = 120;
const textBytes = (text) => 2 * text.length;
function storedBytes(entry) {
  if (entry.form !== 'object') return textBytes(entry.answer);
  try {
    return textBytes(JSON.stringify(entry.answer, (_, v) => (typeof v === 'bigint' ? String(v) : v)));
  } catch {
    return 64 * 1024;
  }
}

/** Subs longer than this are kept as their digest where the platform has one. */
const LONG_SUB = 256;

/** The default byte budget of a cache: well inside a 128 MB Lambda@Edge function beside the module. */
const DEFAULT_MAX_BYTES = 8 * 1024 * 1024;

class DecisionCache {
  /**
   * `maxEntries` and `maxBytes` both bound the cache (least recently used out first); an entry larger than
   * a sixteenth of `maxBytes` is not kept. `digest(text)` (a synchronous SHA-256, where the platform has
   * one) replaces subs longer than 256 characters, so a cache of long requests holds their digests only;
   * keys (a token or its digest, one per bucket) are kept as given and counted.
   */
  constructor({ maxEntries = 10_000, maxBytes = DEFAULT_MAX_BYTES, ttlMs = 60_000, clock = Date.now, digest } = {}) {
    if (!Number.isInteger(maxEntries) || maxEntries < 1) throw new TypeError('decisionCache.maxEntries must be a positive integer');
    if (!Number.isInteger(maxBytes) || maxBytes < 4096) throw new TypeError('decisionCache.maxBytes must be an integer of at least 4096');
    if (!(ttlMs > 0)) throw new TypeError('decisionCache.ttlMs must be positive');
    this.maxEntries = maxEntries;
    this.maxBytes = maxBytes;
    this.ttlMs = ttlMs;
    this.clock = clock;
    this.digest = typeof digest === 'function' ? digest : undefined;
    // Entries grouped by key (a token or its digest), then by `sub` (the rest of the request): a lookup
    // hashes the token once, as a string it may already have hashed, and the rest of the request is short.
    // Least recently used keys first; within a key, least recently used entries first.
    this.buckets = new Map();
    this.count = 0;
    this.bytes = 0;
    this.hits = 0;
    this.misses = 0;
  }

  /**
   * A `sub` as the cache keeps it: its digest when it is long and the platform has a digest (marked `#`,
   * which no sub a caller builds starts with; one that did would be digested too, so the two never meet).
   */
  #subOf(text) {
    return this.digest !== undefined && (text.length > LONG_SUB || text.startsWith('#')) ? `#${this.digest(text)}` : text;
  }

  /**
   * Within an HTTP request's bucket (the token's digest: a handler's cache holds the answers of one bundle,
   * for one token kind), the key of the routed request, from Authorizer#prepareHttp or an answer of
   * Authorizer#authorizeHttp (both carry the route and the path). Only answers for a token the module
   * verified are kept, so a token that did not verify never hits.
   */
  static httpSub({ route, otherRoutes, method, path }, allRoutes) {
    const part = (r) =>
      [
        `${r.action.type}::${JSON.stringify(r.action.id)}`,
        `${r.resource.type}::${JSON.stringify(r.resource.id)}`,
        JSON.stringify(r.context),
      ].join('\n');
    // An all-routes answer's cache policy names the request's own ARN: it is kept per method and path.
    const parts = [allRoutes ? `all-routes\n${method}\n${path}` : 'route', part(route)];
    // The other routes API Gateway's view of the request takes, when there are any: the answer is of all.
    for (const other of otherRoutes ?? []) parts.push(`also\n${other.routeKey}`, part(other));
    return parts.join('\n');
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
    sub = this.#subOf(sub);
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
    sub = this.#subOf(sub);
    const entry = { ...stored(answer), expiresAt };
    entry.bytes = ENTRY_OVERHEAD + textBytes(sub) + storedBytes(entry);
    let bucket = this.buckets.get(key);
    // An answer this large would crowd out every other: it is decided again each time instead.
    if (entry.bytes + (bucket === undefined ? BUCKET_OVERHEAD + textBytes(key) : 0) > this.maxBytes / 16) {
      if (bucket !== undefined && bucket.has(sub)) this.#remove(key, bucket, sub);
      return;
    }
    if (bucket === undefined) {
      bucket = new Map();
      bucket.bytes = BUCKET_OVERHEAD + textBytes(key);
      this.bytes += bucket.bytes;
    } else this.buckets.delete(key);
    this.buckets.set(key, bucket);
    const old = bucket.get(sub);
    if (old !== undefined) {
      bucket.delete(sub);
      this.count -= 1;
      this.bytes -= old.bytes;
    }
    bucket.set(sub, entry);
    this.count += 1;
    this.bytes += entry.bytes;
    while (this.count > this.maxEntries || this.bytes > this.maxBytes) {
      const [oldestKey, oldest] = this.buckets.entries().next().value;
      this.#remove(oldestKey, oldest, oldest.keys().next().value);
    }
  }

  #remove(key, bucket, sub) {
    const entry = bucket.get(sub);
    if (entry !== undefined) {
      bucket.delete(sub);
      this.count -= 1;
      this.bytes -= entry.bytes;
    }
    if (bucket.size === 0) {
      this.buckets.delete(key);
      this.bytes -= bucket.bytes;
    }
  }

  clear() {
    this.buckets.clear();
    this.count = 0;
    this.bytes = 0;
  }

  get size() {
    return this.count;
  }
}

module.exports = { DecisionCache, DEFAULT_MAX_BYTES };
