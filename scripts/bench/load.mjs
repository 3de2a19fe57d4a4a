// Load on the local demo: the demo server (API Gateway, the packaged Lambda authorizer, the rides API) in
// its own process on loopback, driven by autocannon for LOAD_SECONDS with a mix of allowed, denied,
// expired and garbage tokens, after LOAD_WARMUP seconds of the same load. Every response is checked
// against the status its request must get. Prints requests, wrong answers, 5xx, p50/p99 latency and the
// server's RSS after warm-up and at the end, and exits non-zero on any wrong answer, any 5xx, any
// connection error, or RSS growing by 8 MiB or more. `--json` prints the figures as JSON.
import { fork } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { demoKey, sign } from '../demo/keys.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const seconds = Number(process.env.LOAD_SECONDS ?? 60);
// The server's memory settles after fifteen to twenty seconds of load (compiled code, caches filling up).
const warmup = Number(process.env.LOAD_WARMUP ?? 20);
const demoDir = path.join(root, 'build/demo');

function rssOf(pid) {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)[1]) * 1024;
}

// The server in a child process, so its memory is its own.
const child = fork(path.join(root, 'scripts/demo/serve-child.mjs'), [], {
  env: { ...process.env, LOG_DECISIONS: 'false' },
  stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
});
const { url, tokens } = await new Promise((resolve, reject) => {
  child.once('message', resolve);
  child.once('exit', (code) => reject(new Error(`the demo server exited (${code})`)));
});
const { privateKey } = demoKey(demoDir);
const claims = JSON.parse(Buffer.from(tokens.rider.split('.')[1], 'base64url'));
const expired = sign(privateKey, { ...claims, iat: claims.iat - 7200, exp: claims.iat - 3600 });
const bearer = (t) => ({ authorization: `Bearer ${t}` });
const mix = [
  { path: '/riders', headers: bearer(tokens.rider), status: 200 },
  { path: '/trainers', headers: bearer(tokens.rider), status: 403 },
  { path: '/trainer', headers: bearer(tokens.admin), status: 200 },
  { path: '/unicorns', headers: bearer(tokens.trainer), status: 200 },
  { path: '/riders', headers: bearer(tokens.trainer), status: 403 },
  { path: '/riders', headers: bearer(expired), status: 401 },
  { path: '/riders', headers: bearer('eyJhbGciOiJSUzI1NiJ9.e30.AAAA'), status: 401 },
  { path: '/riders', headers: {}, status: 401 },
  { path: '/stables', headers: bearer(tokens.admin), status: 403 },
];
let wrong = 0;
const wrongExamples = [];
const requests = mix.map((m) => ({
  method: 'GET',
  path: m.path,
  headers: m.headers,
  onResponse: (status) => {
    if (status !== m.status) {
      wrong += 1;
      if (wrongExamples.length < 5) wrongExamples.push(`${m.path}: ${status}, expected ${m.status}`);
    }
  },
}));

const run = (duration) => autocannon({ url, connections: 10, duration, requests });
await run(warmup);
const rssAfterWarmup = rssOf(child.pid);
wrong = 0;
let rssMax = rssAfterWarmup;
const series = [];
const started = Date.now();
const sampler = setInterval(() => {
  const rss = rssOf(child.pid);
  rssMax = Math.max(rssMax, rss);
  series.push([Math.round((Date.now() - started) / 1000), +(rss / 2 ** 20).toFixed(1)]);
}, 1000);
const result = await run(seconds);
clearInterval(sampler);
const rssEnd = rssOf(child.pid);
// Disconnecting lets the server close and remove its unpacked Lambda folder before it exits.
const exited = new Promise((resolve) => child.once('exit', resolve));
child.disconnect();
await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5000))]);
if (child.exitCode === null) child.kill();

const figures = {
  seconds,
  requests: result.requests.total,
  perSecond: Math.round(result.requests.average),
  wrong,
  errors: result.errors + result.timeouts,
  status5xx: result['5xx'],
  latencyMs: { p50: result.latency.p50, p99: result.latency.p99, max: result.latency.max },
  rssMiB: { afterWarmup: +(rssAfterWarmup / 2 ** 20).toFixed(1), end: +(rssEnd / 2 ** 20).toFixed(1), max: +(rssMax / 2 ** 20).toFixed(1) },
  rssSeries: series.filter((_, i) => i % 5 === 4),
};
if (process.argv.includes('--json')) console.log(JSON.stringify(figures));
else {
  console.log(
    `load: ${figures.requests} requests in ${seconds} s (${figures.perSecond}/s, 10 connections), ${wrong} wrong, ${figures.status5xx} 5xx, ${figures.errors} errors; ` +
      `latency p50 ${figures.latencyMs.p50} ms, p99 ${figures.latencyMs.p99} ms; server RSS ${figures.rssMiB.afterWarmup} MiB after warm-up, ${figures.rssMiB.end} MiB at the end (max ${figures.rssMiB.max})`,
  );
  console.log(`  server RSS every 5 s (s, MiB): ${figures.rssSeries.map(([t, m]) => `${t}:${m}`).join(' ')}`);
  for (const w of wrongExamples) console.log(`  wrong: ${w}`);
}
const growth = rssEnd - rssAfterWarmup;
const failed = [
  wrong > 0 && `${wrong} responses had the wrong status (examples above)`,
  figures.status5xx > 0 && `${figures.status5xx} responses were 5xx`,
  figures.errors > 0 && `${figures.errors} connection errors or timeouts`,
  growth >= 8 * 2 ** 20 && `the server's RSS grew by ${(growth / 2 ** 20).toFixed(1)} MiB after warm-up (the limit is 8 MiB)`,
].filter(Boolean);
for (const f of failed) console.error(`load check failed: ${f}`);
process.exitCode = failed.length === 0 ? 0 : 1;
