// The deployable zips (`cedar-authorizer package`) run as Lambda would run them, the edge zip fits
// Lambda@Edge's limit, and the local demo server answers real HTTP requests with 200, 401 and 403.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { root, store, shared, jwksServer } from './helpers.mjs';
import { unzip } from '../../scripts/demo/unzip.mjs';
import { demoKey, sign } from '../../scripts/demo/keys.mjs';
import { startDemoServer, demoTokens } from '../../scripts/demo/server.mjs';

const EDGE_LIMIT = 1_048_576;
const COGNITO = 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_DemoPool1';
const bin = path.join(root, 'node_modules/.bin/cedar-authorizer');
const demoDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ca-demo-'));
const { privateKey, jwks } = demoKey(demoDir);
const tokens = demoTokens(privateKey);
const out = fs.mkdtempSync(path.join(os.tmpdir(), 'ca-dist-'));

function packageStore() {
  const r = spawnSync(
    bin,
    ['package', store('rides'), '--jwks', path.join(demoDir, 'jwks.json'), '-o', out, '--principal-header', 'x-cedar-principal'],
    { encoding: 'utf8' },
  );
  assert.equal(r.status, 0, r.stdout + r.stderr);
  return r.stdout;
}

test('package writes both zips, prints their sizes, and the edge zip fits Lambda@Edge', () => {
  const stdout = packageStore();
  assert.match(stdout, /lambda-authorizer\.zip: \d+ bytes/);
  assert.match(stdout, /edge-viewer-request\.zip: \d+ bytes \(limit 1048576/);
  const edge = fs.statSync(path.join(out, 'edge-viewer-request.zip')).size;
  assert.ok(edge <= EDGE_LIMIT, `the edge zip is ${edge} bytes, over ${EDGE_LIMIT}`);
  const repeat = fs.readFileSync(path.join(out, 'edge-viewer-request.zip'));
  packageStore();
  assert.ok(repeat.equals(fs.readFileSync(path.join(out, 'edge-viewer-request.zip'))), 'packaging is reproducible');
  const missing = spawnSync(bin, ['package', store('rides'), '-o', out], { encoding: 'utf8' });
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /--jwks/);
});

test('the edge zip, unpacked, decides CloudFront events with its own module, bundle and keys', async () => {
  packageStore();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ca-edge-'));
  unzip(path.join(out, 'edge-viewer-request.zip'), dir);
  assert.ok(fs.existsSync(path.join(dir, 'node_modules/cedar-authorizer/wasm/edge/cedar_authorizer_bg.wasm.br')));
  assert.ok(!fs.existsSync(path.join(dir, 'node_modules/cedar-authorizer/wasm/node')), 'only the edge module ships');
  assert.equal(JSON.parse(fs.readFileSync(path.join(dir, 'bundle.json'))).format, 'cedar-authorizer/compiled-bundle');
  const { handler } = createRequire(path.join(dir, 'index.js'))(path.join(dir, 'index.js'));
  const event = JSON.parse(
    fs.readFileSync(path.join(shared, 'corpora/aws-events/awsdocs/cloudfront-lambda-edge-viewer-request-current-doc.json')),
  );
  const withToken = (token, uri) => {
    const e = structuredClone(event);
    e.Records[0].cf.request.uri = uri;
    e.Records[0].cf.request.headers.authorization = [{ key: 'Authorization', value: `Bearer ${token}` }];
    return e;
  };
  assert.equal((await handler(structuredClone(event))).status, '401');
  const forwarded = await handler(withToken(tokens.rider, '/riders'));
  assert.equal(forwarded.uri, '/riders');
  assert.equal(forwarded.headers['x-cedar-principal'][0].value, 'Rides::CognitoUser::"us-east-1_DemoPool1|demo-rider"');
  assert.equal((await handler(withToken(tokens.rider, '/trainers'))).status, '403');
  const expired = sign(privateKey, { ...JSON.parse(Buffer.from(tokens.rider.split('.')[1], 'base64url')), exp: 1_000_000 });
  assert.equal((await handler(withToken(expired, '/riders'))).status, '401');
});

test('the Lambda zip, unpacked, serves REST and HTTP API events', async () => {
  packageStore();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ca-lambda-'));
  unzip(path.join(out, 'lambda-authorizer.zip'), dir);
  const installed = path.join(dir, 'node_modules/cedar-authorizer');
  assert.ok(fs.existsSync(path.join(installed, 'wasm/runtime/cedar_authorizer_bg.wasm')));
  assert.ok(!fs.existsSync(path.join(installed, 'wasm/node')), 'only the runtime module ships');
  // The runtime module loads compiled bundles and refuses anything else with a message that says what to do.
  const { Authorizer } = createRequire(path.join(dir, 'index.js'))('cedar-authorizer');
  const compiled = JSON.parse(fs.readFileSync(path.join(dir, 'bundle.json')));
  assert.equal(Authorizer.loadSync(compiled).stats.module, 'runtime');
  assert.throws(
    () => Authorizer.loadSync({ files: { 'schema.cedarschema': 'entity User;' } }),
    /compiled bundles: load a bundle made by `cedar-authorizer bundle --compiled`/,
  );
  process.env.JWKS_URIS = JSON.stringify({
    'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_DemoPool1': 'http://127.0.0.1:9/unused',
  });
  const lambda = createRequire(path.join(dir, 'index.js'))(path.join(dir, 'index.js'));
  delete process.env.JWKS_URIS;
  assert.equal(typeof lambda.restHandler, 'function');
  assert.equal(typeof lambda.httpApiHandler, 'function');
  // No keys can be fetched from that address: a token is then unverifiable, a 401, never an Allow.
  await assert.rejects(
    lambda.restHandler({ type: 'TOKEN', authorizationToken: tokens.admin, methodArn: 'arn:aws:execute-api:us-east-1:1:a/prod/GET/riders' }),
    { message: 'Unauthorized' },
  );
});

test('the Lambda zip takes its operations settings from the environment: LOG_FORMAT, REDACT, METRICS', () => {
  packageStore();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ca-lambda-ops-'));
  unzip(path.join(out, 'lambda-authorizer.zip'), dir);
  const script = `
    const lambda = require(${JSON.stringify(path.join(dir, 'index.js'))});
    lambda.restHandler({ type: 'TOKEN', authorizationToken: ${JSON.stringify(`Bearer ${tokens.rider}`)},
      methodArn: 'arn:aws:execute-api:us-east-1:1:a/prod/GET/riders' }, { awsRequestId: 'req-env-1' }).catch(() => {});`;
  const run = (env) =>
    spawnSync(process.execPath, ['-e', script], {
      encoding: 'utf8',
      env: { ...process.env, JWKS_URIS: JSON.stringify({ [COGNITO]: 'http://127.0.0.1:9/unused' }), ...env },
    });
  const r = run({ LOG_FORMAT: 'ocsf', REDACT: 'subject:mask', METRICS: 'true', METRICS_NAMESPACE: 'Rides' });
  assert.equal(r.status, 0, r.stderr);
  const docs = r.stdout
    .trim()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l));
  const event = docs.find((d) => d.class_uid === 6003);
  assert.ok(event, r.stdout);
  assert.deepEqual([event.status_detail, event.api.request.uid], ['jwks.unavailable', 'req-env-1']);
  const emf = docs.filter((d) => d._aws);
  assert.equal(emf[0]._aws.CloudWatchMetrics[0].Namespace, 'Rides');
  assert.deepEqual([emf[0].Deny, emf[0].KeyFetchFailure], [1, 1]);
  assert.equal(emf[1].Reason, 'jwks.unavailable');
  const bad = run({ REDACT: 'decision' });
  assert.notEqual(bad.status, 0);
  assert.match(bad.stderr, /options.redact names `decision`/);
});

test('the demo server: real HTTP requests through the packaged handler, REST and HTTP API', async () => {
  packageStore();
  for (const api of ['rest', 'http']) {
    const logged = [];
    const demo = await startDemoServer({ port: 0, api, zip: path.join(out, 'lambda-authorizer.zip'), demoDir, log: (l) => logged.push(l) });
    try {
      const get = async (p, token) => {
        const res = await fetch(`${demo.url}${p}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
        return { status: res.status, body: await res.json() };
      };
      assert.equal((await get('/riders')).status, 401, api);
      assert.equal((await get('/riders', 'not-a-token')).status, 401, api);
      const ok = await get('/riders', demo.tokens.rider);
      assert.equal(ok.status, 200, `${api}: ${JSON.stringify(ok.body)}`);
      assert.equal(ok.body.authorizer.determiningPolicies, 'riders-rider-routes');
      assert.equal((await get('/trainers', demo.tokens.rider)).status, 403, api);
      assert.equal((await get('/trainer', demo.tokens.admin)).status, 200, api);
      assert.equal((await get('/unicorns', demo.tokens.trainer)).status, 200, api);
      assert.equal((await get('/stables', demo.tokens.admin)).status, 403, `${api}: an unknown route is denied`);
      const keys = await get('/demo-issuer/.well-known/jwks.json');
      assert.deepEqual(keys.body, jwks);
      // The summary line (printed each second; here, now), Prometheus' text and the health answer.
      demo.summarize();
      assert.match(logged.at(-1), /^summary: 7 requests\/s, 3 allowed, 4 denied, p50 \d+\.\d\d ms, p99 \d+\.\d\d ms$/, logged.join('\n'));
      const metrics = await fetch(`${demo.url}/metrics`);
      assert.match(metrics.headers.get('content-type'), /^text\/plain; version=0\.0\.4/);
      const text = await metrics.text();
      const kind = api === 'rest' ? 'rest-request' : 'http-api-2.0';
      assert.match(text, new RegExp(`^cedar_authorizer_decisions_total\\{handler="${kind}",decision="ALLOW"\\} 3$`, 'm'), text);
      assert.match(text, /^cedar_authorizer_decision_duration_seconds_count 7$/m);
      const health = await get('/health');
      assert.equal(health.status, 200, JSON.stringify(health.body));
      assert.equal(health.body.healthy, true);
      assert.equal(health.body.status.module, 'runtime');
    } finally {
      await demo.close();
    }
  }
});

test('package --source: the edge zip refreshes its signed bundle over HTTPS, the zip bundle its fallback; bad sources are refused', async () => {
  const https = await import('node:https');
  const { spawn } = await import('node:child_process');
  const tls = path.join(root, 'tests/fixtures/tls');
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'ca-live-'));
  const key = path.join(shared, 'corpora/jose/keats-jsonwebtoken-test-keys/ecdsa/private_ecdsa_key.pem');
  const trusted = path.join(work, 'trusted.json');
  const keys = spawnSync(bin, ['public-key', '--key', key], { encoding: 'utf8' });
  assert.equal(keys.status, 0, keys.stderr);
  fs.writeFileSync(trusted, keys.stdout);
  // The bundle the source serves: the rides store without the riders' policy, signed at revision 2.
  const revoked = path.join(work, 'revoked');
  fs.cpSync(store('rides'), revoked, { recursive: true });
  const cedar = path.join(revoked, 'rides.cedar');
  fs.writeFileSync(cedar, fs.readFileSync(cedar, 'utf8').replace(/@id\("riders-rider-routes"\)[\s\S]*?\);\n/, ''));
  const served = path.join(work, 'served.json');
  assert.equal(spawnSync(bin, ['bundle', revoked, '--compiled', '-o', served]).status, 0);
  assert.equal(spawnSync(bin, ['sign', served, '--key', key, '--revision', '2']).status, 0);
  const server = https.createServer(
    { key: fs.readFileSync(path.join(tls, 'key.pem')), cert: fs.readFileSync(path.join(tls, 'cert.pem')) },
    (req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(fs.readFileSync(served)),
  );
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const url = `https://127.0.0.1:${server.address().port}/rides.json`;
  try {
    const pkg = (...extra) =>
      spawnSync(bin, ['package', store('rides'), '--jwks', path.join(demoDir, 'jwks.json'), '-o', work, ...extra], { encoding: 'utf8' });
    assert.equal(pkg('--source', url).status, 1, 'an edge source without trusted keys');
    assert.match(pkg('--source', url).stderr, /--trusted-keys/);
    assert.equal(pkg('--source', 'http://127.0.0.1/x.json', '--trusted-keys', trusted).status, 1);
    assert.equal(pkg('--trusted-keys', trusted).status, 2, '--trusted-keys without --source');
    const made = pkg('--source', url, '--trusted-keys', trusted, '--refresh-seconds', '30');
    assert.equal(made.status, 0, made.stderr);
    const dir = path.join(work, 'edge');
    unzip(path.join(work, 'edge-viewer-request.zip'), dir);
    assert.deepEqual(JSON.parse(fs.readFileSync(path.join(dir, 'edge-options.json'))).live, { source: url, refreshSeconds: 30 });
    const lambdaDir = path.join(work, 'lambda');
    unzip(path.join(work, 'lambda-authorizer.zip'), lambdaDir);
    assert.equal(JSON.parse(fs.readFileSync(path.join(lambdaDir, 'live.json'))).source, url);
    assert.ok(fs.existsSync(path.join(lambdaDir, 'node_modules/cedar-authorizer/lib/sources/https.cjs')));
    // The packaged edge function in its own process, trusting the test certificate as Lambda would its CA.
    const script = `
      const { handler } = require(${JSON.stringify(path.join(dir, 'index.js'))});
      const event = (token) => ({ Records: [{ cf: { config: {}, request: { method: 'GET', uri: '/riders', querystring: '',
        headers: { authorization: [{ key: 'Authorization', value: 'Bearer ' + token }] } } } }] });
      (async () => {
        const first = await handler(event(${JSON.stringify(tokens.rider)}));
        await handler.authorizer.refresh();
        const second = await handler(event(${JSON.stringify(tokens.rider)}));
        console.log(JSON.stringify({ first: first.status ?? 'forwarded', second: second.status ?? 'forwarded', status: handler.authorizer.status() }));
      })();`;
    const child = spawn(process.execPath, ['-e', script], { env: { ...process.env, NODE_EXTRA_CA_CERTS: path.join(tls, 'cert.pem') } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    await new Promise((r) => child.on('close', r));
    const answer = JSON.parse(stdout.trim().split('\n').at(-1) || '{}');
    assert.equal(answer.first, 'forwarded', stderr);
    assert.equal(answer.second, '403', stdout + stderr);
    assert.equal(answer.status.revision, 2);
    assert.equal(answer.status.origin, 'source');

    // The Lambda zip of the same package, in its own process: live.json's source and keys, then the
    // environment's (BUNDLE_SOURCE, TRUSTED_KEYS), as a SAM or CDK stack sets them.
    const keysServer = await jwksServer(jwks);
    try {
      const lambda = async (env) => {
        const lambdaScript = `
          (async () => {
            const lambda = require(${JSON.stringify(path.join(lambdaDir, 'index.js'))});
            const event = { type: 'TOKEN', authorizationToken: ${JSON.stringify(tokens.rider)},
              methodArn: 'arn:aws:execute-api:us-east-1:1:a/prod/GET/riders' };
            const effect = () => lambda.restHandler(event).then((r) => r.policyDocument.Statement[0].Effect, (e) => e.message);
            const first = await effect();
            await lambda.restHandler.authorizer.refresh();
            const second = await effect();
            console.log(JSON.stringify({ first, second, status: lambda.restHandler.authorizer.status() }));
          })().catch((e) => console.log(JSON.stringify({ thrown: e.message })));`;
        // Not spawnSync: the source and the key server answer from this process.
        const child = spawn(process.execPath, ['-e', lambdaScript], {
          env: {
            ...process.env,
            NODE_EXTRA_CA_CERTS: path.join(tls, 'cert.pem'),
            JWKS_URIS: JSON.stringify({ 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_DemoPool1': keysServer.url }),
            ...env,
          },
        });
        const r = { stdout: '', stderr: '' };
        child.stdout.on('data', (c) => (r.stdout += c));
        child.stderr.on('data', (c) => (r.stderr += c));
        await new Promise((resolve) => child.on('close', resolve));
        return JSON.parse(r.stdout.trim().split('\n').at(-1) || JSON.stringify({ thrown: r.stderr }));
      };
      const packaged = await lambda({});
      // The revision the source serves is running by the second call at the latest (the first call's check
      // may finish before it is decided), the riders' permission revoked.
      assert.equal(packaged.second, 'Deny', JSON.stringify(packaged));
      assert.equal(packaged.status.source, url);
      assert.equal(packaged.status.revision, 2);
      const moved = await lambda({ BUNDLE_SOURCE: `${url}?moved` });
      assert.equal(moved.status.source, `${url}?moved`);
      assert.equal(moved.second, 'Deny');
      const other = spawnSync(
        bin,
        ['public-key', '--key', path.join(shared, 'corpora/jose/keats-jsonwebtoken-test-keys/ecdsa/private_jwtio_pkcs8.pem')],
        {
          encoding: 'utf8',
        },
      );
      const foreign = await lambda({ TRUSTED_KEYS: other.stdout });
      assert.deepEqual([foreign.first, foreign.second], ['Allow', 'Allow'], 'a bundle signed by a key not trusted is refused');
      assert.equal(foreign.status.lastError.code, 'bundle.bad_signature');
      assert.match((await lambda({ TRUSTED_KEYS: '' })).thrown, /must be signed/);
      assert.match((await lambda({ TRUSTED_KEYS: '{"keys": [' })).thrown, /TRUSTED_KEYS must be the JWKS/);
    } finally {
      await keysServer.close();
    }
  } finally {
    server.close();
  }
});
