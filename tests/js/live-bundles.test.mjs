// Live bundles: an authorizer that reads its bundle from an HTTPS URL (a loopback server with the test
// certificate in tests/fixtures/tls) checks it again on a call once the interval has passed, with
// If-None-Match; swaps in a new signed revision whole; and keeps the last good bundle through every kind of
// failure, each with its code in status(). The clock is the test's: nothing waits for an interval to pass.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import { createRequire } from 'node:module';
import { Authorizer, AuthorizerLoadError, readStoreFolder, buildBundle, compileBundle, bundleText } from 'cedar-authorizer';
import { createRestApiAuthorizer, createHttpApiAuthorizer, createEdgeViewerRequestHandler } from 'cedar-authorizer/aws';
import { root, store, NOW, COGNITO_ISSUER, signingKey, mint, idClaims } from './helpers.mjs';

const require = createRequire(import.meta.url);
const signing = require(path.join(path.dirname(require.resolve('cedar-authorizer/package.json')), 'lib/signing/index.cjs'));

const tls = path.join(root, 'tests/fixtures/tls');
const ca = fs.readFileSync(path.join(tls, 'cert.pem'));
const signer = signing.pemSigner(
  fs.readFileSync(path.join(root, '../shared/corpora/jose/keats-jsonwebtoken-test-keys/ecdsa/private_ecdsa_key.pem')),
);
const otherSigner = signing.pemSigner(
  fs.readFileSync(path.join(root, '../shared/corpora/jose/keats-jsonwebtoken-test-keys/rsa/private_rsa_key_pkcs8.pem')),
);
const trustedKeys = { keys: [await signer.publicJwk()] };

const idp = signingKey('live-1', 'ec');
const jwks = { [COGNITO_ISSUER]: { keys: [idp.jwk] } };
const token = (sub, groups) => mint(idp, idClaims(sub, groups));

/** The rides store's files, with the Riders' policy removed when `revoked`. */
function ridesFiles({ revoked = false } = {}) {
  const files = readStoreFolder(store('rides'));
  if (revoked) files['rides.cedar'] = files['rides.cedar'].replace(/@id\("riders-rider-routes"\)[\s\S]*?\);\n/, '');
  return files;
}

/** A compiled bundle's text, signed at `revision` by `by` (unsigned when `revision` is undefined). */
async function bundleOf({ revoked = false, revision, by = signer } = {}) {
  const built = buildBundle(ridesFiles({ revoked }));
  assert.ok(built.bundle, JSON.stringify(built.diagnostics));
  const compiled = compileBundle(built.bundle);
  const text = bundleText(compiled, { pretty: true });
  if (revision === undefined) return { text, hash: compiled.hash };
  const signature = await signing.signatureFor(by, { hash: compiled.hash, revision, signedAt: NOW });
  return { text: signing.withSignature(text, signature), hash: compiled.hash };
}

/**
 * A bundle server on loopback HTTPS whose answers the test sets: `state.body` with an ETag of its SHA-256,
 * 304 for a matching If-None-Match, or a fault (`state.fault`).
 */
async function bundleServer(body) {
  const state = { body, etag: undefined, fault: undefined, requests: [], delayMs: 0, dropped: 0 };
  const etagOf = (text) =>
    `"${Buffer.from(text).length}-${require('node:crypto').createHash('sha256').update(text).digest('hex').slice(0, 16)}"`;
  const server = https.createServer({ key: fs.readFileSync(path.join(tls, 'key.pem')), cert: ca }, (req, res) => {
    state.requests.push({ ifNoneMatch: req.headers['if-none-match'] });
    const fault = state.fault;
    // A kept-alive connection the server has forgotten (as after a client was frozen for long): the request
    // that reuses it meets a reset, once.
    const reused = req.socket.servedBefore === true;
    req.socket.servedBefore = true;
    if (fault === 'drop-reused' && reused) {
      state.fault = undefined;
      state.dropped += 1;
      return req.socket.destroy();
    }
    if (fault === 'hang') return; // never answers
    if (fault === 'reset') return req.socket.destroy();
    if (typeof fault === 'number') return res.writeHead(fault).end('no');
    const text = fault === 'corrupt' ? '{"format": "cedar-authorizer/compiled-bundle", "hash": ' : state.body;
    const etag = state.etag ?? etagOf(text);
    if (req.headers['if-none-match'] === etag && fault === undefined) return res.writeHead(304, { etag }).end();
    if (fault === 'truncated') {
      res.writeHead(200, { etag, 'content-length': Buffer.byteLength(text) });
      res.write(text.slice(0, 100));
      setTimeout(() => res.socket.destroy(), 20);
      return;
    }
    if (fault === 'huge-chunked') {
      res.writeHead(200, { etag });
      const chunk = 'x'.repeat(64 * 1024);
      let sent = 0;
      const more = () => {
        if (res.destroyed || sent > 64) return;
        sent += 1;
        res.write(chunk, more);
      };
      return more();
    }
    res.writeHead(200, { etag, 'content-type': 'application/json' }).end(text);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `https://127.0.0.1:${server.address().port}/bundle.json`;
  return {
    state,
    url,
    close: () => {
      server.closeAllConnections();
      return new Promise((r) => server.close(r));
    },
  };
}

/** JSON with object keys sorted and no whitespace, as bundle hashes are taken. */
const canonical = (v) =>
  Array.isArray(v)
    ? `[${v.map(canonical).join(',')}]`
    : v && typeof v === 'object'
      ? `{${Object.keys(v)
          .sort()
          .map((k) => `${JSON.stringify(k)}:${canonical(v[k])}`)
          .join(',')}}`
      : JSON.stringify(v);

/** A clock the test moves. */
function testClock(start = NOW * 1000) {
  let now = start;
  const clock = () => now;
  clock.advance = (seconds) => {
    now += seconds * 1000;
  };
  return clock;
}

const riderRequest = (sub = 'rider-1') => ({
  identityToken: token(sub, ['Riders']),
  action: { actionType: 'Rides::Action', actionId: 'get /riders' },
  resource: { entityType: 'Rides::Application', entityId: 'Rides' },
});

/** Lines an authorizer logs, parsed. */
function logger() {
  const lines = [];
  const log = (line) => lines.push(JSON.parse(line));
  log.lines = lines;
  return log;
}

async function liveAuthorizer(server, options = {}) {
  const clock = options.clock ?? testClock();
  const log = logger();
  const authorizer = await Authorizer.load(
    { url: server.url, ca },
    { jwks, trustedKeys, clock, random: () => 0.5, logger: log, decisionCache: false, ...options },
  );
  return { authorizer, clock, log };
}

test('a signed bundle at an HTTPS URL loads, and status() says where it came from', async () => {
  const first = await bundleOf({ revision: 1 });
  const server = await bundleServer(first.text);
  try {
    const { authorizer } = await liveAuthorizer(server);
    assert.equal(authorizer.hash, first.hash);
    assert.equal((await authorizer.isAuthorizedWithToken(riderRequest())).decision, 'ALLOW');
    const status = authorizer.status();
    assert.equal(status.source, server.url);
    assert.equal(status.kind, 'https');
    assert.equal(status.origin, 'source');
    assert.equal(status.revision, 1);
    assert.equal(status.hash, first.hash);
    assert.equal(status.module, 'runtime');
    assert.equal(status.consecutiveFailures, 0);
    assert.equal(status.lastCheck.outcome, 'changed');
    assert.equal(status.lastError, null);
    assert.equal(status.stale, false);
    assert.equal(status.nextCheckAt, new Date(NOW * 1000 + 60_000).toISOString(), 'the default interval, 60 s, jittered around its middle');
  } finally {
    await server.close();
  }
});

test('a check waits for the interval, asks with If-None-Match, and a 304 or the same body rebuilds nothing', async () => {
  const server = await bundleServer((await bundleOf({ revision: 1 })).text);
  try {
    const { authorizer, clock } = await liveAuthorizer(server, { refreshSeconds: 30 });
    assert.equal(server.state.requests.length, 1);
    clock.advance(29);
    await authorizer.isAuthorizedWithToken(riderRequest());
    assert.equal(server.state.requests.length, 1, 'not within the interval');
    clock.advance(2);
    await authorizer.isAuthorizedWithToken(riderRequest());
    assert.equal(server.state.requests.length, 2, 'one check once it passed');
    assert.ok(server.state.requests[1].ifNoneMatch, 'conditional');
    await authorizer.refresh();
    assert.equal(authorizer.status().lastCheck.outcome, 'unchanged');
    // The same bytes under a new ETag: read, found equal by SHA-256, not rebuilt.
    server.state.etag = '"another"';
    clock.advance(31);
    assert.equal((await authorizer.refresh()).outcome, 'unchanged');
    assert.equal(authorizer.status().swaps, 0);
    assert.equal(authorizer.status().etag, '"another"');
  } finally {
    await server.close();
  }
});

test('a revoked permission stops allowing within one interval, and the decision that finds the interval passed does not wait for the build', async () => {
  const server = await bundleServer((await bundleOf({ revision: 1 })).text);
  try {
    const { authorizer, clock, log } = await liveAuthorizer(server, { decisionCache: undefined });
    assert.equal((await authorizer.isAuthorizedWithToken(riderRequest())).decision, 'ALLOW');
    const revoked = await bundleOf({ revoked: true, revision: 2 });
    server.state.body = revoked.text;
    clock.advance(61);
    // The call that starts the check decides on the bundle in place (its answer came from the cache or
    // the old bundle); the new one is in place as soon as the check settles, before the next call.
    await authorizer.isAuthorizedWithToken(riderRequest());
    await authorizer.refresh();
    assert.equal(authorizer.hash, revoked.hash);
    assert.equal(authorizer.status().revision, 2);
    const after = await authorizer.isAuthorizedWithToken(riderRequest());
    assert.equal(after.decision, 'DENY', 'no cached answer of the old bundle');
    const refreshed = log.lines.find((l) => l.message === 'bundle refreshed');
    assert.equal(refreshed.bundleRevision, 2);
    assert.equal(refreshed.previousRevision, 1);
  } finally {
    await server.close();
  }
});

/** Timers made with the global setTimeout from now on that have neither fired nor been cleared. */
function watchTimers() {
  const pending = new Set();
  const [realSet, realClear] = [globalThis.setTimeout, globalThis.clearTimeout];
  globalThis.setTimeout = (fn, ms, ...args) => {
    const timer = realSet(() => {
      pending.delete(timer);
      fn(...args);
    }, ms);
    pending.add(timer);
    return timer;
  };
  globalThis.clearTimeout = (timer) => {
    pending.delete(timer);
    realClear(timer);
  };
  return {
    pending,
    restore: () => Object.assign(globalThis, { setTimeout: realSet, clearTimeout: realClear }),
  };
}

test("Lambda's freeze: no timer is left after a call, time frozen away is seen by the next call, and a kept-alive connection dropped meanwhile is retried", async () => {
  const server = await bundleServer((await bundleOf({ revision: 1 })).text);
  const timers = watchTimers();
  try {
    const { authorizer, clock } = await liveAuthorizer(server, { decisionCache: undefined });
    await authorizer.isAuthorizedWithToken(riderRequest());
    // A call that finds the interval passed makes the check; once it has returned and the event loop has
    // turned once, nothing of the check is left to run while the process is frozen.
    clock.advance(61);
    await authorizer.isAuthorizedWithToken(riderRequest());
    await new Promise((r) => setImmediate(r));
    assert.equal(authorizer.status().checks, 2);
    assert.equal(timers.pending.size, 0, 'a timer was left to fire while frozen');
    // Frozen for an hour: the source gained a revision and its server dropped the kept-alive connection,
    // which a frozen process cannot see. Nothing ran meanwhile; the first call after the thaw checks.
    const revoked = await bundleOf({ revoked: true, revision: 2 });
    server.state.body = revoked.text;
    server.state.fault = 'drop-reused';
    clock.advance(3600);
    assert.equal(authorizer.status().checks, 2);
    await authorizer.isAuthorizedWithToken(riderRequest());
    await new Promise((r) => setImmediate(r));
    assert.equal(server.state.dropped, 1, 'the request met the dropped connection');
    const status = authorizer.status();
    assert.equal(status.revision, 2, JSON.stringify(status));
    assert.equal(status.consecutiveFailures, 0, 'sent again on a new connection, not counted as a failure');
    assert.equal((await authorizer.isAuthorizedWithToken(riderRequest())).decision, 'DENY');
    assert.equal(timers.pending.size, 0);
  } finally {
    timers.restore();
    await server.close();
  }
});

test('a caller deciding in a loop that never lets the event loop turn gets the new bundle on the call after the check', async () => {
  const server = await bundleServer((await bundleOf({ revision: 1 })).text);
  const realSetImmediate = globalThis.setImmediate;
  try {
    const { authorizer, clock } = await liveAuthorizer(server, { refreshSeconds: 15, decisionCache: undefined });
    const request = riderRequest();
    assert.equal((await authorizer.isAuthorizedWithToken(request)).decision, 'ALLOW');
    server.state.body = (await bundleOf({ revoked: true, revision: 2 })).text;
    clock.advance(16);
    // A loop of decisions answered from the answer cache is promises only: the event loop's next turn, where
    // the new bundle would be built, never comes while it runs. Here it never comes at all.
    globalThis.setImmediate = () => undefined;
    const decisions = [];
    for (let i = 0; i < 3; i += 1) decisions.push((await authorizer.isAuthorizedWithToken(request)).decision);
    assert.deepEqual(decisions, ['ALLOW', 'DENY', 'DENY'], 'the call that checks decides on the old bundle, the next on the new');
    assert.equal(authorizer.status().revision, 2);
  } finally {
    globalThis.setImmediate = realSetImmediate;
    await server.close();
  }
});

/** Every failure keeps the last good bundle deciding, with its code in status() and one log line. */
const faults = [
  ['source down', 'source.unavailable', (s) => (s.state.fault = 'reset')],
  ['a timeout', 'source.timeout', (s) => (s.state.fault = 'hang')],
  ['403', 'source.denied', (s) => (s.state.fault = 403)],
  ['404', 'source.not_found', (s) => (s.state.fault = 404)],
  ['429', 'source.throttled', (s) => (s.state.fault = 429)],
  ['500', 'source.unavailable', (s) => (s.state.fault = 500)],
  ['a truncated body', 'source.truncated', (s) => (s.state.fault = 'truncated')],
  ['a corrupt body', 'bundle.invalid', (s) => (s.state.fault = 'corrupt')],
  ['a body over the size limit, announced', 'source.too_large', async (s) => (s.state.body = 'x'.repeat(300_000))],
  ['a body over the size limit, streamed', 'source.too_large', (s) => (s.state.fault = 'huge-chunked')],
  [
    'a changed content under the old hash',
    'bundle.hash_mismatch',
    async (s) => {
      s.state.body = (await bundleOf({ revision: 5 })).text.replace('riders-rider-routes', 'riders-rider-routez');
    },
  ],
  ['an unsigned bundle', 'bundle.unsigned', async (s) => (s.state.body = (await bundleOf({ revoked: true })).text)],
  [
    'a bundle signed by an untrusted key',
    'bundle.bad_signature',
    async (s) => (s.state.body = (await bundleOf({ revoked: true, revision: 5, by: otherSigner })).text),
  ],
  [
    'a signature for another bundle',
    'bundle.bad_signature',
    async (s) => {
      const other = await bundleOf({ revision: 5 });
      const revoked = await bundleOf({ revoked: true });
      s.state.body = signing.withSignature(revoked.text, JSON.parse(other.text).signature);
    },
  ],
  ['an older revision (a replay)', 'bundle.rollback', async (s) => (s.state.body = (await bundleOf({ revoked: true, revision: 1 })).text)],
  [
    'the running revision with other content',
    'bundle.rollback',
    async (s) => (s.state.body = (await bundleOf({ revoked: true, revision: 3 })).text),
  ],
  [
    'a bundle that does not load',
    'bundle.invalid',
    async (s) => {
      // Content that does not load under a hash that is right for it (the module's rule: SHA-256 of the
      // canonical JSON without `hash`), signed: only loading it finds the fault.
      const { hash: _old, signature: _signature, ...doc } = JSON.parse((await bundleOf({})).text);
      doc.policySet = { staticPolicies: { broken: { effect: 'permit' } }, templates: {}, templateLinks: [] };
      const hash = `sha256:${require('node:crypto').createHash('sha256').update(canonical(doc)).digest('hex')}`;
      const signature = await signing.signatureFor(signer, { hash, revision: 8, signedAt: NOW });
      s.state.body = JSON.stringify({ signature, ...doc, hash });
    },
  ],
  [
    'a bundle without routes, which a handler needs',
    'config.invalid',
    async (s) => {
      const files = ridesFiles();
      const config = JSON.parse(files['authorizer.json']);
      delete config.routes;
      files['authorizer.json'] = JSON.stringify(config);
      const compiled = compileBundle(buildBundle(files).bundle);
      const signature = await signing.signatureFor(signer, { hash: compiled.hash, revision: 9, signedAt: NOW });
      s.state.body = signing.withSignature(bundleText(compiled), signature);
    },
    { handler: true },
  ],
];

for (const [name, expected, inject, { handler = false } = {}] of faults) {
  test(`a refresh that meets ${name} keeps the last good bundle (${expected})`, async () => {
    const good = await bundleOf({ revision: 3 });
    const server = await bundleServer(good.text);
    try {
      const { authorizer, clock, log } = await liveAuthorizer(server, { refreshTimeoutMs: 300, maxBundleBytes: 200_000 });
      if (handler) createRestApiAuthorizer({ authorizer, logger: false });
      await inject(server);
      const code = expected;
      clock.advance(61);
      const outcome = await authorizer.refresh();
      assert.equal(outcome.outcome, 'failed');
      assert.equal(outcome.code, code);
      const status = authorizer.status();
      assert.equal(status.lastError.code, code, status.lastError.message);
      assert.equal(status.consecutiveFailures, 1);
      assert.equal(status.hash, good.hash);
      assert.equal(authorizer.hash, good.hash);
      assert.equal((await authorizer.isAuthorizedWithToken(riderRequest())).decision, 'ALLOW', 'the last good bundle decides');
      const failures = log.lines.filter((l) => l.message === 'bundle refresh failed');
      assert.equal(failures.length, 1);
      assert.equal(failures[0].code, code);
      assert.equal(failures[0].bundleRevision, 3);
      // Backed off: the next check is two intervals away, then four.
      assert.equal(status.nextCheckAt, new Date(NOW * 1000 + 61_000 + 60_000).toISOString());
      clock.advance(61);
      await authorizer.refresh();
      assert.equal(authorizer.status().consecutiveFailures, 2);
      assert.equal(authorizer.status().nextCheckAt, new Date(NOW * 1000 + 122_000 + 120_000).toISOString());
      // The source mends: the next check clears the failure count.
      server.state.fault = undefined;
      server.state.body = good.text;
      clock.advance(121);
      const mended = await authorizer.refresh();
      assert.notEqual(mended.outcome, 'failed', JSON.stringify(authorizer.status().lastError));
      assert.equal(authorizer.status().consecutiveFailures, 0);
    } finally {
      await server.close();
    }
  });
}

test('a first load that fails throws AuthorizerLoadError with the code, unless there is a fallback to start from', async () => {
  const server = await bundleServer((await bundleOf({})).text);
  try {
    await assert.rejects(
      Authorizer.load({ url: server.url, ca }, { jwks, trustedKeys }),
      (e) => e instanceof AuthorizerLoadError && e.code === 'bundle.unsigned',
    );
    server.state.fault = 403;
    await assert.rejects(
      Authorizer.load({ url: server.url, ca }, { jwks, trustedKeys }),
      (e) => e instanceof AuthorizerLoadError && e.code === 'source.denied',
    );
    // The zip's own bundle: loaded, the floor, and the failure shown.
    const fallback = (await bundleOf({ revision: 4 })).text;
    const log = logger();
    const authorizer = await Authorizer.load({ url: server.url, ca }, { jwks, trustedKeys, fallback, logger: log });
    assert.equal(authorizer.status().origin, 'fallback');
    assert.equal(authorizer.status().revision, 4);
    assert.equal(authorizer.status().lastError.code, 'source.denied');
    // The fallback is the floor: an older signed bundle from the source is refused.
    server.state.fault = undefined;
    server.state.body = (await bundleOf({ revoked: true, revision: 3 })).text;
    const clock = testClock();
    const again = await Authorizer.load({ url: server.url, ca }, { jwks, trustedKeys, fallback, clock, logger: log });
    assert.equal(again.status().lastError.code, 'bundle.rollback');
    assert.equal((await again.isAuthorizedWithToken(riderRequest())).decision, 'ALLOW');
  } finally {
    await server.close();
  }
});

test('start-up refuses an HTTPS source without trusted keys, plain HTTP, and a live source without await or fallback', async () => {
  const server = await bundleServer((await bundleOf({ revision: 1 })).text);
  try {
    await assert.rejects(
      Authorizer.load({ url: server.url, ca }, { jwks }),
      (e) => e.code === 'config.invalid' && /trustedKeys/.test(e.message),
    );
    await assert.rejects(Authorizer.load('http://127.0.0.1:1/bundle.json', { jwks }), (e) => e.code === 'source.invalid');
    assert.throws(
      () => Authorizer.loadSync(server.url, { jwks, trustedKeys }),
      (e) => e.code === 'config.invalid' && /fallback/.test(e.message),
    );
    await assert.rejects(Authorizer.load({ url: server.url, ca }, { jwks, trustedKeys: { keys: [] } }), (e) => e.code === 'config.invalid');
    await assert.rejects(Authorizer.load('s3://bucket-only', { jwks }), (e) => e.code === 'source.invalid');
    // Unsigned over HTTPS only when asked for in so many words.
    const unsigned = await bundleServer((await bundleOf({})).text);
    try {
      const authorizer = await Authorizer.load({ url: unsigned.url, ca }, { jwks, allowUnsigned: true });
      assert.equal(authorizer.status().revision, null);
    } finally {
      await unsigned.close();
    }
    // A certificate that is not trusted is refused (no `ca`: the test certificate is trusted nowhere).
    await assert.rejects(Authorizer.load(server.url, { jwks, trustedKeys }), (e) => e.code === 'source.unavailable');
  } finally {
    await server.close();
  }
});

test('past maxStaleSeconds without a successful check every decision is DENY bundle.stale, until a check succeeds', async () => {
  const server = await bundleServer((await bundleOf({ revision: 1 })).text);
  try {
    const { authorizer, clock } = await liveAuthorizer(server, { maxStaleSeconds: 300, decisionCache: undefined });
    assert.equal((await authorizer.isAuthorizedWithToken(riderRequest())).decision, 'ALLOW');
    server.state.fault = 500;
    clock.advance(301);
    const stale = await authorizer.isAuthorizedWithToken(riderRequest());
    assert.equal(stale.decision, 'DENY');
    assert.equal(stale.errors[0].code, 'bundle.stale');
    assert.equal(
      authorizer.isAuthorized({
        ...riderRequest(),
        identityToken: undefined,
        principal: { entityType: 'Rides::CognitoUser', entityId: 'x' },
      }).errors[0].code,
      'bundle.stale',
    );
    assert.equal(authorizer.status().stale, true);
    // The check that call started settles (a failure); the source then mends.
    assert.equal((await authorizer.refresh()).outcome, 'failed');
    server.state.fault = undefined;
    clock.advance(600);
    await authorizer.refresh();
    const mended = await authorizer.isAuthorizedWithToken(riderRequest());
    assert.equal(mended.decision, 'ALLOW', JSON.stringify({ mended, status: authorizer.status() }));
  } finally {
    await server.close();
  }
});

test('decisions running through a swap each match exactly the old or the new bundle', async () => {
  const server = await bundleServer((await bundleOf({ revision: 1 })).text);
  try {
    const { authorizer, clock } = await liveAuthorizer(server, { decisionCache: undefined });
    const lines = [];
    const handler = createRestApiAuthorizer({ authorizer, logger: (l) => lines.push(JSON.parse(l)) });
    const old = authorizer.hash;
    const revoked = await bundleOf({ revoked: true, revision: 2 });
    server.state.body = revoked.text;
    clock.advance(61);
    // Fourteen users, riders and trainers, asking for both routes: riders may read riders only while their
    // policy stands; trainers read trainers under both bundles.
    const tokens = Array.from({ length: 14 }, (_, n) => token(`${n % 2 ? 'trainer' : 'rider'}-${n}`, [n % 2 ? 'Trainers' : 'Riders']));
    const event = (i) => ({
      type: 'TOKEN',
      authorizationToken: `Bearer ${tokens[i % 14]}`,
      methodArn: `arn:aws:execute-api:us-east-1:123456789012:api123/prod/GET/${i % 3 ? 'riders' : 'trainers'}`,
    });
    const expected = (line) => {
      const trainer = line.principal.includes('|trainer-');
      if (line.route === 'GET /trainers') return trainer ? 'ALLOW' : 'DENY';
      return !trainer && line.bundleHash === old ? 'ALLOW' : 'DENY';
    };
    // Waves of 100 concurrent requests; the refresh starts after the fifth and lands while later waves are
    // in flight; waves go on until 3,000 requests have run and ten waves came after the swap.
    let i = 0;
    let swapped;
    let after = 0;
    const wave = () =>
      Promise.all(
        Array.from({ length: 100 }, async () => {
          const n = i++;
          if (n % 5 === 0) await new Promise((r) => setImmediate(r));
          return handler(event(n));
        }),
      );
    for (let w = 0; i < 3000 || after < 10; w += 1) {
      if (w === 5) swapped = authorizer.refresh().then(() => (swapped = true));
      await wave();
      if (swapped === true) after += 1;
    }
    await swapped;
    assert.equal(authorizer.hash, revoked.hash);
    const decisions = lines.filter((l) => l.message === 'authorization decision');
    assert.equal(decisions.length, i);
    assert.ok(i >= 3000);
    const byBundle = { [old]: 0, [revoked.hash]: 0 };
    for (const line of decisions) {
      assert.ok(line.bundleHash === old || line.bundleHash === revoked.hash, JSON.stringify(line));
      assert.equal(line.decision, expected(line), JSON.stringify(line));
      byBundle[line.bundleHash] += 1;
    }
    assert.ok(byBundle[old] > 0 && byBundle[revoked.hash] > 0, JSON.stringify(byBundle));
    assert.ok(
      decisions.some((l) => l.cacheHit && l.bundleHash === revoked.hash),
      "answers cached after the swap are the new bundle's",
    );
  } finally {
    await server.close();
  }
});

test('every handler takes a live source with the zip bundle as fallback; the decision log names the bundle', async () => {
  const first = await bundleOf({ revision: 1 });
  const server = await bundleServer(first.text);
  const dir = fs.mkdtempSync(path.join(root, 'build/live-'));
  const fallback = path.join(dir, 'bundle.json');
  fs.writeFileSync(fallback, first.text);
  try {
    const clock = testClock();
    const lines = [];
    const common = {
      bundle: { url: server.url, ca },
      fallback,
      trustedKeys,
      jwks,
      fetchKeys: false,
      clock,
      random: () => 0.5,
      logger: (l) => lines.push(JSON.parse(l)),
    };
    const rest = createRestApiAuthorizer(common);
    const httpApi = createHttpApiAuthorizer({ ...common, responseType: 'simple' });
    const edge = createEdgeViewerRequestHandler({ ...common, principalHeader: 'x-principal' });
    const riderToken = token('rider-9', ['Riders']);
    const restEvent = {
      type: 'TOKEN',
      authorizationToken: `Bearer ${riderToken}`,
      methodArn: 'arn:aws:execute-api:us-east-1:123456789012:api123/prod/GET/riders',
    };
    const httpEvent = {
      version: '2.0',
      type: 'REQUEST',
      routeKey: 'GET /riders',
      rawPath: '/riders',
      identitySource: [riderToken],
      headers: {},
      requestContext: { http: { method: 'GET', path: '/riders', sourceIp: '203.0.113.1' } },
    };
    const edgeEvent = {
      Records: [
        {
          cf: {
            config: { requestId: 'r1' },
            request: {
              method: 'GET',
              uri: '/riders',
              querystring: '',
              headers: { authorization: [{ key: 'Authorization', value: `Bearer ${riderToken}` }] },
            },
          },
        },
      ],
    };
    const allowed = async () => [
      (await rest(restEvent)).policyDocument.Statement[0].Effect,
      (await httpApi(httpEvent)).isAuthorized,
      (await edge(edgeEvent)).status === undefined,
    ];
    assert.deepEqual(await allowed(), ['Allow', true, true]);
    const decisions = lines.filter((l) => l.message === 'authorization decision');
    assert.ok(decisions.length >= 3);
    for (const line of decisions) assert.equal(line.bundleRevision, 1);
    // The policy is revoked at the source: each handler (and its cache) denies within one interval.
    const revoked = await bundleOf({ revoked: true, revision: 2 });
    server.state.body = revoked.text;
    clock.advance(61);
    // The calls that find the interval passed start each handler's check and decide on the bundle in place.
    await allowed();
    await Promise.all([rest, httpApi, edge].map((h) => h.authorizer.refresh()));
    for (const h of [rest, httpApi, edge]) assert.equal(h.authorizer.status().revision, 2);
    assert.deepEqual(await allowed(), ['Deny', false, false]);
    const last = lines.filter((l) => l.message === 'authorization decision').at(-1);
    assert.equal(last.bundleRevision, 2);
    assert.equal(last.bundleHash, revoked.hash);
  } finally {
    await server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('sign, verify and public-key through the CLI: the signed file loads under the printed keys', async () => {
  const { spawnSync } = await import('node:child_process');
  const bin = path.join(root, 'node_modules/.bin/cedar-authorizer');
  const dir = fs.mkdtempSync(path.join(root, 'build/sign-'));
  try {
    const file = path.join(dir, 'bundle.json');
    const keys = path.join(dir, 'trusted.json');
    const key = path.join(root, '../shared/corpora/jose/keats-jsonwebtoken-test-keys/rsa/private_rsa_key_pkcs8.pem');
    fs.writeFileSync(file, (await bundleOf({})).text);
    const run = (...args) => spawnSync(bin, args, { encoding: 'utf8', cwd: root });
    const printed = run('public-key', '--key', key);
    assert.equal(printed.status, 0, printed.stderr);
    fs.writeFileSync(keys, printed.stdout);
    assert.equal(JSON.parse(printed.stdout).keys[0].d, undefined, 'no private member');
    const refused = run('verify', file, '--trusted-keys', keys);
    assert.equal(refused.status, 1);
    assert.match(refused.stderr, /bundle\.unsigned/);
    const signed = run('sign', file, '--key', key, '--revision', '41');
    assert.equal(signed.status, 0, signed.stderr);
    assert.match(signed.stdout, /revision 41/);
    // Signing again replaces the signature rather than adding one.
    assert.equal(run('sign', file, '--key', key, '--revision', '42').status, 0);
    assert.equal((fs.readFileSync(file, 'utf8').match(/"signature"/g) ?? []).length, 1);
    const verified = run('verify', file, '--trusted-keys', keys, '--json');
    assert.equal(verified.status, 0, verified.stderr);
    assert.equal(JSON.parse(verified.stdout).revision, 42);
    const authorizer = Authorizer.loadSync(file, { trustedKeys: JSON.parse(printed.stdout), requireSignature: true, jwks });
    assert.equal(authorizer.status().revision, 42);
    // A key that did not sign it is refused; so is a bad revision.
    const other = path.join(dir, 'other.json');
    fs.writeFileSync(other, JSON.stringify({ keys: [await signer.publicJwk()] }));
    assert.match(run('verify', file, '--trusted-keys', other).stderr, /bundle\.bad_signature/);
    assert.equal(run('sign', file, '--key', key, '--revision', '-1').status, 2);
    assert.equal(run('sign', file).status, 2);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('the Verified Permissions endpoint over a live source: after a refresh, the SDK sees the new bundle decide and list', async () => {
  const { VerifiedPermissionsClient, IsAuthorizedWithTokenCommand, ListPoliciesCommand, GetPolicyStoreCommand } =
    await import('@aws-sdk/client-verifiedpermissions');
  const { createVerifiedPermissionsServer } = await import('cedar-authorizer');
  const first = await bundleOf({ revision: 1 });
  const server = await bundleServer(first.text);
  const clock = testClock();
  const authorizer = await Authorizer.load({ url: server.url, ca }, { jwks, trustedKeys, clock, logger: () => {}, refreshSeconds: 60 });
  const endpoint = createVerifiedPermissionsServer(authorizer, { policyStoreId: 'PSlive', port: 0, logger: false });
  const { url } = await endpoint.listen();
  try {
    const vp = new VerifiedPermissionsClient({
      endpoint: url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'a', secretAccessKey: 'b' },
      maxAttempts: 1,
    });
    const ask = () => vp.send(new IsAuthorizedWithTokenCommand({ policyStoreId: 'PSlive', ...riderRequest() }));
    const listed = async () =>
      (await vp.send(new ListPoliciesCommand({ policyStoreId: 'PSlive', maxResults: 50 }))).policies.map((p) => p.policyId);
    assert.equal((await ask()).decision, 'ALLOW');
    assert.ok((await listed()).includes('riders-rider-routes'));
    const revoked = await bundleOf({ revoked: true, revision: 2 });
    server.state.body = revoked.text;
    clock.advance(61);
    // The call that finds the interval passed starts the check and decides on the bundle in place; the
    // check is settled (however busy the machine) before the next call through the endpoint.
    await ask();
    await authorizer.refresh();
    assert.equal(authorizer.hash, revoked.hash);
    assert.equal((await ask()).decision, 'DENY', 'the revoked permission stops allowing through the endpoint');
    assert.ok(!(await listed()).includes('riders-rider-routes'), 'the read operations follow the bundle in place');
    assert.match((await vp.send(new GetPolicyStoreCommand({ policyStoreId: 'PSlive' }))).description, new RegExp(revoked.hash));
  } finally {
    await endpoint.close();
    await server.close();
  }
});
