// Live bundles (`make bench`): what a refresh costs the request that makes it. A loopback HTTPS bundle
// server answers after an added latency (100 ms, a distant bucket; 0 ms, the round trip alone); the
// authorizer's clock is the script's, so a check is due exactly when a row wants one. Rows are timed in
// interleaved rounds against a peer measured in the same run (the same calls with no live source, or a load
// from text), and reported as medians and p99. Writes build/bench-live.json and docs/benchmarks-live.md.
//   node scripts/bench/live.mjs [--quick]
import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import crypto from 'node:crypto';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { us, fmt, stats, markdownTable, textTable } from './lib.mjs';
import { signingKey, mint, idClaims, NOW, COGNITO_ISSUER } from '../../tests/js/helpers.mjs';

const require = createRequire(import.meta.url);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const { Authorizer, readStoreFolder, buildBundle, compileBundle, bundleText } = require('cedar-authorizer');
const signing = require(path.join(path.dirname(require.resolve('cedar-authorizer/package.json')), 'lib/signing/index.cjs'));

const quick = process.argv.includes('--quick');
const ROUNDS = quick ? 3 : 7;
const log = (...a) => console.error(...a);
const LATENCY_MS = 100;
const pool = 'us-east-1_DemoPool1';

// ---- bundles: the rides store, and one of 1,000 policies, compiled and signed ---------------------------

const key = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' });
const signer = signing.pemSigner(key);
const trustedKeys = { keys: [await signer.publicJwk()] };
const ridesFiles = readStoreFolder(path.join(root, 'policies/rides'));

async function signedBundle(files, revision) {
  const built = buildBundle(files);
  if (!built.bundle) throw new Error(JSON.stringify(built.diagnostics.slice(0, 2)));
  const compiled = compileBundle(built.bundle);
  const text = bundleText(compiled);
  const signature = await signing.signatureFor(signer, { hash: compiled.hash, revision, signedAt: NOW });
  return signing.withSignature(text, signature);
}

function ridesShaped(n) {
  const policies = Array.from(
    { length: n },
    (_, i) =>
      `@id("group-${i}")\npermit (\n  principal in Rides::CognitoUserGroup::"${pool}|Group${i}",\n  action in [Rides::Action::"get /rider", Rides::Action::"get /riders"],\n  resource\n);`,
  );
  return { ...ridesFiles, 'rides.cedar': `${ridesFiles['rides.cedar']}\n\n${policies.join('\n\n')}` };
}

const rides = await signedBundle(ridesFiles, 1);
const large = [];
for (let i = 0; i < ROUNDS + 1; i += 1) large.push(await signedBundle(ridesShaped(1000), 10 + i));

// ---- the bundle server -----------------------------------------------------------------------------------

const tls = path.join(root, 'tests/fixtures/tls');
const ca = fs.readFileSync(path.join(tls, 'cert.pem'));
const served = { body: rides, latencyMs: LATENCY_MS, etagSalt: '' };
const etagOf = (text) => `"${crypto.createHash('sha256').update(text).update(served.etagSalt).digest('hex').slice(0, 16)}"`;
const server = https.createServer({ key: fs.readFileSync(path.join(tls, 'key.pem')), cert: ca }, (req, res) => {
  const answer = () => {
    const etag = etagOf(served.body);
    if (req.headers['if-none-match'] === etag) return res.writeHead(304, { etag }).end();
    res.writeHead(200, { etag, 'content-type': 'application/json' }).end(served.body);
  };
  if (served.latencyMs > 0) setTimeout(answer, served.latencyMs);
  else answer();
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const url = `https://127.0.0.1:${server.address().port}/rides.json`;

// ---- authorizers ----------------------------------------------------------------------------------------

const idp = signingKey('bench-live', 'ec');
const jwks = { [COGNITO_ISSUER]: { keys: [idp.jwk] } };
// Valid for the whole run: the rows move the clock by hours.
const token = mint(idp, idClaims('rider-1', ['Riders'], { exp: NOW + 30 * 86_400 }));
const request = {
  identityToken: token,
  action: { actionType: 'Rides::Action', actionId: 'get /riders' },
  resource: { entityType: 'Rides::Application', entityId: 'Rides' },
};
let now = NOW * 1000;
const clock = () => now;
const quiet = { logger: () => {}, onWarning: () => {} };
const common = { jwks, clock, random: () => 0.5, ...quiet };

const live = await Authorizer.load({ url, ca }, { ...common, trustedKeys, refreshSeconds: 15 });
const fixed = Authorizer.loadSync(rides, common);
for (const a of [live, fixed]) {
  const answer = await a.isAuthorizedWithToken(request);
  if (answer.decision !== 'ALLOW') throw new Error(`the rides request is not allowed: ${JSON.stringify(answer)}`);
}

/** Times `fn` per call: `{ median, p99, ... }` in ns. */
async function timed(fn, calls) {
  const samples = [];
  for (let i = 0; i < calls; i += 1) {
    const t0 = process.hrtime.bigint();
    await fn(i);
    samples.push(Number(process.hrtime.bigint() - t0));
  }
  return samples;
}

/** Interleaved rounds of each contender; the samples of all rounds pooled. */
async function rounds(contenders, callsPerRound) {
  const samples = Object.fromEntries(Object.keys(contenders).map((name) => [name, []]));
  for (let round = 0; round < ROUNDS; round += 1) {
    for (const [name, fn] of Object.entries(contenders)) samples[name].push(...(await timed(fn, callsPerRound)));
  }
  return Object.fromEntries(Object.entries(samples).map(([name, s]) => [name, stats(s)]));
}

/** A decision that must be the rides answer: a row that timed refusals would mean nothing. */
const decide = (a) => async () => {
  const answer = await a.isAuthorizedWithToken(request);
  if (answer.decision !== 'ALLOW') throw new Error(`a timed decision was ${JSON.stringify(answer)}`);
};

// 1. Decisions with one check a minute against the 100 ms source (a call a second, the interval 60 s), beside
//    the same calls with no live source. The check answers 304: the bundle is unchanged.
log('live bench: decisions with a check due every 60 calls, the source 100 ms away');
const perMinute = await Authorizer.load({ url, ca }, { ...common, trustedKeys, refreshSeconds: 60 });
const steady = await rounds(
  {
    live: async () => {
      now += 1000;
      await decide(perMinute)();
    },
    fixed: async () => {
      now += 1000;
      await decide(fixed)();
    },
  },
  quick ? 120 : 300,
);

// 2. The call that makes the check: a check due on every call, 304 after 100 ms, beside the same call with
//    no check due.
log('live bench: the call that makes a check (304 after 100 ms)');
const checking = await rounds(
  {
    checks: async () => {
      now += 16_000;
      await decide(live)();
    },
    none: decide(fixed),
  },
  quick ? 5 : 10,
);

// The peer of the waiting rows: one conditional GET to the same server made by hand with node:https (kept
// alive), which is what a check must wait for at least.
const agent = new https.Agent({ keepAlive: true, ca });
const byHand = () =>
  new Promise((resolve, reject) => {
    const req = https.get(url, { agent, headers: { 'if-none-match': etagOf(served.body) } }, (res) => {
      res.resume();
      res.on('end', resolve);
    });
    req.on('error', reject);
  });
const conditional = await rounds({ byHand }, quick ? 5 : 10);

// 3. A 304 check alone on loopback (no added latency): what the conditional request costs.
served.latencyMs = 0;
log('live bench: a 304 check on loopback');
const notModified = await rounds({ check: () => live.refresh(), byHand }, quick ? 50 : 200);
agent.destroy();

// 4. A swap to a 1,000-policy bundle (read, verified, built, swapped in), beside loading the same bundle text
//    alone (its peer: the build without the source, the signature or the swap).
log('live bench: a swap to a 1,000-policy bundle');
const swapSamples = [];
const loadSamples = [];
for (let i = 0; i < ROUNDS; i += 1) {
  served.body = large[i];
  const t0 = process.hrtime.bigint();
  const outcome = await live.refresh();
  swapSamples.push(Number(process.hrtime.bigint() - t0));
  if (outcome.outcome !== 'changed') throw new Error(`the swap did not happen: ${JSON.stringify(outcome)}`);
  const t1 = process.hrtime.bigint();
  Authorizer.loadSync(large[i], common);
  loadSamples.push(Number(process.hrtime.bigint() - t1));
}
const swap = stats(swapSamples);
const loadAlone = stats(loadSamples);
// 5. The same 1,000-policy body again under another ETag: hashed, found equal, not rebuilt.
const sameBody = stats(
  await timed(async (i) => {
    served.etagSalt = `again-${i}`;
    const outcome = await live.refresh();
    if (outcome.outcome !== 'unchanged' || live.status().lastCheck.how !== 'same-body')
      throw new Error(JSON.stringify(live.status().lastCheck));
  }, ROUNDS),
);
if (live.status().swaps !== ROUNDS) throw new Error(`expected ${ROUNDS} swaps, saw ${live.status().swaps}`);
const afterSwap = await live.isAuthorizedWithToken(request);
if (afterSwap.decision !== 'ALLOW') throw new Error('the 1,000-policy bundle does not allow the rider');
server.close();
server.closeAllConnections();

// ---- report -----------------------------------------------------------------------------------------------

const ms = (ns) => `${fmt(ns / 1e6, 2)} ms`;
const µs = (ns) => `${fmt(us(ns))} µs`;
const ratio = (a, b) => (a / b).toFixed(2);
const rows = [
  ['measure', 'peer', 'cedar-authorizer', 'ours / peer'],
  [
    'decision p50, a check due every 60 calls, source 100 ms away (peer: no live source)',
    µs(steady.fixed.median),
    µs(steady.live.median),
    ratio(steady.live.median, steady.fixed.median),
  ],
  [
    'decision p99, same calls: 1 in 60 waits for the check (peer: one conditional GET by hand, p50)',
    ms(conditional.byHand.median),
    ms(steady.live.p99),
    ratio(steady.live.p99, conditional.byHand.median),
  ],
  [
    'the call that makes the check, 304 after 100 ms, p50 (peer: one conditional GET by hand)',
    ms(conditional.byHand.median),
    ms(checking.checks.median),
    ratio(checking.checks.median, conditional.byHand.median),
  ],
  [
    'a 304 check on loopback, p50 (peer: the conditional GET by hand)',
    ms(notModified.byHand.median),
    ms(notModified.check.median),
    ratio(notModified.check.median, notModified.byHand.median),
  ],
  [
    'a swap to a 1,000-policy signed bundle, median (peer: loading the same text alone)',
    ms(loadAlone.median),
    ms(swap.median),
    ratio(swap.median, loadAlone.median),
  ],
  ['the same 1,000-policy body again: hashed, not rebuilt, median (no peer)', '-', ms(sameBody.median), '-'],
];
const report = {
  date: new Date().toISOString(),
  quick,
  rounds: ROUNDS,
  sourceLatencyMs: LATENCY_MS,
  steady: { live: steady.live, fixed: steady.fixed },
  checking,
  conditionalByHand: conditional.byHand,
  notModified: notModified.check,
  notModifiedByHand: notModified.byHand,
  swap,
  loadAlone,
  sameBody,
};
fs.mkdirSync(path.join(root, 'build'), { recursive: true });
fs.writeFileSync(path.join(root, 'build/bench-live.json'), `${JSON.stringify(report, null, 2)}\n`);
console.log(`\n${textTable(rows)}\n`);
if (!quick) {
  const text = `# Benchmarks: live bundles

Written by \`node scripts/bench/live.mjs\` (in \`make bench\`) on ${report.date.slice(0, 10)}; the figures are in
\`build/bench-live.json\`. A loopback HTTPS server plays the source, answering after ${LATENCY_MS} ms (a distant
bucket) or at once; the authorizer runs the runtime module on a compiled, signed rides bundle, with the
script's clock, so a check is due exactly when a row wants one. Contenders are timed in ${ROUNDS} interleaved
rounds and their samples pooled; medians and p99 are of all calls. The peer of a row is measured in the same
run: the same calls on an authorizer with no live source, or the load of the same bundle text alone.

${markdownTable(rows)}

- No call waits for more than one conditional request: with a check due once a minute, the median decision is
  the one without a source, and the calls that make the check (1 in 60 here, so at the p99) wait as long as
  one conditional GET made by hand to the same server (${LATENCY_MS} ms of added latency plus the round trip).
- The swap is slower than loading the same text alone: it also reads the 1,000-policy body over HTTPS, hashes
  it, checks its signature and the handler's bundle checks, and frees the old instance.
- A new bundle is verified, built and swapped after the decision that found it, on the next turn of the event
  loop; the swap row is that work for a 1,000-policy bundle, against loading it alone.
- A body equal to the running bundle (by SHA-256) is hashed and dropped, not rebuilt.
`;
  fs.writeFileSync(path.join(root, 'docs/benchmarks-live.md'), text);
}
