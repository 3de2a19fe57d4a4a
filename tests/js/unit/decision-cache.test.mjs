// The decision cache on its own (a unit test of the package's source: no build needed): bounded, least recently used out first, entries living at most their TTL
// and never past the expiry they were stored with, keys split in two matching only as a pair.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';

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
