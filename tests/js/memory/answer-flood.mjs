// Run by tests/js/memory.test.mjs under --max-old-space-size=128: one caller's token with requests whose
// contexts are 50 KB each, all distinct, through isAuthorizedWithToken (whose answers are cached); prints
// the heap's growth and the answer cache's size.
import { Authorizer } from 'cedar-authorizer';
import { store, signingKey, mint, idClaims, NOW, COGNITO_ISSUER } from '../helpers.mjs';

const REQUESTS = Number(process.argv[2] ?? 2_000);
const key = signingKey('k1');
const token = mint(key, idClaims('rider', ['Riders']));
const authorizer = await Authorizer.load(store('rides'), {
  jwks: { [COGNITO_ISSUER]: { keys: [key.jwk] } },
  fetchKeys: false,
  clock: () => NOW * 1000,
});
const heap = () => {
  globalThis.gc();
  return process.memoryUsage().heapUsed;
};
const filler = 'y'.repeat(50 * 1024);
const ask = (i) =>
  authorizer.isAuthorizedWithToken({
    identityToken: token,
    action: { actionType: 'Rides::Action', actionId: 'get /riders' },
    resource: { entityType: 'Rides::Application', entityId: 'Rides' },
    context: { contextMap: { note: { string: `${i}${filler}` } } },
  });
for (let i = 0; i < 50; i++) await ask(i);
const before = heap();
for (let i = 50; i < REQUESTS; i++) await ask(i);
const after = heap();
const again = await ask(REQUESTS - 1);
console.log(
  JSON.stringify({
    requests: REQUESTS,
    heapGrowthBytes: after - before,
    heapUsed: after,
    answerCache: authorizer.stats.answerCache,
    lastErrors: again.errors.map((e) => e.code),
  }),
);
