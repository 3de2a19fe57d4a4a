// A short load run on the local demo (the full one is in `make bench`): every response is the status its
// request must get, no 5xx, no connection errors, and the server's memory flat after warm-up.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { root } from './helpers.mjs';

test('the demo under load: zero wrong decisions, zero 5xx, memory flat after warm-up', () => {
  const r = spawnSync(process.execPath, [path.join(root, 'scripts/load.mjs'), '--json'], {
    encoding: 'utf8',
    env: { ...process.env, LOAD_SECONDS: '8', LOAD_WARMUP: '20' },
  });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  const figures = JSON.parse(r.stdout.trim().split('\n').pop());
  console.log(`load: ${figures.requests} requests, ${figures.wrong} wrong, ${figures.status5xx} 5xx, p50 ${figures.latencyMs.p50} ms, p99 ${figures.latencyMs.p99} ms, RSS ${figures.rssMiB.afterWarmup} -> ${figures.rssMiB.end} MiB`);
  assert.ok(figures.requests > 1000, `${figures.requests} requests`);
  assert.equal(figures.wrong, 0);
  assert.equal(figures.status5xx, 0);
  assert.ok(figures.rssMiB.end - figures.rssMiB.afterWarmup < 8);
});
