// Live bundles from S3, signed with KMS: moto's server (`make moto`) plays S3 (PutObject, GetObject with
// If-None-Match answering 304, ETags) and KMS (CreateKey, Sign, GetPublicKey), spoken to by the real AWS SDK
// clients and by `cedar-authorizer sign --kms-key-id`. No private key of these tests exists outside KMS.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { S3Client, CreateBucketCommand, PutObjectCommand, DeleteObjectCommand } from '@aws-sdk/client-s3';
import { KMSClient, CreateKeyCommand } from '@aws-sdk/client-kms';
import { Authorizer, AuthorizerLoadError, readStoreFolder, buildBundle, compileBundle, bundleText } from 'cedar-authorizer';
import { createRestApiAuthorizer } from 'cedar-authorizer/aws';
import { root, store, NOW, COGNITO_ISSUER, signingKey, mint, idClaims } from './helpers.mjs';
import { startMoto, REGION, credentials } from './moto.mjs';

const BUCKET = 'policies';
const KEY = 'rides/bundle.json';
const bin = path.join(root, 'node_modules/.bin/cedar-authorizer');

let moto;
let endpoint;
let s3;
const keys = {}; // KMS key ids: rsa, ec
let trustedKeys;
let dir;

const idp = signingKey('s3-1', 'ec');
const jwks = { [COGNITO_ISSUER]: { keys: [idp.jwk] } };
const riderToken = mint(idp, idClaims('rider-1', ['Riders']));
const riderRequest = () => ({
  identityToken: riderToken,
  action: { actionType: 'Rides::Action', actionId: 'get /riders' },
  resource: { entityType: 'Rides::Application', entityId: 'Rides' },
});

function cli(...args) {
  const env = { ...process.env, AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing', AWS_REGION: REGION };
  const r = spawnSync(bin, args, { encoding: 'utf8', cwd: root, env });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The rides bundle (compiled; the Riders' policy removed when `revoked`), signed by KMS key `kms` at `revision`. */
function signedBundle({ revoked = false, revision, kms = 'rsa' }) {
  const files = readStoreFolder(store('rides'));
  if (revoked) files['rides.cedar'] = files['rides.cedar'].replace(/@id\("riders-rider-routes"\)[\s\S]*?\);\n/, '');
  const file = path.join(dir, `bundle-${revoked}-${revision}-${kms}.json`);
  fs.writeFileSync(file, bundleText(compileBundle(buildBundle(files).bundle), { pretty: true }));
  const signed = cli('sign', file, '--kms-key-id', keys[kms], '--revision', String(revision), '--endpoint', endpoint, '--region', REGION);
  assert.equal(signed.status, 0, signed.stderr);
  return fs.readFileSync(file, 'utf8');
}

const put = (body) => s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: KEY, Body: body, ContentType: 'application/json' }));

before(async () => {
  ({ child: moto, url: endpoint } = await startMoto());
  dir = fs.mkdtempSync(path.join(root, 'build/s3-'));
  s3 = new S3Client({ region: REGION, endpoint, credentials, forcePathStyle: true });
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  const kms = new KMSClient({ region: REGION, endpoint, credentials });
  for (const [name, spec] of [
    ['rsa', 'RSA_2048'],
    ['ec', 'ECC_NIST_P256'],
  ]) {
    const created = await kms.send(new CreateKeyCommand({ KeySpec: spec, KeyUsage: 'SIGN_VERIFY', Description: `bundle signing ${name}` }));
    keys[name] = created.KeyMetadata.KeyId;
  }
  // The trusted keys, as a user writes them: `public-key` of each KMS key.
  trustedKeys = { keys: [] };
  for (const name of ['rsa', 'ec']) {
    const printed = cli('public-key', '--kms-key-id', keys[name], '--endpoint', endpoint, '--region', REGION);
    assert.equal(printed.status, 0, printed.stderr);
    trustedKeys.keys.push(...JSON.parse(printed.stdout).keys);
  }
});

after(() => {
  moto?.kill();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

function testClock() {
  let now = NOW * 1000;
  const clock = () => now;
  clock.advance = (s) => (now += s * 1000);
  return clock;
}

test('KMS signs bundles with RSASSA_PKCS1_V1_5_SHA_256 and ECDSA_SHA_256, and the module verifies both', () => {
  assert.deepEqual(
    trustedKeys.keys.map((k) => [k.kty, k.alg]),
    [
      ['RSA', 'RS256'],
      ['EC', 'ES256'],
    ],
  );
  for (const kms of ['rsa', 'ec']) {
    const text = signedBundle({ revision: 1, kms });
    const signature = JSON.parse(text).signature;
    const header = JSON.parse(Buffer.from(signature.split('.')[0], 'base64url'));
    assert.equal(header.typ, 'cedar-authorizer-bundle+jws');
    // ECDSA signatures as JWS has them: r || s, 64 bytes for P-256 (KMS returns DER).
    if (kms === 'ec') assert.equal(Buffer.from(signature.split('.')[2], 'base64url').length, 64);
    const authorizer = Authorizer.loadSync(text, { jwks, trustedKeys, requireSignature: true });
    assert.equal(authorizer.status().revision, 1);
  }
});

test('an S3 source: loaded, checked with If-None-Match (304), swapped on a new revision, and never rolled back', async () => {
  const first = signedBundle({ revision: 1 });
  await put(first);
  const clock = testClock();
  const lines = [];
  const authorizer = await Authorizer.load(
    { s3: { bucket: BUCKET, key: KEY, client: s3 } },
    { jwks, trustedKeys, clock, random: () => 0.5, logger: (l) => lines.push(JSON.parse(l)) },
  );
  let status = authorizer.status();
  assert.equal(status.kind, 's3');
  assert.equal(status.source, `s3://${BUCKET}/${KEY}`);
  assert.equal(status.revision, 1);
  assert.match(status.etag, /^"[0-9a-f]+"$/);
  assert.equal((await authorizer.isAuthorizedWithToken(riderRequest())).decision, 'ALLOW');

  // Nothing new: S3 answers 304 to the ETag.
  clock.advance(61);
  assert.deepEqual(await authorizer.refresh(), { outcome: 'unchanged' });
  assert.equal(authorizer.status().lastCheck.how, 'not-modified');

  // A revoked permission, signed with the other KMS key at a new revision.
  await put(signedBundle({ revoked: true, revision: 2, kms: 'ec' }));
  clock.advance(61);
  assert.equal((await authorizer.refresh()).outcome, 'changed');
  status = authorizer.status();
  assert.equal(status.revision, 2);
  assert.equal((await authorizer.isAuthorizedWithToken(riderRequest())).decision, 'DENY');

  // The old object put back (a replay): refused, the revoked permission stays revoked.
  await put(first);
  clock.advance(61);
  const replay = await authorizer.refresh();
  assert.deepEqual(replay, { outcome: 'failed', code: 'bundle.rollback' });
  assert.equal((await authorizer.isAuthorizedWithToken(riderRequest())).decision, 'DENY');
  assert.equal(lines.filter((l) => l.code === 'bundle.rollback').length, 1);

  // The object deleted: source.not_found, the bundle in place kept.
  await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: KEY }));
  clock.advance(121);
  assert.deepEqual(await authorizer.refresh(), { outcome: 'failed', code: 'source.not_found' });
  assert.equal(authorizer.status().revision, 2);
  assert.equal(authorizer.status().consecutiveFailures, 2);
});

test('an S3 object over the size limit is refused before its body is read; the SDK client of the spec form works too', async () => {
  await put(signedBundle({ revision: 5 }));
  await assert.rejects(
    Authorizer.load({ s3: { bucket: BUCKET, key: KEY, client: s3 } }, { jwks, trustedKeys, maxBundleBytes: 1000 }),
    (e) => e instanceof AuthorizerLoadError && e.code === 'source.too_large',
  );
  const saved = { ...process.env };
  Object.assign(process.env, { AWS_ACCESS_KEY_ID: 'testing', AWS_SECRET_ACCESS_KEY: 'testing' });
  try {
    const authorizer = await Authorizer.load(
      { s3: { bucket: BUCKET, key: KEY, region: REGION, endpoint, forcePathStyle: true } },
      { jwks, trustedKeys },
    );
    assert.equal(authorizer.status().revision, 5);
    await assert.rejects(
      Authorizer.load(
        { s3: { bucket: 'no-such-bucket', key: KEY, region: REGION, endpoint, forcePathStyle: true } },
        { jwks, trustedKeys },
      ),
      (e) => e instanceof AuthorizerLoadError && e.code === 'source.not_found',
    );
  } finally {
    process.env = saved;
  }
});

test('a REST authorizer on an S3 source with the zip bundle as fallback: the revoked permission is denied through its cache', async () => {
  await put(signedBundle({ revision: 10 }));
  const fallback = path.join(dir, 'zip-bundle.json');
  fs.writeFileSync(fallback, signedBundle({ revision: 9 }));
  const clock = testClock();
  const handler = createRestApiAuthorizer({
    bundle: { s3: { bucket: BUCKET, key: KEY, client: s3 } },
    fallback,
    trustedKeys,
    jwks,
    fetchKeys: false,
    clock,
    logger: false,
  });
  const event = {
    type: 'TOKEN',
    authorizationToken: `Bearer ${riderToken}`,
    methodArn: 'arn:aws:execute-api:us-east-1:123456789012:api/prod/GET/riders',
  };
  assert.equal(handler.authorizer.status().origin, 'fallback');
  assert.equal((await handler(event)).policyDocument.Statement[0].Effect, 'Allow');
  await handler.authorizer.refresh();
  assert.equal(handler.authorizer.status().revision, 10);
  assert.equal((await handler(event)).policyDocument.Statement[0].Effect, 'Allow', 'cached');
  await put(signedBundle({ revoked: true, revision: 11 }));
  clock.advance(61);
  await handler(event);
  await handler.authorizer.refresh();
  assert.equal(handler.authorizer.status().revision, 11);
  assert.equal((await handler(event)).policyDocument.Statement[0].Effect, 'Deny');
});
