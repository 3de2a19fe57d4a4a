// `make bench`: cedar-authorizer against its peer, @cedar-policy/cedar-wasm (preparsePolicySet +
// statefulIsAuthorized), measured in the same run on the same requests. Prints a table and writes
// docs/benchmarks.md. Figures are medians over many calls; ratios are ours / peer's.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const cedarWasm = require('@cedar-policy/cedar-wasm/nodejs');
const { Authorizer, readStoreFolder, buildBundle } = require('cedar-authorizer');

const quick = process.argv.includes('--quick');
const CALLS = quick ? 2000 : 20000;
const ROUNDS = quick ? 3 : 5;
const COLD_RUNS = quick ? 5 : 15;

// ---- statistics ---------------------------------------------------------------------------------

function stats(samples) {
  const s = [...samples].sort((a, b) => a - b);
  const at = (q) => s[Math.min(s.length - 1, Math.floor(q * s.length))];
  return { n: s.length, median: at(0.5), p99: at(0.99), min: s[0], max: s[s.length - 1] };
}

const us = (ns) => ns / 1000;
const fmt = (x, digits = 1) => (x >= 100 ? x.toFixed(0) : x.toFixed(digits));

/** Times `fn` per call, in interleaved rounds with the other contenders so drift hits all alike. */
function measure(contenders) {
  const samples = Object.fromEntries(contenders.map((c) => [c.name, []]));
  const totals = Object.fromEntries(contenders.map((c) => [c.name, 0n]));
  for (const c of contenders) for (let i = 0; i < 2000; i += 1) c.fn(i); // warm-up
  for (let round = 0; round < ROUNDS; round += 1) {
    for (const c of contenders) {
      const per = Math.floor(CALLS / ROUNDS);
      const startAll = process.hrtime.bigint();
      for (let i = 0; i < per; i += 1) {
        const t0 = process.hrtime.bigint();
        c.fn(i);
        samples[c.name].push(Number(process.hrtime.bigint() - t0));
      }
      totals[c.name] += process.hrtime.bigint() - startAll;
    }
  }
  return Object.fromEntries(
    contenders.map((c) => {
      const st = stats(samples[c.name]);
      return [c.name, { ...st, perSecond: (samples[c.name].length / Number(totals[c.name])) * 1e9 }];
    }),
  );
}

/** `measure` for async contenders: each call is awaited, so promise overhead counts against it. */
async function measureAsync(contenders, calls = CALLS) {
  const samples = Object.fromEntries(contenders.map((c) => [c.name, []]));
  for (const c of contenders) for (let i = 0; i < 500; i += 1) await c.fn(i);
  for (let round = 0; round < ROUNDS; round += 1) {
    for (const c of contenders) {
      const per = Math.floor(calls / ROUNDS);
      for (let i = 0; i < per; i += 1) {
        const t0 = process.hrtime.bigint();
        await c.fn(round * per + i);
        samples[c.name].push(Number(process.hrtime.bigint() - t0));
      }
    }
  }
  return Object.fromEntries(contenders.map((c) => [c.name, stats(samples[c.name])]));
}

// ---- the rides workload -------------------------------------------------------------------------

const ridesDir = path.join(root, 'policies/rides');
const ridesFiles = readStoreFolder(ridesDir);
const { bundle } = buildBundle(ridesFiles);
const pool = 'us-east-1_DemoPool1';
const routes = ['get /rider', 'get /riders', 'get /trainer', 'get /trainers', 'get /unicorn', 'get /unicorns'];
const groups = ['Admin', 'Riders', 'Trainers'];

/** The same 18 requests in both shapes: a user of each group on each route. */
const workload = [];
for (const group of groups) {
  for (const route of routes) {
    const user = { type: 'Rides::CognitoUser', id: `${pool}|${group.toLowerCase()}-sub` };
    const entity = { uid: user, attrs: {}, parents: [{ type: 'Rides::CognitoUserGroup', id: `${pool}|${group}` }] };
    workload.push({
      ours: {
        principal: { entityType: user.type, entityId: user.id },
        action: { actionType: 'Rides::Action', actionId: route },
        resource: { entityType: 'Rides::Application', entityId: 'Rides' },
        context: { contextMap: {} },
        entities: { entityList: [{ identifier: { entityType: user.type, entityId: user.id }, parents: [{ entityType: 'Rides::CognitoUserGroup', entityId: `${pool}|${group}` }] }] },
      },
      peer: {
        principal: user,
        action: { type: 'Rides::Action', id: route },
        resource: { type: 'Rides::Application', id: 'Rides' },
        context: {},
        entities: [entity],
        preparsedPolicySetId: 'rides',
        preparsedSchemaName: 'rides',
        validateRequest: true,
      },
    });
  }
}

const ours = Authorizer.loadSync(bundle);
const policyText = Object.entries(ridesFiles).filter(([f]) => f.endsWith('.cedar')).map(([, t]) => t).join('\n');
const schemaText = ridesFiles['schema.cedarschema'];
const prepared = [cedarWasm.preparsePolicySet('rides', { staticPolicies: policyText }), cedarWasm.preparseSchema('rides', schemaText)];
if (prepared.some((p) => p.type !== 'success')) throw new Error(`cedar-wasm preparse failed: ${JSON.stringify(prepared)}`);

// Both must give the same decisions before their speed means anything.
for (const w of workload) {
  const a = ours.isAuthorized(w.ours).decision;
  const b = cedarWasm.statefulIsAuthorized(w.peer);
  if (b.type !== 'success' || a.toLowerCase() !== b.response.decision) {
    throw new Error(`decisions differ on ${JSON.stringify(w.ours)}: ${a} vs ${JSON.stringify(b)}`);
  }
}

const warm = measure([
  { name: 'ours', fn: (i) => ours.isAuthorized(workload[i % workload.length].ours) },
  { name: 'peer', fn: (i) => cedarWasm.statefulIsAuthorized(workload[i % workload.length].peer) },
]);

// ---- tokens: verify + map + decide, against aws-jwt-verify + cedar-wasm ------------------------------

const crypto = require('node:crypto');
const { CognitoJwtVerifier } = require('aws-jwt-verify');
const issuer = `https://cognito-idp.us-east-1.amazonaws.com/${pool}`;
const { privateKey, publicKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const jwks = { keys: [{ ...publicKey.export({ format: 'jwk' }), kid: 'bench', alg: 'RS256', use: 'sig' }] };
const b64u = (v) => Buffer.from(JSON.stringify(v)).toString('base64url');
function mintToken(sub, group) {
  const now = Math.floor(Date.now() / 1000);
  const input = `${b64u({ alg: 'RS256', kid: 'bench' })}.${b64u({ sub, iss: issuer, aud: 'ridesdemoclient', token_use: 'id', 'cognito:groups': [group], email: `${sub}@example.com`, iat: now, exp: now + 3600, jti: crypto.randomUUID() })}`;
  return `${input}.${crypto.sign('sha256', Buffer.from(input), privateKey).toString('base64url')}`;
}
const TOKEN_CALLS = quick ? 1000 : 5000;
const fresh = Array.from({ length: TOKEN_CALLS + 1000 }, (_, i) => ({ token: mintToken(`user-${i}`, groups[i % 3]), group: groups[i % 3], route: routes[i % 6], sub: `user-${i}` }));
const withKeys = Authorizer.loadSync(bundle, { jwks: { [issuer]: jwks }, fetchKeys: false });
const verifier = CognitoJwtVerifier.create({ userPoolId: pool, tokenUse: 'id', clientId: 'ridesdemoclient' });
verifier.cacheJwks(jwks);

const oursWithToken = (t) =>
  withKeys.isAuthorizedWithToken({ identityToken: t.token, action: { actionType: 'Rides::Action', actionId: t.route }, resource: { entityType: 'Rides::Application', entityId: 'Rides' } });
function peerWithToken(t) {
  const claims = verifier.verifySync(t.token);
  const user = { type: 'Rides::CognitoUser', id: `${pool}|${claims.sub}` };
  const groupsOf = claims['cognito:groups'] ?? [];
  return cedarWasm.statefulIsAuthorized({
    principal: user,
    action: { type: 'Rides::Action', id: t.route },
    resource: { type: 'Rides::Application', id: 'Rides' },
    context: {},
    entities: [{ uid: user, attrs: { email: claims.email }, parents: groupsOf.map((g) => ({ type: 'Rides::CognitoUserGroup', id: `${pool}|${g}` })) }],
    preparsedPolicySetId: 'rides',
    preparsedSchemaName: 'rides',
    validateRequest: true,
  });
}
for (const t of fresh.slice(0, 30)) {
  const a = (await oursWithToken(t)).decision;
  const b = peerWithToken(t);
  if (b.type !== 'success' || a.toLowerCase() !== b.response.decision) throw new Error(`token decisions differ: ${a} vs ${JSON.stringify(b)}`);
}
const verifyOnly = measure([{ name: 'peer', fn: (i) => verifier.verifySync(fresh[i % fresh.length].token) }]);
const freshToken = await measureAsync([
  { name: 'ours', fn: (i) => oursWithToken(fresh[i % fresh.length]) },
  { name: 'peer', fn: (i) => peerWithToken(fresh[i % fresh.length]) },
], TOKEN_CALLS);
const repeated = fresh.slice(0, 18);
const repeatedToken = await measureAsync([
  { name: 'ours', fn: (i) => oursWithToken(repeated[i % repeated.length]) },
  { name: 'peer', fn: (i) => peerWithToken(repeated[i % repeated.length]) },
]);
// The fresh-token figure must not be flattered by the cache: each of its tokens is distinct.
if (new Set(fresh.map((t) => t.token)).size !== fresh.length) throw new Error('fresh tokens repeat');

// ---- cold start: fresh node process to its first decision ---------------------------------------

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'cedar-bench-'));
const bundleFile = path.join(scratch, 'rides.bundle.json');
fs.writeFileSync(bundleFile, JSON.stringify(bundle));
fs.writeFileSync(path.join(scratch, 'rides.cedar'), policyText);
fs.writeFileSync(path.join(scratch, 'schema.cedarschema'), schemaText);
const first = workload[0];

const coldScripts = {
  empty: '',
  ours: `const { Authorizer } = require('cedar-authorizer');
const a = Authorizer.loadSync(require(${JSON.stringify(bundleFile)}));
const r = a.isAuthorized(${JSON.stringify(first.ours)});
if (r.decision !== 'ALLOW') process.exit(3);`,
  peer: `const fs = require('fs'); const c = require('@cedar-policy/cedar-wasm/nodejs');
c.preparsePolicySet('rides', { staticPolicies: fs.readFileSync(${JSON.stringify(path.join(scratch, 'rides.cedar'))}, 'utf8') });
c.preparseSchema('rides', fs.readFileSync(${JSON.stringify(path.join(scratch, 'schema.cedarschema'))}, 'utf8'));
const r = c.statefulIsAuthorized(${JSON.stringify(first.peer)});
if (r.type !== 'success' || r.response.decision !== 'allow') process.exit(3);`,
};

function coldStart(script) {
  const times = [];
  for (let i = 0; i < COLD_RUNS; i += 1) {
    const t0 = process.hrtime.bigint();
    const r = spawnSync(process.execPath, ['-e', script], { cwd: root, encoding: 'utf8' });
    const t = Number(process.hrtime.bigint() - t0) / 1e6;
    if (r.status !== 0) throw new Error(`cold start script failed (${r.status}): ${r.stderr}`);
    times.push(t);
  }
  return stats(times);
}

const cold = {};
for (let i = 0; i < 1; i += 1) for (const [k, s] of Object.entries(coldScripts)) cold[k] = coldStart(s);

// ---- sizes ---------------------------------------------------------------------------------------

function size(file) {
  const bytes = fs.readFileSync(file);
  return { raw: bytes.length, gzip: zlib.gzipSync(bytes, { level: 9 }).length };
}
const oursWasm = size(require.resolve('cedar-authorizer/package.json').replace('package.json', 'wasm/node/cedar_authorizer_bg.wasm'));
const peerWasm = size(path.join(path.dirname(require.resolve('@cedar-policy/cedar-wasm/nodejs')), 'cedar_wasm_bg.wasm'));

// ---- report --------------------------------------------------------------------------------------

const ratio = (a, b) => (a / b).toFixed(2);
const rows = [
  ['measure', '@cedar-policy/cedar-wasm', 'cedar-authorizer', 'ratio (ours / peer)'],
  ['warm decision, rides, median', `${fmt(us(warm.peer.median))} µs`, `${fmt(us(warm.ours.median))} µs`, ratio(warm.ours.median, warm.peer.median)],
  ['warm decision, rides, p99', `${fmt(us(warm.peer.p99))} µs`, `${fmt(us(warm.ours.p99))} µs`, ratio(warm.ours.p99, warm.peer.p99)],
  ['throughput, one core', `${fmt(warm.peer.perSecond, 0)} /s`, `${fmt(warm.ours.perSecond, 0)} /s`, ratio(warm.ours.perSecond, warm.peer.perSecond)],
  ['fresh RS256 ID token: verify + map + decide, median (peer: aws-jwt-verify + cedar-wasm)', `${fmt(us(freshToken.peer.median))} µs`, `${fmt(us(freshToken.ours.median))} µs`, ratio(freshToken.ours.median, freshToken.peer.median)],
  ['repeated token: decide, median (peer: verify again + decide)', `${fmt(us(repeatedToken.peer.median))} µs`, `${fmt(us(repeatedToken.ours.median))} µs`, ratio(repeatedToken.ours.median, repeatedToken.peer.median)],
  ['fresh node to first decision, minus empty node (median)', `${fmt(cold.peer.median - cold.empty.median)} ms`, `${fmt(cold.ours.median - cold.empty.median)} ms`, ratio(cold.ours.median - cold.empty.median, cold.peer.median - cold.empty.median)],
  ['.wasm raw', `${(peerWasm.raw / 1024).toFixed(0)} KiB`, `${(oursWasm.raw / 1024).toFixed(0)} KiB`, ratio(oursWasm.raw, peerWasm.raw)],
  ['.wasm gzipped', `${(peerWasm.gzip / 1024).toFixed(0)} KiB`, `${(oursWasm.gzip / 1024).toFixed(0)} KiB`, ratio(oursWasm.gzip, peerWasm.gzip)],
];

function markdownTable(table) {
  return [
    `| ${table[0].join(' | ')} |`,
    `|${table[0].map(() => '---').join('|')}|`,
    ...table.slice(1).map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');
}

function detail(name, s, unit, scale) {
  return `| ${name} | ${s.n} | ${fmt(scale(s.median))} | ${fmt(scale(s.p99))} | ${fmt(scale(s.min))} | ${fmt(scale(s.max))} | ${unit} |`;
}

const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
const machine = `${os.cpus().length} × ${cpu}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ${os.type()} ${os.release()}, Node ${process.version}`;
const peerVersion = JSON.parse(fs.readFileSync(path.join(root, 'node_modules/@cedar-policy/cedar-wasm/package.json'), 'utf8')).version;

const text = `# Benchmarks

Written by \`make bench\` (\`node scripts/bench.mjs\`); every figure below comes from one run of it, with
both contenders measured in the same process (warm figures, interleaved in ${ROUNDS} rounds) or the same
loop of fresh processes (cold figures). This machine is shared and noisy: compare the ratios, not the
absolute numbers, and rerun before quoting them.

- machine: ${machine}
- run: ${new Date().toISOString().slice(0, 10)}, ${CALLS} warm calls per contender, ${COLD_RUNS} fresh processes per cold figure
- peer: \`@cedar-policy/cedar-wasm\` ${peerVersion}, \`preparsePolicySet\` + \`preparseSchema\` once, then \`statefulIsAuthorized\` per request
- tokens: RS256 Cognito ID tokens signed at start-up with a generated 2048-bit key, verified by
  \`aws-jwt-verify\` ${JSON.parse(fs.readFileSync(path.join(root, 'node_modules/aws-jwt-verify/package.json'), 'utf8')).version}
  (\`verifySync\` with the JWKS cached) and then decided by cedar-wasm with the principal and groups built from
  the claims, against \`isAuthorizedWithToken\` (verification, mapping and decision inside the wasm module,
  awaited); "fresh" uses ${TOKEN_CALLS} distinct tokens, "repeated" cycles through 18
- workload: the \`rides\` store (3 policies); 18 requests (each of 3 groups on each of 6 routes), each with its
  principal entity and group parent as request entities, the same requests in each contender's shape;
  both give the same decisions (checked before timing)

## Summary

${markdownTable(rows)}

## Distributions

| measure | samples | median | p99 | min | max | unit |
|---|---|---|---|---|---|---|
${detail('warm decision, cedar-wasm', warm.peer, 'µs', us)}
${detail('warm decision, cedar-authorizer', warm.ours, 'µs', us)}
${detail('aws-jwt-verify verifySync alone (RS256)', verifyOnly.peer, 'µs', us)}
${detail('fresh token, aws-jwt-verify + cedar-wasm', freshToken.peer, 'µs', us)}
${detail('fresh token, cedar-authorizer isAuthorizedWithToken', freshToken.ours, 'µs', us)}
${detail('repeated token, aws-jwt-verify + cedar-wasm', repeatedToken.peer, 'µs', us)}
${detail('repeated token, cedar-authorizer isAuthorizedWithToken', repeatedToken.ours, 'µs', us)}
${detail('empty node process', cold.empty, 'ms', (x) => x)}
${detail('fresh node to first decision, cedar-wasm', cold.peer, 'ms', (x) => x)}
${detail('fresh node to first decision, cedar-authorizer', cold.ours, 'ms', (x) => x)}

Sizes are of the Node build's \`.wasm\` file; gzip is level 9.
`;

console.log(`\n${rows.map((r) => r.map((c, i) => String(c).padEnd([52, 26, 20, 10][i])).join(' ')).join('\n')}\n`);
if (!quick) {
  fs.mkdirSync(path.join(root, 'docs'), { recursive: true });
  fs.writeFileSync(path.join(root, 'docs/benchmarks.md'), text);
  console.log('wrote docs/benchmarks.md');
}
