// `cedar-authorizer init <folder> --openapi <file>`: stores from OpenAPI documents written elsewhere (the
// OpenAPI Initiative's petstore examples in 2.0, 3.0 and 3.1, YAML and JSON, as the @readme/oas-examples
// package carries them) and from an API Gateway export; each store must pass `validate` and its own `test`
// as written, and its routes must route the document's requests.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { Authorizer } from 'cedar-authorizer';
import { root } from './helpers.mjs';

const require = createRequire(import.meta.url);
const CLI = path.join(root, 'node_modules/cedar-authorizer/bin/cedar-authorizer.cjs');
const examples = path.dirname(require.resolve('@readme/oas-examples/package.json'));
const cli = (...args) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
const fresh = () => path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'init-')), 'store');
const POOL_ARN = 'arn:aws:cognito-idp:us-east-1:123456789012:userpool/us-east-1_DemoPool1';

/** Every method and path of an OpenAPI document, read independently of the package (plain JSON/YAML). */
function operationsIn(file) {
  const doc = file.endsWith('.json') ? JSON.parse(fs.readFileSync(file, 'utf8')) : require('yaml').parse(fs.readFileSync(file, 'utf8'));
  const methods = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
  return Object.entries(doc.paths).flatMap(([p, item]) =>
    Object.keys(item)
      .filter((k) => methods.includes(k) || k === 'x-amazon-apigateway-any-method')
      .map((k) => `${k === 'x-amazon-apigateway-any-method' ? 'any' : k} ${p}`),
  );
}

for (const example of [
  '2.0/yaml/petstore.yaml',
  '2.0/json/petstore-expanded.json',
  '3.0/yaml/petstore-expanded.yaml',
  '3.0/json/openapi-workshop/refs.json',
  '3.1/yaml/petstore.yaml',
  '3.1/json/petstore-simple.json',
]) {
  test(`init from the OpenAPI example ${example}: validate and test pass as written`, () => {
    const dir = fresh();
    const file = path.join(examples, example);
    const r = cli('init', dir, '--openapi', file, '--groups', 'admins,readers', '--user-pool-arn', POOL_ARN, '--client-id', 'app-client-1');
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.equal(cli('validate', dir).status, 0);
    const t = cli('test', dir, '--min-coverage', '100');
    assert.equal(t.status, 0, t.stdout + t.stderr);
    const schema = fs.readFileSync(path.join(dir, 'schema.cedarschema'), 'utf8');
    for (const op of operationsIn(file)) assert.ok(schema.includes(JSON.stringify(op)), `${op} is an action`);
    const config = JSON.parse(fs.readFileSync(path.join(dir, 'authorizer.json'), 'utf8'));
    assert.equal(config.routes.length, operationsIn(file).length);
    assert.equal(config.identitySources[0].configuration.cognitoUserPoolConfiguration.userPoolArn, POOL_ARN);
  });
}

test('init from an API Gateway export: $refs, path parameters, any-method and a greedy path', async () => {
  const dir = fresh();
  const file = path.join(root, 'tests/fixtures/openapi/apigateway-export.yaml');
  const r = cli('init', dir, '--openapi', file, '--groups', 'Admin', '--user-pool-arn', POOL_ARN, '--client-id', 'ridesdemoclient');
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /namespace UnicornRides, 6 routes/);
  const config = JSON.parse(fs.readFileSync(path.join(dir, 'authorizer.json'), 'utf8'));
  assert.deepEqual(config.routes, [
    { method: 'GET', path: '/riders' },
    { method: 'POST', path: '/riders' },
    { method: 'GET', path: '/riders/{riderId}' },
    { method: 'DELETE', path: '/riders/{riderId}' },
    { method: 'ANY', path: '/admin/{proxy+}' },
    { method: 'OPTIONS', path: '/admin/{proxy+}' },
  ]);
  assert.equal(cli('test', dir).status, 0);
  // The routes route real requests: a path parameter, and a greedy path of several segments.
  const authorizer = await Authorizer.load(dir);
  const byRoute = Object.fromEntries(authorizer.routes.map((x) => [x.routeKey, x.action.id]));
  assert.equal(byRoute['GET /riders/{riderId}'], 'get /riders/{riderId}');
  assert.equal(byRoute['ANY /admin/{proxy+}'], 'any /admin/{proxy+}');
  const policies = fs.readFileSync(path.join(dir, 'policies.cedar'), 'utf8');
  assert.match(policies, /principal in UnicornRides::CognitoUserGroup::"us-east-1_DemoPool1\|Admin"/);
});

test('init with an OpenID Connect issuer, no groups; and what it refuses', () => {
  const dir = fresh();
  const file = path.join(examples, '3.0/yaml/petstore.yaml');
  const r = cli('init', dir, '--openapi', file, '--issuer', 'https://idp.example.com', '--audience', 'petstore-web', '--namespace', 'Pets');
  assert.equal(r.status, 0, r.stdout + r.stderr);
  const config = JSON.parse(fs.readFileSync(path.join(dir, 'authorizer.json'), 'utf8'));
  assert.equal(config.identitySources[0].configuration.openIdConnectConfiguration.issuer, 'https://idp.example.com');
  assert.ok(!fs.existsSync(path.join(dir, 'policies.cedar')), 'no groups, no starter policy');
  assert.equal(cli('test', dir).status, 0);
  // Not empty, not a document, no client id, a bad namespace: refused, nothing written.
  assert.match(cli('init', dir, '--openapi', file).stderr, /is not empty/);
  const notApi = path.join(os.tmpdir(), `not-openapi-${process.pid}.yaml`);
  fs.writeFileSync(notApi, 'hello: world\n');
  assert.match(cli('init', fresh(), '--openapi', notApi).stderr, /not an OpenAPI document/);
  assert.match(cli('init', fresh(), '--openapi', file, '--user-pool-arn', POOL_ARN).stderr, /--client-id/);
  assert.match(cli('init', fresh(), '--openapi', file, '--namespace', 'not a name').stderr, /not a Cedar identifier/);
  const broken = path.join(os.tmpdir(), `broken-ref-${process.pid}.yaml`);
  fs.writeFileSync(
    broken,
    'openapi: "3.0.0"\ninfo: { title: x, version: "1" }\npaths:\n  /a:\n    get:\n      parameters:\n        - $ref: "#/components/parameters/missing"\n      responses: {}\n',
  );
  assert.match(cli('init', fresh(), '--openapi', broken).stderr, /references cannot be resolved/);
});
