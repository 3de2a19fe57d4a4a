// Cedar's conformance corpus through the JS API of the built package: 62,546 requests. Decision,
// determining policies and erroring policies must match, and strict validation must agree with
// `shouldValidate`. Every test also runs as a compiled bundle, on the runtime module.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import JSONbig from 'json-bigint';
import { Authorizer, buildBundle, checkStore, compileBundle } from 'cedar-authorizer';
import { root, shared } from './helpers.mjs';

const losslessJson = JSONbig({ useNativeBigInt: true });
const handRoot = path.join(shared, 'corpora/cedar');
const generatedRoot = process.env.CEDAR_CORPUS_DIR ?? path.join(root, 'build/corpus');

function testFiles() {
  const out = [];
  for (const group of ['decimal', 'example_use_cases', 'ip', 'multi']) {
    const dir = path.join(handRoot, 'tests', group);
    for (const f of fs
      .readdirSync(dir)
      .filter((f) => f.endsWith('.json'))
      .sort())
      out.push([handRoot, path.join(dir, f)]);
  }
  const dir = path.join(generatedRoot, 'corpus-tests');
  assert.ok(fs.existsSync(dir), `${dir} is missing: run \`make corpus\``);
  for (const f of fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.json') && !f.endsWith('.entities.json'))
    .sort()) {
    out.push([generatedRoot, path.join(dir, f)]);
  }
  return out;
}

test('the Cedar conformance corpus agrees through the JS API', async () => {
  const counts = { tests: 0, requests: 0, allow: 0, deny: 0, validation: 0, compiled: 0, mismatches: [] };
  for (const [base, file] of testFiles()) {
    // Requests hold 64-bit longs beyond 2^53: read them as BigInt, which the package accepts.
    const t = losslessJson.parse(fs.readFileSync(file, 'utf8'));
    const name = path.basename(file);
    const read = (rel) => fs.readFileSync(path.join(base, rel), 'utf8');
    const files = (mode) => ({
      [t.schemaFormat === 'json' ? 'schema.cedarschema.json' : 'schema.cedarschema']: read(t.schema),
      'policy.cedar': read(t.policies),
      'entities.json': read(t.entities),
      'authorizer.json': JSON.stringify({ validationSettings: { mode } }),
    });
    counts.tests += 1;
    const diagnostics = checkStore(files('STRICT'));
    const validates = !diagnostics.some((d) => d.code === 'policy.validation');
    const others = diagnostics.filter((d) => d.severity === 'error' && d.code !== 'policy.validation');
    counts.validation += 1;
    if (validates !== t.shouldValidate || others.length > 0) {
      counts.mismatches.push(`${name}: validates=${validates} shouldValidate=${t.shouldValidate} ${JSON.stringify(others)}`);
    }
    let authorizer;
    try {
      authorizer = await Authorizer.load({ files: files('OFF') });
    } catch (e) {
      counts.mismatches.push(`${name}: does not load: ${e.message}`);
      continue;
    }
    const index = new Map(authorizer.policies.map((p, i) => [p.id, `policy${i}`]));
    const requests = t.requests.map((r) => ({ principal: r.principal, action: r.action, resource: r.resource, context: r.context }));
    // Half through isAuthorized, half through batchIsAuthorized: both must agree with the corpus.
    const half = Math.ceil(requests.length / 2);
    const answersOf = (a) => [
      ...requests.slice(0, half).map((r) => a.isAuthorized(r)),
      ...a.batchIsAuthorized({ requests: requests.slice(half) }).results,
    ];
    const compare = (answers, label) =>
      t.requests.forEach((r, i) => {
        const a = answers[i];
        const reasons = a.determiningPolicies.map((p) => index.get(p.policyId)).sort();
        const errors = a.errors.map((e) => (e.policyId ? index.get(e.policyId) : `<${e.code}: ${e.errorDescription}>`)).sort();
        const want = { decision: r.decision.toUpperCase(), reasons: [...r.reason].sort(), errors: [...r.errors].sort() };
        const got = { decision: a.decision, reasons, errors };
        if (JSON.stringify(want) !== JSON.stringify(got)) {
          counts.mismatches.push(`${name} ${r.description}${label}: expected ${JSON.stringify(want)}, got ${JSON.stringify(got)}`);
        }
      });
    compare(answersOf(authorizer), '');
    for (const r of t.requests) {
      counts.requests += 1;
      counts[r.decision] += 1;
    }
    // The same store compiled, on the runtime module.
    try {
      const runtime = Authorizer.loadSync(compileBundle(buildBundle(files('OFF')).bundle));
      assert.equal(runtime.stats.module, 'runtime');
      compare(answersOf(runtime), ' (compiled bundle, runtime module)');
      counts.compiled += t.requests.length;
    } catch (e) {
      counts.mismatches.push(`${name}: the compiled bundle does not load on the runtime module: ${e.message}`);
    }
  }
  console.log(
    `cedar conformance (JS API): ${counts.tests} tests, ${counts.requests} requests (${counts.allow} allow, ${counts.deny} deny), ` +
      `${counts.validation} validation checks, ${counts.compiled} requests again as compiled bundles on the runtime module, ${counts.mismatches.length} mismatches`,
  );
  for (const m of counts.mismatches.slice(0, 20)) console.log(`  ${m}`);
  assert.equal(counts.tests, 22 + 7809);
  assert.equal(counts.requests, 62546);
  assert.equal(counts.compiled, 62546);
  assert.deepEqual(counts.mismatches, []);
});
