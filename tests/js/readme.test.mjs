// Every code sample in README.md and docs/*.md, run as written: JavaScript blocks as files (ES modules or
// CommonJS, as they are written) against the installed package, their commented answers compared with what
// they return; `npx cedar-authorizer` lines run with npm offline and an empty npm cache (so nothing can come
// from the registry); `make` lines checked against the Makefile's targets; the sample `validate` output
// reproduced; JSON blocks parsed and schema blocks read by the engine.
//
// `aws s3 cp <file> s3://<bucket>/<key>` lines are carried out with the SDK's PutObject against moto's S3,
// which the live-policy sample then reads from (the SDK pointed there by AWS_ENDPOINT_URL_S3).
//
// `npx cedar-authorizer serve` lines are started in the background, and the samples after them call the
// endpoint they start (the Verified Permissions client sample); they are stopped at the end.
//
// Not run here, and where they are: the demo's `curl` lines (tests/js/package.test.mjs drives the demo over
// HTTP), `cedar-authorizer import` lines (tests/js/avp-import.test.mjs, against a stand-in for Verified
// Permissions), and the browser samples (`cedar-authorizer/web`; tests/browser/bundlers.test.mjs).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { convertSchema } from 'cedar-authorizer';
import crypto from 'node:crypto';
import { S3Client, CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { root, signingKey, mint } from './helpers.mjs';
import { startMoto, REGION, credentials } from './moto.mjs';

const docs = [
  'README.md',
  ...fs
    .readdirSync(path.join(root, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];

/** Fenced blocks of a Markdown file: `{ file, line, lang, text }`. */
function blocks(file) {
  const lines = fs.readFileSync(path.join(root, file), 'utf8').split('\n');
  const found = [];
  for (let i = 0; i < lines.length; i += 1) {
    const open = lines[i].match(/^```(\S*)\s*$/);
    if (!open) continue;
    const start = i;
    const body = [];
    for (i += 1; i < lines.length && !lines[i].startsWith('```'); i += 1) body.push(lines[i]);
    found.push({ file, line: start + 1, lang: open[1], text: body.join('\n') });
  }
  return found;
}

const all = docs.flatMap(blocks);
const where = (b) => `${b.file}:${b.line}`;

// A scratch folder inside the clone, so samples resolve `cedar-authorizer` from the repository's
// node_modules exactly as a project depending on it would; `policies` in it is the repository's.
const scratch = fs.mkdtempSync(path.join(root, 'build', 'readme-'));
fs.symlinkSync(path.join(root, 'policies'), path.join(scratch, 'policies'));
process.on('exit', () => fs.rmSync(scratch, { recursive: true, force: true }));

const ISSUER = 'https://cognito-idp.us-east-1.amazonaws.com/us-east-1_DemoPool1';
const key = signingKey('readme-key');
const jwks = { keys: [key.jwk] };
fs.writeFileSync(path.join(scratch, 'my-pool-jwks.json'), JSON.stringify(jwks));
// The OpenAPI document the `init` sample starts from: the OpenAPI Initiative's petstore example.
fs.copyFileSync(
  path.join(path.dirname(createRequire(import.meta.url).resolve('@readme/oas-examples/package.json')), '3.0/yaml/petstore.yaml'),
  path.join(scratch, 'openapi.yaml'),
);
// The key the samples sign bundles with.
const bundleKey = crypto.generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
fs.writeFileSync(path.join(scratch, 'bundle-signing.pem'), bundleKey.export({ type: 'pkcs8', format: 'pem' }));

// moto's S3 for the `aws s3 cp` lines and the samples that read a bucket, with the SDK's own settings.
let moto;
let s3;
before(async () => {
  moto = await startMoto();
  Object.assign(process.env, {
    AWS_ENDPOINT_URL_S3: moto.url,
    AWS_ACCESS_KEY_ID: credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    AWS_REGION: REGION,
  });
  s3 = new S3Client({ region: REGION, endpoint: moto.url, credentials, forcePathStyle: true });
});
const servers = [];
after(() => {
  moto?.child.kill();
  // `npx` runs the server as its own child: the whole process group is stopped, or the server outlives the test.
  for (const child of servers) {
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {
      // already gone
    }
  }
});

/** Starts a `serve` line in the background and waits for the line that says where it listens. */
function startServe(line, b, env) {
  const child = spawn('sh', ['-c', `exec ${line}`], { cwd: scratch, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  servers.push(child);
  return new Promise((resolve, reject) => {
    let out = '';
    let errors = '';
    child.stdout.on('data', (c) => {
      out += c;
      if (/serving Verified Permissions/.test(out)) resolve(out);
    });
    child.stderr.on('data', (c) => (errors += c));
    child.on('exit', (code) => reject(new Error(`${where(b)}: \`${line}\` exited ${code}:\n${out}${errors}`)));
  });
}
const buckets = new Set();

/** `aws s3 cp <file> s3://<bucket>/<key>`, as PutObject into moto (the bucket made on first use). */
async function s3Copy(line) {
  const [, file, bucket, key] = line.match(/^aws s3 cp (\S+) s3:\/\/([^/\s]+)\/(\S+)$/) ?? [];
  assert.ok(file, `an \`aws s3 cp\` line this test does not read: ${line}`);
  if (!buckets.has(bucket)) await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  buckets.add(bucket);
  await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: fs.readFileSync(path.join(scratch, file)) }));
}

/** An ID token of the rides pool for `sub` in `groups`, valid now (the samples use the real clock). */
function riderToken(sub = 'alice', groups = ['Riders']) {
  const now = Math.floor(Date.now() / 1000);
  return mint(key, {
    sub,
    iss: ISSUER,
    aud: 'ridesdemoclient',
    token_use: 'id',
    'cognito:username': sub,
    'cognito:groups': groups,
    iat: now - 5,
    exp: now + 600,
  });
}

function run(command, args, options = {}) {
  const r = spawnSync(command, args, { encoding: 'utf8', cwd: scratch, ...options });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

const makeTargets = new Set(
  fs
    .readFileSync(path.join(root, 'Makefile'), 'utf8')
    .split('\n')
    .map((l) => l.match(/^([a-z][a-z-]*):/)?.[1])
    .filter(Boolean),
);

/** The decision and determining policies a sample's trailing comment promises. */
function promised(text) {
  const comment = text
    .split('\n')
    .filter((l) => l.startsWith('//'))
    .join(' ');
  const decision = comment.match(/decision: '(ALLOW|DENY)'/)?.[1];
  const policies = [...comment.matchAll(/policyId: '([^']+)'/g)].map((m) => m[1]);
  return decision && { decision, policies };
}

test('the samples are found: README has shell, JavaScript and output blocks', () => {
  const langs = all.filter((b) => b.file === 'README.md').map((b) => b.lang);
  for (const lang of ['sh', 'js', '']) assert.ok(langs.includes(lang), `README has no ${lang || 'plain'} block`);
});

test('every `make` target a sample names exists, and every `npx cedar-authorizer` line runs offline', async () => {
  const npmCache = fs.mkdtempSync(path.join(os.tmpdir(), 'ca-npm-cache-'));
  let ran = 0;
  for (const b of all.filter((b) => b.lang === 'sh')) {
    for (const raw of b.text.split('\n')) {
      const line = raw.replace(/\s+#.*$/, '').trim();
      if (!line) continue;
      const make = line.match(/^(?:[A-Z_]+=\S+\s+)*make\s+([a-z-]+)/);
      if (make) {
        assert.ok(makeTargets.has(make[1]), `${where(b)}: \`${line}\`: the Makefile has no target ${make[1]}`);
        continue;
      }
      if (/^(export|curl)\b/.test(line)) continue;
      if (/^aws s3 cp\b/.test(line)) {
        await s3Copy(line);
        continue;
      }
      // `import` reads a store from Verified Permissions: tests/js/avp-import.test.mjs runs these very lines
      // against a stand-in for its API.
      if (/^npx cedar-authorizer import\b/.test(line)) continue;
      if (/^npx cedar-authorizer serve\b/.test(line)) {
        await startServe(line, b, {
          ...process.env,
          npm_config_offline: 'true',
          npm_config_cache: npmCache,
          npm_config_update_notifier: 'false',
        });
        ran += 1;
        continue;
      }
      assert.match(line, /^npx cedar-authorizer /, `${where(b)}: a shell line this test does not know how to check: ${line}`);
      const r = run('sh', ['-c', line], {
        env: { ...process.env, npm_config_offline: 'true', npm_config_cache: npmCache, npm_config_update_notifier: 'false' },
      });
      assert.equal(r.status, 0, `${where(b)}: \`${line}\` exited ${r.status}:\n${r.out}`);
      ran += 1;
    }
  }
  assert.ok(ran >= 4, `only ${ran} npx lines ran`);
  // What the lines wrote: the bundle and the two zips.
  assert.ok(fs.statSync(path.join(scratch, 'rides.json')).size > 0);
  for (const zip of ['lambda-authorizer.zip', 'edge-viewer-request.zip']) assert.ok(fs.existsSync(path.join(scratch, 'dist', zip)), zip);
});

test("README's sample `validate` output is what validate prints for it", () => {
  const sample = all.find((b) => b.file === 'README.md' && b.lang === '' && b.text.startsWith('error['));
  assert.ok(sample, 'the sample output block');
  const dir = fs.mkdtempSync(path.join(scratch, 'validate-'));
  fs.cpSync(path.join(root, 'policies/photos'), path.join(dir, 'policies/photos'), { recursive: true });
  const line = sample.text.match(/^2 \| (.*)$/m)[1];
  fs.writeFileSync(path.join(dir, 'policies/photos/bad.cedar'), `permit(principal, action, resource)\n${line}\n`);
  const r = run(path.join(root, 'node_modules/.bin/cedar-authorizer'), ['validate', 'policies/photos'], { cwd: dir });
  assert.equal(r.status, 1, r.out);
  assert.ok(r.out.includes(sample.text), `validate printed:\n${r.out}\nREADME shows:\n${sample.text}`);
});

const jsBlocks = all.filter((b) => b.lang === 'js' && !b.text.includes("'cedar-authorizer/web'"));

test('every JavaScript sample runs as written and answers what its comment says', async () => {
  assert.ok(jsBlocks.length >= 4, `${jsBlocks.length} samples`);
  for (const [n, b] of jsBlocks.entries()) {
    const dir = fs.mkdtempSync(path.join(scratch, `sample-${n}-`));
    const esm = /^import /m.test(b.text);
    if (esm) await runModule(dir, b);
    else await runCommonJs(dir, b);
  }
});

/** An ES module sample: run in its own process, after a prelude that gives it a token and the pool's keys. */
async function runModule(dir, b) {
  const prelude = `
    const jwks = ${JSON.stringify(jwks)};
    globalThis.idTokenFromTheAuthorizationHeader = ${JSON.stringify(riderToken())};
    globalThis.fetch = async (url) => {
      if (String(url) !== '${ISSUER}/.well-known/jwks.json') throw new Error('unexpected fetch of ' + url);
      return new Response(JSON.stringify(jwks), { headers: { 'content-type': 'application/json' } });
    };`;
  fs.writeFileSync(path.join(dir, 'prelude.mjs'), prelude);
  const report = /^const answer\b/m.test(b.text) ? '\nconsole.log("ANSWER " + JSON.stringify(answer));\n' : '';
  fs.writeFileSync(path.join(dir, 'sample.mjs'), `import './prelude.mjs';\n${b.text}\n${report}`);
  const r = spawnSync(process.execPath, [path.join(dir, 'sample.mjs')], { encoding: 'utf8', cwd: root });
  assert.equal(r.status, 0, `${where(b)} failed:\n${r.stderr}`);
  checkAnswer(b, r.stdout.match(/^ANSWER (.*)$/m)?.[1]);
}

function checkAnswer(b, json) {
  const expected = promised(b.text);
  if (!expected) return;
  assert.ok(json, `${where(b)}: the sample printed no answer`);
  const answer = JSON.parse(json);
  assert.equal(answer.decision, expected.decision, `${where(b)}: ${json}`);
  assert.deepEqual(
    answer.determiningPolicies.map((p) => p.policyId),
    expected.policies,
    `${where(b)}: ${json}`,
  );
}

/** A CommonJS sample is a Lambda handler file: beside it the compiled bundle and the key set, as `package`
 * lays them out; its handlers are then called with a request a rider may make and one it may not. */
async function runCommonJs(dir, b) {
  const bundle = run(path.join(root, 'node_modules/.bin/cedar-authorizer'), [
    'bundle',
    'policies/rides',
    '--compiled',
    '-o',
    path.join(dir, 'bundle.json'),
  ]);
  assert.equal(bundle.status, 0, bundle.out);
  fs.writeFileSync(path.join(dir, 'jwks.json'), JSON.stringify(jwks));
  // The trusted keys the shell sample above printed (`public-key`), for a sample that reads a live source.
  if (b.text.includes('./trusted-keys.json')) fs.copyFileSync(path.join(scratch, 'trusted-keys.json'), path.join(dir, 'trusted-keys.json'));
  fs.writeFileSync(path.join(dir, 'index.cjs'), b.text);
  // As in the ES module samples, the pool's keys come from a stand-in for Cognito's JWKS endpoint.
  const realFetch = globalThis.fetch;
  globalThis.fetch = async (url) => {
    if (String(url) !== `${ISSUER}/.well-known/jwks.json`) throw new Error(`unexpected fetch of ${url}`);
    return new Response(JSON.stringify(jwks), { headers: { 'content-type': 'application/json' } });
  };
  try {
    await callHandlers(dir, b);
  } finally {
    globalThis.fetch = realFetch;
  }
}

async function callHandlers(dir, b) {
  const handlers = createRequire(import.meta.url)(path.join(dir, 'index.cjs'));
  const names = Object.keys(handlers);
  assert.ok(names.length > 0, `${where(b)} exports no handler`);
  const token = riderToken();
  for (const name of names) {
    const handler = handlers[name];
    assert.equal(typeof handler, 'function', `${where(b)}: ${name}`);
    const verdicts = [];
    for (const pathName of ['/riders', '/trainers']) verdicts.push(await call(name, handler, token, pathName));
    assert.deepEqual(verdicts, ['allow', 'deny'], `${where(b)}: ${name}`);
    // A sample with a live source took the bundle the shell sample signed and copied there: the first call
    // waited for S3's answer, and the bundle is swapped in on the next turn of the event loop.
    if (/s3:\/\//.test(b.text)) {
      await new Promise((r) => setImmediate(r));
      const status = handler.authorizer.status();
      assert.equal(status.origin, 'source', `${where(b)}: ${name}: ${JSON.stringify(status)}`);
      assert.equal(status.revision, 2, where(b));
    }
  }
}

/** Calls a handler with the event its kind takes, answering 'allow' or 'deny'. */
async function call(name, handler, token, pathName) {
  if (/edge|handler$/i.test(name) && !/rest|http/i.test(name)) {
    const answer = await handler({
      Records: [
        {
          cf: {
            config: { distributionDomainName: 'd.cloudfront.net', eventType: 'viewer-request', requestId: 'r' },
            request: {
              clientIp: '203.0.113.9',
              method: 'GET',
              uri: pathName,
              querystring: '',
              headers: {
                authorization: [{ key: 'Authorization', value: `Bearer ${token}` }],
                host: [{ key: 'Host', value: 'd.cloudfront.net' }],
              },
            },
          },
        },
      ],
    });
    return answer.status ? 'deny' : 'allow';
  }
  if (/http/i.test(name)) {
    const answer = await handler({
      version: '2.0',
      type: 'REQUEST',
      routeArn: `arn:aws:execute-api:us-east-1:123456789012:api1/prod/GET${pathName}`,
      identitySource: [`Bearer ${token}`],
      routeKey: `GET ${pathName}`,
      rawPath: pathName,
      rawQueryString: '',
      headers: { authorization: `Bearer ${token}` },
      requestContext: { http: { method: 'GET', path: pathName, sourceIp: '203.0.113.9' }, stage: 'prod' },
    });
    return answer.isAuthorized ? 'allow' : 'deny';
  }
  const answer = await handler({
    type: 'TOKEN',
    authorizationToken: `Bearer ${token}`,
    methodArn: `arn:aws:execute-api:us-east-1:123456789012:api1/prod/GET${pathName}`,
  });
  return answer.policyDocument.Statement.some((s) => s.Effect === 'Allow') ? 'allow' : 'deny';
}

test('JSON blocks of the docs parse, and Cedar schema blocks are read by the engine', () => {
  let checked = 0;
  for (const b of all) {
    if (b.lang === 'json') {
      assert.doesNotThrow(() => JSON.parse(b.text), `${where(b)} is not JSON`);
      checked += 1;
    } else if (b.lang === 'cedarschema') {
      const r = convertSchema(b.text, { from: 'cedar' });
      assert.deepEqual(
        r.diagnostics.filter((d) => d.severity === 'error'),
        [],
        where(b),
      );
      checked += 1;
    }
  }
  assert.ok(checked >= 4, `${checked} blocks`);
});
