// The Verified Permissions endpoint (`make bench`): a whole SDK call (serialize, sign, HTTP on loopback over a
// kept-alive connection, check the signature, decide, answer, parse) against the same decision called in
// process, and the requests a second one server process answers on one core under a concurrent load from the
// SDK, every answer checked. The server runs in a child process (one core); the client in this one. Writes
// build/bench-endpoint.json and docs/benchmarks-endpoint.md.
//   node scripts/bench/endpoint.mjs [--quick]
import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { VerifiedPermissionsClient, IsAuthorizedCommand, IsAuthorizedWithTokenCommand } from '@aws-sdk/client-verifiedpermissions';
import { measure, us, fmt, markdownTable, textTable } from './lib.mjs';
import { signingKey, mint, idClaims, COGNITO_ISSUER } from '../../tests/js/helpers.mjs';

const require = createRequire(import.meta.url);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const { Authorizer, buildBundle, readStoreFolder } = require('cedar-authorizer');
const cli = path.join(path.dirname(require.resolve('cedar-authorizer/package.json')), 'bin/cedar-authorizer.cjs');

const quick = process.argv.includes('--quick');
const ROUNDS = quick ? 3 : 7;
const CALLS = quick ? 1500 : 7000;
const LOAD_SECONDS = quick ? 3 : 10;
const CONCURRENCY = 16;
const STORE_ID = 'PSEXAMPLEabcdefg111111';
const caller = { accessKeyId: 'AKIABENCHENDPOINT001', secretAccessKey: 'bench-endpoint-secret-0001' };
const log = (...a) => console.error(...a);

const scratch = fs.mkdtempSync(path.join(root, 'build', 'bench-endpoint-'));
process.on('exit', () => fs.rmSync(scratch, { recursive: true, force: true }));
const key = signingKey('bench-endpoint');
fs.writeFileSync(path.join(scratch, 'jwks.json'), JSON.stringify({ [COGNITO_ISSUER]: { keys: [key.jwk] } }));
fs.writeFileSync(path.join(scratch, 'callers.json'), JSON.stringify([caller]));
// The server's tokens must be valid by the wall clock (its clock is the real one): minted for now.
const now = Math.floor(Date.now() / 1000);
const token = mint(key, idClaims('admin-sub-0001', ['Admin'], { iat: now - 60, exp: now + 3600 }));

const routes = JSON.parse(fs.readFileSync(path.join(root, 'policies/rides/tests/routes.json'), 'utf8'));
const requests = routes.cases.map((c) => ({ principal: c.principal, action: c.action, resource: c.resource }));
const entities = { entityList: routes.entities };
const { bundle } = buildBundle(readStoreFolder(path.join(root, 'policies/rides')));
const local = await Authorizer.load(bundle, { jwks: { [COGNITO_ISSUER]: { keys: [key.jwk] } }, clock: () => now * 1000 });
const expected = requests.map((r) => local.isAuthorized({ ...r, entities }).decision);

async function startServer(extra = []) {
  const child = spawn(
    process.execPath,
    [
      cli,
      'serve',
      path.join(root, 'policies/rides'),
      '--policy-store-id',
      STORE_ID,
      '--listen',
      '127.0.0.1:0',
      '--jwks',
      path.join(scratch, 'jwks.json'),
      ...extra,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const url = await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (c) => {
      out += c;
      const m = /on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) resolve(m[1]);
    });
    child.on('exit', (code) => reject(new Error(`serve exited ${code}`)));
  });
  return { child, url };
}

const memoryOf = async (url) => (await (await fetch(`${url}/health`)).json()).status.memory.rss;

async function run(label, extra) {
  const { child, url } = await startServer(extra);
  try {
    const client = new VerifiedPermissionsClient({ endpoint: url, region: 'us-east-1', credentials: caller, maxAttempts: 1 });
    const sdk = (i) => client.send(new IsAuthorizedCommand({ policyStoreId: STORE_ID, ...requests[i % requests.length], entities }));
    const sdkToken = () =>
      client.send(
        new IsAuthorizedWithTokenCommand({
          policyStoreId: STORE_ID,
          identityToken: token,
          action: requests[0].action,
          resource: requests[0].resource,
        }),
      );
    const inProcess = (i) => local.isAuthorized({ ...requests[i % requests.length], entities });
    log(`${label}: timing one call at a time`);
    const timed = await measure(
      [
        { name: 'sdk', fn: sdk },
        { name: 'in-process', fn: inProcess },
        { name: 'sdk-token', fn: sdkToken },
      ],
      { calls: CALLS, rounds: ROUNDS, warmup: 300 },
    );
    log(`${label}: ${CONCURRENCY} in flight for ${LOAD_SECONDS} s`);
    const before = await memoryOf(url);
    let done = 0;
    let wrong = 0;
    let errors = 0;
    const until = process.hrtime.bigint() + BigInt(LOAD_SECONDS) * 1_000_000_000n;
    const started = process.hrtime.bigint();
    const worker = async (w) => {
      for (let i = w; process.hrtime.bigint() < until; i += CONCURRENCY) {
        try {
          const answer = await sdk(i);
          if (answer.decision !== expected[i % requests.length]) wrong += 1;
        } catch {
          errors += 1;
        }
        done += 1;
      }
    };
    // Memory halfway through and at the end: flat is the second half adding little to the first.
    let middle;
    const halfway = new Promise((resolve) =>
      setTimeout(
        async () => {
          middle = await memoryOf(url);
          resolve();
        },
        (LOAD_SECONDS * 1000) / 2,
      ),
    );
    await Promise.all([...Array.from({ length: CONCURRENCY }, (_, w) => worker(w)), halfway]);
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const after = await memoryOf(url);
    return {
      timed,
      load: { requests: done, seconds, perSecond: done / seconds, wrong, errors, rssBefore: before, rssMiddle: middle, rssAfter: after },
    };
  } finally {
    child.kill('SIGTERM');
  }
}

const signed = await run('SigV4 checked', ['--caller-credentials', path.join(scratch, 'callers.json')]);
const open = await run('loopback, unsigned', []);
const rowsOf = (label, r) => [
  [
    `${label}: IsAuthorized through the SDK`,
    `${fmt(us(r.timed.sdk.median))} µs`,
    `${fmt(us(r.timed.sdk.p99))} µs`,
    `${fmt(r.timed.sdk.median / r.timed['in-process'].median)}×`,
  ],
  [
    `${label}: IsAuthorizedWithToken through the SDK`,
    `${fmt(us(r.timed['sdk-token'].median))} µs`,
    `${fmt(us(r.timed['sdk-token'].p99))} µs`,
    '',
  ],
  [`in process: isAuthorized`, `${fmt(us(r.timed['in-process'].median))} µs`, `${fmt(us(r.timed['in-process'].p99))} µs`, '1×'],
];
const rows = [['call', 'p50', 'p99', 'vs in process'], ...rowsOf('SigV4 checked', signed), ...rowsOf('unsigned', open).slice(0, 2)];
const loadRows = [
  ['server', 'requests', 'per second (one core)', 'wrong', 'errors', 'RSS before → halfway → end'],
  ...[
    ['SigV4 checked', signed.load],
    ['unsigned', open.load],
  ].map(([label, l]) => [
    label,
    String(l.requests),
    fmt(l.perSecond, 0),
    String(l.wrong),
    String(l.errors),
    `${(l.rssBefore / 2 ** 20).toFixed(0)} → ${(l.rssMiddle / 2 ** 20).toFixed(0)} → ${(l.rssAfter / 2 ** 20).toFixed(0)} MiB`,
  ]),
];
const report = { date: new Date().toISOString(), quick, rounds: ROUNDS, concurrency: CONCURRENCY, loadSeconds: LOAD_SECONDS, signed, open };
fs.writeFileSync(path.join(root, 'build/bench-endpoint.json'), `${JSON.stringify(report, null, 2)}\n`);
console.log(`\n${textTable(rows)}\n\n${textTable(loadRows)}\n`);
if (signed.load.wrong + open.load.wrong + signed.load.errors + open.load.errors > 0) {
  console.error('the load run had wrong answers or errors');
  process.exitCode = 1;
}
if (!quick) {
  fs.writeFileSync(
    path.join(root, 'docs/benchmarks-endpoint.md'),
    `# Benchmarks: the Verified Permissions endpoint

Written by \`node scripts/bench/endpoint.mjs\` (in \`make bench\`) on ${report.date.slice(0, 10)}; the figures are
in \`build/bench-endpoint.json\`. \`cedar-authorizer serve policies/rides\` runs in a child process (one core); the
client is \`@aws-sdk/client-verifiedpermissions\` in this process, over one kept-alive connection pool. One call
at a time, the SDK call and the in-process call are timed in ${ROUNDS} interleaved rounds, samples pooled, medians
and p99 of all calls. The rides store's 21 route requests in turn, with their entities.

${markdownTable(rows)}

Then ${CONCURRENCY} calls in flight for ${LOAD_SECONDS} s, every answer compared with the in-process decision:

${markdownTable(loadRows)}

- A whole SDK call is the SDK's own work (middleware, signing, serializing and parsing JSON) plus one loopback
  round trip and the server's: reading the body, checking the signature, checking the request against the
  service model, deciding, writing the answer. The decision itself is the in-process row.
- Compared with the network round trip and the per-call price of the service, a call here costs no more than
  the local round trip; moving the decision into the caller's process (\`isAuthorized\`) removes that too.
`,
  );
}
