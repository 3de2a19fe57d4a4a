// Conditions nested hundreds of levels deep (a long chain of `||`) would run the engine out of stack. A
// store with one is refused when it is built or checked, with the policy located; anything within the
// limit is validated, compiled, loaded on either module and evaluated without a trap.
import { test } from 'node:test';
import assert from 'node:assert/strict';
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

test('a condition at the limit validates, compiles, loads on both modules and decides', async () => {
  // 199 links of `resource == Rides::Application::"u<i>"`: 200 levels, the deepest allowed.
  const atLimit = { ...files, 'deep.cedar': chain(199, 'resource == Rides::Application::"u#"') };
  const built = buildBundle(atLimit);
  assert.ok(built.bundle, JSON.stringify(built.diagnostics.filter((d) => d.severity === 'error')));
  const resource = (i) => ({ ...request, resource: { entityType: 'Rides::Application', entityId: `u${i}` } });
  for (const source of [built.bundle, compileBundle(built.bundle)]) {
    const authorizer = await Authorizer.load(source);
    for (const [i, expected] of [
      [0, 'ALLOW'],
      [198, 'ALLOW'],
      [199, 'DENY'],
    ]) {
      const answer = authorizer.isAuthorized(resource(i));
      assert.deepEqual([answer.decision, answer.errors], [expected, []], `u${i}: ${JSON.stringify(answer)}`);
    }
    assert.equal(authorizer.stats.module, source === built.bundle ? 'full' : 'runtime');
  }
});
