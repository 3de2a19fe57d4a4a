// Conditions nested hundreds of levels deep (a long chain of `||`) would run the engine out of stack. A
// store with one is refused when it is built or checked, with the policy located; anything within the
// limit is validated, compiled, loaded on either module and evaluated without a trap.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Authorizer, buildBundle, checkStore, compileBundle, readStoreFolder } from 'cedar-authorizer';
import { rides, store } from './helpers.mjs';

const files = readStoreFolder(store('rides'));
const chain = (n, link) =>
  `permit(principal, action, resource) when { ${Array.from({ length: n }, (_, i) => link.replaceAll('#', i)).join(' || ')} };`;
const request = {
  principal: rides.user('alice'),
  action: rides.action('get /riders'),
  resource: rides.app,
  context: { contextMap: {} },
  entities: { entityList: [{ identifier: rides.user('alice'), parents: [] }] },
};

test('a condition over the limit is a located error of build and check, never a trap', () => {
  for (const n of [250, 3000]) {
    const deep = { ...files, 'deep.cedar': `// far too deep\n${chain(n, 'resource == Rides::Application::"u#"')}` };
    const built = buildBundle(deep);
    assert.equal(built.bundle, undefined);
    const error = built.diagnostics.find((d) => d.severity === 'error');
    assert.equal(error.code, 'policy.too_deep');
    assert.equal(error.file, 'deep.cedar');
    assert.deepEqual(error.start, { line: 2, column: 1 });
    assert.match(error.help, /contains/);
    assert.equal(checkStore(deep).find((d) => d.severity === 'error').code, 'policy.too_deep');
  }
});

const resource = (i) => ({ ...request, resource: { entityType: 'Rides::Application', entityId: `u${i}` } });

/** Loads `source` three times (V8 optimizes the loader on the way), deciding with each authorizer. */
async function loadsAndDecides(source, links, module) {
  for (let round = 0; round < 3; round += 1) {
    const authorizer = await Authorizer.load(source);
    for (const [i, expected] of [
      [0, 'ALLOW'],
      [links - 1, 'ALLOW'],
      [links, 'DENY'],
    ]) {
      const answer = authorizer.isAuthorized(resource(i));
      assert.deepEqual([answer.decision, answer.errors], [expected, []], `u${i}: ${JSON.stringify(answer)}`);
    }
    assert.equal(authorizer.stats.module, module);
  }
}

test('a condition at the limit validates, loads and decides, and is refused for a compiled bundle, located', async () => {
  // 199 links of `resource == Rides::Application::"u<i>"`: 200 levels, the deepest allowed.
  const built = buildBundle({ ...files, 'deep.cedar': chain(199, 'resource == Rides::Application::"u#"') });
  assert.ok(built.bundle, JSON.stringify(built.diagnostics.filter((d) => d.severity === 'error')));
  await loadsAndDecides(built.bundle, 199, 'full');
  // A compiled bundle rebuilds each condition from Cedar's JSON form, which takes more stack per level.
  assert.throws(
    () => compileBundle(built.bundle),
    (e) => {
      assert.equal(e.code, 'policy.too_deep');
      const located = e.errors.find((d) => d.file === 'deep.cedar');
      assert.deepEqual(located.start, { line: 1, column: 1 });
      assert.match(located.errorDescription, /200 levels deep: a compiled bundle .* takes up to 64/);
      return true;
    },
  );
});

test('a compiled bundle at its limit loads as a document, as text and as a file, again and again', async () => {
  // 63 links: 64 levels, the deepest a compiled bundle takes (about 140 levels of JSON).
  const built = buildBundle({ ...files, 'deep.cedar': chain(63, 'resource == Rides::Application::"u#"') });
  const compiled = compileBundle(built.bundle);
  assert.throws(() => compileBundle(buildBundle({ ...files, 'deep.cedar': chain(64, 'resource == Rides::Application::"u#"') }).bundle), {
    code: 'policy.too_deep',
  });
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ca-deep-')), 'bundle.json');
  fs.writeFileSync(file, JSON.stringify(compiled));
  for (const source of [compiled, JSON.stringify(compiled), file]) await loadsAndDecides(source, 63, 'runtime');

  // Made deeper by hand (no compile would write it): refused at load with the reason, never a trap.
  const deeper = structuredClone(compiled);
  const policy = Object.values(deeper.policySet.staticPolicies).find((p) => p.conditions.length > 0);
  for (let i = 0; i < 40; i += 1) {
    policy.conditions[0].body = { '||': { left: policy.conditions[0].body, right: { Value: false } } };
  }
  for (const source of [deeper, JSON.stringify(deeper)]) {
    assert.throws(
      () => Authorizer.loadSync(source),
      (e) => e.code === 'bundle.invalid' && /nests deeper than 160 levels/.test(e.message),
    );
  }
});
