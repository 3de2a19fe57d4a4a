// Memory under attack, each in a process of its own with Lambda@Edge's 128 MB (--max-old-space-size=128):
// the caches stay inside their byte budget whatever the requests hold, and replacing the wasm instances
// after traps lets the old ones go. docs/security.md and docs/reliability.md name these tests.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { root } from './helpers.mjs';

const MiB = 1024 * 1024;

/** Runs a script of tests/js/memory/ with 128 MB of heap and answers the JSON line it printed. */
function run(script, ...args) {
  const child = spawnSync(
    process.execPath,
    ['--max-old-space-size=128', '--expose-gc', path.join(root, 'tests/js/memory', script), ...args],
    {
      encoding: 'utf8',
      cwd: root,
      timeout: 300_000,
    },
  );
  assert.equal(child.status, 0, `${script} died (signal ${child.signal}): ${child.stderr.slice(-2000)}`);
  const line = child.stdout.trim().split('\n').pop();
  return JSON.parse(line);
}

test('the decision cache stays inside its byte budget: 10,000 denied requests with distinct 7 KB paths in 128 MB', () => {
  const out = run('decision-flood.mjs', '10000');
  console.log(`memory: 10,000 requests with 7 KB paths: heap grew ${(out.heapGrowthBytes / MiB).toFixed(1)} MiB, ${out.denied} denied`);
  assert.equal(out.denied, 10_000, 'every request is decided (a Deny for a rider on /docs/{id})');
  assert.ok(out.heapGrowthBytes < 24 * MiB, `the heap grew ${(out.heapGrowthBytes / MiB).toFixed(1)} MiB`);
});

test('the isAuthorizedWithToken answer cache stays inside its byte budget: 2,000 requests with 50 KB contexts in 128 MB', () => {
  const out = run('answer-flood.mjs', '2000');
  console.log(
    `memory: 2,000 token requests with 50 KB contexts: heap grew ${(out.heapGrowthBytes / MiB).toFixed(1)} MiB, ${out.answerCache.entries} answers kept`,
  );
  assert.ok(out.heapGrowthBytes < 24 * MiB, `the heap grew ${(out.heapGrowthBytes / MiB).toFixed(1)} MiB`);
  // Each answer is kept under a digest of its request, not the request: the budget holds whatever they carry.
  assert.ok(out.answerCache.entries > 0, `answers kept: ${out.answerCache.entries}`);
  assert.ok(out.answerCache.bytes <= 8 * MiB, `the answer cache holds ${out.answerCache.bytes} bytes`);
  assert.ok(out.answerCache.bytes / out.answerCache.entries < 4096, `${out.answerCache.bytes / out.answerCache.entries} bytes an answer`);
});

test('replacing the wasm instances 1,000 times after traps lets every old instance go: memory stays flat in 128 MB', () => {
  assert.ok(fs.existsSync(path.join(root, 'build/faults/cedar_authorizer.cjs')), 'run `make build/faults/.built`');
  const out = run('replacements.cjs', '1000');
  const first = out.samples[0];
  const last = out.samples.at(-1);
  console.log(
    `memory: 1,000 instance replacements: RSS ${(first.rss / MiB).toFixed(0)} MiB after 100, ${(last.rss / MiB).toFixed(0)} MiB after 1,000; ${out.loaders} loader kept`,
  );
  assert.equal(out.replaced, 1000);
  assert.equal(out.allowed, 1000, 'each fresh instance decides the next request');
  assert.equal(out.loaders, 1, 'the package holds the loader of the live instance alone');
  assert.ok(last.rss - first.rss < 48 * MiB, `RSS grew ${((last.rss - first.rss) / MiB).toFixed(1)} MiB from 100 to 1,000 replacements`);
  assert.ok(last.heapUsed - first.heapUsed < 16 * MiB, `the heap grew ${((last.heapUsed - first.heapUsed) / MiB).toFixed(1)} MiB`);
});
