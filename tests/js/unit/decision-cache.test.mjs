// The decision cache on its own (a unit test of the package's source: no build needed): bounded, least recently used out first, entries living at most their TTL
// and never past the expiry they were stored with, keys split in two matching only as a pair.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import crypto from 'node:crypto';

const require = createRequire(import.meta.url);
const { DecisionCache } = require('../../../js/lib/decision-cache.cjs');

test('bounded, least recently used out first', () => {
  const cache = new DecisionCache({ maxEntries: 3, ttlMs: 1000, clock: () => 0 });
  cache.set('a', 'A', 500);
  cache.set('b', 'B', 500, 'x');
  cache.set('b', 'B2', 500, 'y');
  assert.equal(cache.get('a'), 'A'); // a is now the most recent
  cache.set('c', 'C', 500);
  assert.equal(cache.size, 3);
  assert.equal(cache.get('b', 'x'), undefined, 'the oldest entry went first');
  assert.equal(cache.get('b', 'y'), 'B2');
  assert.equal(cache.get('a'), 'A');
  assert.equal(cache.get('c'), 'C');
  assert.deepEqual([cache.hits, cache.misses], [4, 1]);
  cache.clear();
  assert.equal(cache.size, 0);
  assert.equal(cache.get('a'), undefined);
});

test('keys match only as a pair', () => {
  const cache = new DecisionCache({ clock: () => 0 });
  cache.set('token', 'one', 500, 'identity\n{}');
  assert.equal(cache.get('token', 'access\n{}'), undefined);
  assert.equal(cache.get('token'), undefined);
  assert.equal(cache.get('token2', 'identity\n{}'), undefined);
  assert.equal(cache.get('token', 'identity\n{}'), 'one');
});

test('entries live until the earlier of the TTL and the token expiry; objects are copied', () => {
  let now = 0;
  const cache = new DecisionCache({ ttlMs: 100, clock: () => now });
  cache.set('short', { decision: 'ALLOW' }, 50);
  cache.set('long', 'L', 10_000);
  cache.set('expired', 'E', 0);
  assert.equal(cache.size, 2, 'an answer already past its expiry is not stored');
  const copy = cache.get('short');
  copy.decision = 'DENY';
  assert.deepEqual(cache.get('short'), { decision: 'ALLOW' });
  now = 50;
  assert.equal(cache.get('short'), undefined);
  assert.equal(cache.get('long'), 'L');
  now = 100;
  assert.equal(cache.get('long'), undefined);
  assert.equal(cache.size, 0);
  assert.throws(() => new DecisionCache({ maxEntries: 0 }), /maxEntries/);
  assert.throws(() => new DecisionCache({ ttlMs: 0 }), /ttlMs/);
});

test('bounded by bytes: long subs kept as digests, oversized answers not kept', () => {
  const digests = [];
  const digest = (text) => {
    digests.push(text.length);
    return crypto.createHash('sha256').update(text).digest('base64');
  };
  const cache = new DecisionCache({ maxEntries: 100_000, maxBytes: 64 * 1024, clock: () => 0, digest });
  const answer = 'A'.repeat(100);
  for (let i = 0; i < 10_000; i++) cache.set('token', answer, 500, `route\n${i}\n${'x'.repeat(1000)}`);
  assert.ok(cache.bytes <= 64 * 1024, `${cache.bytes} bytes`);
  assert.ok(cache.size > 100 && cache.size < 10_000, `${cache.size} entries`);
  assert.ok(
    digests.every((n) => n > 256),
    'only long subs are digested',
  );
  // The newest are kept and found by the same long sub; the oldest went first.
  assert.equal(cache.get('token', `route\n9999\n${'x'.repeat(1000)}`), answer);
  assert.equal(cache.get('token', `route\n0\n${'x'.repeat(1000)}`), undefined);
  // Short subs are kept as they are; a sub that looks like a digest is digested too, so the two never meet.
  cache.set('token', 'short', 500, 'route\n1');
  assert.equal(cache.get('token', 'route\n1'), 'short');
  const long = `route\n${'y'.repeat(300)}`;
  cache.set('token', 'long', 500, long);
  assert.equal(cache.get('token', `#${digest(long)}`), undefined);
  // An answer larger than a sixteenth of the budget is decided again each time, and replaces nothing.
  const before = cache.size;
  cache.set('token', 'B'.repeat(4096), 500, 'route\nbig');
  assert.equal(cache.get('token', 'route\nbig'), undefined);
  assert.equal(cache.size, before);
  // Without a digest (the browser), long subs are kept whole, and counted.
  const plain = new DecisionCache({ maxBytes: 64 * 1024, clock: () => 0 });
  for (let i = 0; i < 1000; i++) plain.set(`t${i}`, answer, 500, 'z'.repeat(2000));
  assert.ok(plain.bytes <= 64 * 1024 && plain.size < 20, `${plain.size} entries in ${plain.bytes} bytes`);
  cache.clear();
  assert.deepEqual([cache.size, cache.bytes], [0, 0]);
  assert.throws(() => new DecisionCache({ maxBytes: 10 }), /maxBytes/);
});
