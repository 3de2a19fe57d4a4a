// Run by tests/js/memory.test.mjs under --max-old-space-size=128: replaces the wasm instances after a trap
// (the fault-injection build) again and again, and prints the process's memory after each hundred.
'use strict';
const path = require('node:path');

const root = path.resolve(__dirname, '../../..');
const { createApi, platformFor } = require(path.join(root, 'js/lib/node.cjs'));
const REPLACEMENTS = Number(process.argv[2] ?? 1000);
const api = createApi(platformFor(path.join(root, 'build/faults')));
const authorizer = api.Authorizer.loadSync(path.join(root, 'policies/rides'), { fetchKeys: false });
const plain = {
  principal: { entityType: 'Rides::CognitoUser', entityId: 'x' },
  action: { actionType: 'Rides::Action', actionId: 'get /riders' },
  resource: { entityType: 'Rides::Application', entityId: 'Rides' },
  entities: [
    {
      uid: { type: 'Rides::CognitoUser', id: 'x' },
      attrs: {},
      parents: [{ type: 'Rides::CognitoUserGroup', id: 'us-east-1_DemoPool1|Riders' }],
    },
  ],
};
const samples = [];
let allowed = 0;
for (let i = 1; i <= REPLACEMENTS; i++) {
  const trapped = authorizer.isAuthorized({ ...plain, context: { __fault__: 'trap' } });
  if (trapped.errors[0].code !== 'internal.trap') throw new Error(`not a trap: ${JSON.stringify(trapped)}`);
  if (authorizer.isAuthorized(plain).decision === 'ALLOW') allowed += 1;
  if (i % 100 === 0) {
    globalThis.gc();
    samples.push({ replaced: i, rss: process.memoryUsage().rss, heapUsed: process.memoryUsage().heapUsed });
  }
}
console.log(
  JSON.stringify({
    replaced: authorizer.stats.instancesReplaced,
    allowed,
    samples,
    // The wasm-bindgen loaders the package's module still holds (its other children are its own files).
    loaders: require.cache[require.resolve(path.join(root, 'js/lib/node.cjs'))].children.filter((c) =>
      c.filename.endsWith('cedar_authorizer.cjs'),
    ).length,
  }),
);
