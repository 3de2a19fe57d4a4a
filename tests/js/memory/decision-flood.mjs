// Run by tests/js/memory.test.mjs under --max-old-space-size=128 (Lambda@Edge's memory): one authenticated
// caller sends requests with distinct 7 KB paths to a `{path.id}` route, each decided (a DENY, which the
// decision cache keeps too), and prints how much the heap grew and what the cache holds.
import path from 'node:path';
import { createRestApiAuthorizer } from 'cedar-authorizer/aws';
import { root, signingKey, mint, idClaims, NOW, COGNITO_ISSUER } from '../helpers.mjs';

const REQUESTS = Number(process.argv[2] ?? 10_000);
const key = signingKey('k1');
const rider = mint(key, idClaims('rider', ['Riders']));
const handler = createRestApiAuthorizer({
  bundle: path.join(root, 'tests/fixtures/routes-store'),
  jwks: { [COGNITO_ISSUER]: { keys: [key.jwk] } },
  fetchKeys: false,
  clock: () => NOW * 1000,
  logger: false,
});
const heap = () => {
  globalThis.gc();
  return process.memoryUsage().heapUsed;
};
const filler = 'x'.repeat(7 * 1024);
const ask = (i) =>
  handler({
    type: 'REQUEST',
    methodArn: `arn:aws:execute-api:us-east-1:123456789012:abcdef123/prod/GET/docs/${i}${filler}`,
    httpMethod: 'GET',
    path: `/docs/${i}${filler}`,
    resource: '/docs/{id}',
    pathParameters: { id: `${i}${filler}` },
    headers: { Authorization: `Bearer ${rider}` },
  });
let denied = 0;
for (let i = 0; i < 200; i++) if ((await ask(i)).policyDocument.Statement[0].Effect === 'Deny') denied += 1;
const before = heap();
for (let i = 200; i < REQUESTS; i++) if ((await ask(i)).policyDocument.Statement[0].Effect === 'Deny') denied += 1;
const after = heap();
console.log(JSON.stringify({ requests: REQUESTS, denied, heapGrowthBytes: after - before, heapUsed: after }));
