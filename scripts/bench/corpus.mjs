// Ordinary decisions with rich requests, across Cedar's conformance corpus (the shared 4.10 one, extracted
// by `make corpus`): every store, the decision calls alone. Each store is loaded once by both contenders:
// ours as a compiled bundle (its entities the store's static entities), cedar-wasm with the policies and
// schema preparsed (the entities passed with each request, as it requires). Each request carries its
// context as the test gives it. Both contenders' decisions are checked equal (and equal to the corpus's)
// before any timing; then each request is timed `reps` times per contender, interleaved, and compared by
// the medians.
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { stats } from './lib.mjs';

// The corpus has 64-bit longs (9223372036854775807): read as BigInt, not rounded to the nearest double.
const JSONbig = createRequire(import.meta.url)('json-bigint')({ useNativeBigInt: true });

function time(fn) {
  const t0 = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t0);
}

/**
 * `{ stores, requests, skipped, ours, peer, totalRatio, meanRatio, geomeanRatio }`: ours and peer are the summed
 * per-request medians (ns); the ratios are ours / peer over the whole corpus, and the mean and geometric
 * mean of the per-request ratios. `every` takes every n-th store (1: all of them).
 */
export function richRequests({ root, peer, api, every = 1, reps = 5, log = () => {} }) {
  const base = path.join(root, 'build/corpus');
  const dir = path.join(base, 'corpus-tests');
  const files = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.json') && !f.endsWith('.entities.json'))
    .sort()
    .filter((_, i) => i % every === 0);
  const read = (rel) => fs.readFileSync(path.join(base, rel), 'utf8');
  const ratios = [];
  const skipped = [];
  let ours = 0;
  let theirs = 0;
  let stores = 0;
  for (const [n, file] of files.entries()) {
    if (n % 1000 === 0) log(`  corpus: ${n} of ${files.length} stores`);
    const test = JSONbig.parse(fs.readFileSync(path.join(dir, file), 'utf8'));
    const schemaText = read(test.schema);
    const policies = read(test.policies);
    const entitiesText = read(test.entities);
    const entities = JSONbig.parse(entitiesText);
    const json = test.schemaFormat === 'json';
    const built = api.buildBundle({
      [json ? 'schema.cedarschema.json' : 'schema.cedarschema']: schemaText,
      'policy.cedar': policies,
      'entities.json': entitiesText,
      'authorizer.json': JSON.stringify({ validationSettings: { mode: 'OFF' } }),
    });
    if (!built.bundle) throw new Error(`${file}: does not bundle: ${JSON.stringify(built.diagnostics.slice(0, 2))}`);
    const authorizer = api.Authorizer.loadSync(api.compileBundle(built.bundle));
    const policySet = peer.preparsePolicySet('corpus', { staticPolicies: policies });
    const schema = peer.preparseSchema('corpus', json ? JSON.parse(schemaText) : schemaText);
    if (policySet.type !== 'success' || schema.type !== 'success') throw new Error(`${file}: cedar-wasm cannot preparse it`);
    stores += 1;
    for (const request of test.requests) {
      const mine = { principal: request.principal, action: request.action, resource: request.resource, context: request.context };
      const theirsCall = {
        ...mine,
        entities,
        preparsedPolicySetId: 'corpus',
        preparsedSchemaName: 'corpus',
        validateRequest: true,
      };
      const a = authorizer.isAuthorized(mine).decision.toLowerCase();
      if (a !== request.decision) throw new Error(`${file} ${request.description}: ours ${a}, corpus ${request.decision}`);
      let b;
      try {
        b = peer.statefulIsAuthorized(theirsCall);
      } catch (e) {
        // cedar-wasm takes values through serde-wasm-bindgen and throws on a BigInt (a 64-bit long).
        b = { type: 'failure', errors: [{ message: `throws: ${e.message}` }] };
      }
      if (b.type !== 'success') {
        // Requests cedar-wasm cannot take are left out of the comparison (counted and reported).
        skipped.push(`${file} ${request.description}: ${b.errors?.[0]?.message}`);
        continue;
      }
      if (a !== b.response.decision) {
        throw new Error(`${file} ${request.description}: ours ${a}, cedar-wasm ${b.response.decision}, corpus ${request.decision}`);
      }
      const mineTimes = [];
      const theirTimes = [];
      for (let r = 0; r < reps; r += 1) {
        mineTimes.push(time(() => authorizer.isAuthorized(mine)));
        theirTimes.push(time(() => peer.statefulIsAuthorized(theirsCall)));
      }
      const x = stats(mineTimes).median;
      const y = stats(theirTimes).median;
      ours += x;
      theirs += y;
      ratios.push(x / y);
    }
  }
  const mean = ratios.reduce((a, b) => a + b, 0) / ratios.length;
  const geomean = Math.exp(ratios.reduce((a, b) => a + Math.log(b), 0) / ratios.length);
  return {
    stores,
    requests: ratios.length,
    skipped,
    ours,
    peer: theirs,
    totalRatio: ours / theirs,
    meanRatio: mean,
    geomeanRatio: geomean,
  };
}
