// Operations: the decision record of every handler and every cache layer, redaction and sampling, a real
// Powertools Logger and Metrics given in, EMF lines valid against CloudWatch's specification schema, the
// Prometheus text, and status() and the health answer after key and bundle failures.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import Ajv from 'ajv';
import { AuthorizerLoadError } from 'cedar-authorizer';
import { createRestApiAuthorizer, createHttpApiAuthorizer, createEdgeViewerRequestHandler } from 'cedar-authorizer/aws';
import { root, store, signingKey, mint, idClaims, jwksServer, NOW, COGNITO_ISSUER } from './helpers.mjs';

const key = signingKey('ops-1');
const jwks = { [COGNITO_ISSUER]: { keys: [key.jwk] } };
const clock = () => NOW * 1000;
const rider = mint(key, idClaims('rider-1', ['Riders'], { jti: 'jti-rider-1' }));
const ARN = (path) => `arn:aws:execute-api:us-east-1:123456789012:api1/prod/GET${path}`;
const lambdaContext = (id) => ({ awsRequestId: id });

/** A logger that keeps what it is given: JSON lines parsed. */
function lines() {
  const kept = [];
  const log = (line) => kept.push(JSON.parse(line));
  log.kept = kept;
  return log;
}

const events = {
  'rest-token': (token, p) => [{ type: 'TOKEN', authorizationToken: `Bearer ${token}`, methodArn: ARN(p) }],
  'rest-request': (token, p) => [
    { type: 'REQUEST', methodArn: ARN(p), httpMethod: 'GET', path: p, resource: p, headers: { Authorization: `Bearer ${token}` } },
  ],
  'http-api-2.0': (token, p) => [
    {
      version: '2.0',
      type: 'REQUEST',
      routeArn: ARN(p),
      routeKey: `GET ${p}`,
      rawPath: p,
      rawQueryString: '',
      headers: { authorization: `Bearer ${token}` },
      requestContext: { http: { method: 'GET', path: p, sourceIp: '203.0.113.9' }, stage: '$default' },
    },
  ],
  'edge-viewer-request': (token, p) => [
    {
      Records: [
        {
          cf: {
            config: { distributionDomainName: 'd.cloudfront.net', eventType: 'viewer-request', requestId: `cf-${p}` },
            request: {
              clientIp: '203.0.113.9',
              method: 'GET',
              uri: p,
              querystring: '',
              headers: { authorization: [{ key: 'Authorization', value: `Bearer ${token}` }] },
            },
          },
        },
      ],
    },
  ],
};

function handlerOf(kind, options) {
  const common = { bundle: store('rides'), jwks, clock, ...options };
  if (kind.startsWith('rest')) return createRestApiAuthorizer(common);
  if (kind.startsWith('http')) return createHttpApiAuthorizer(common);
  return createEdgeViewerRequestHandler({ ...common, jwks: jwks[COGNITO_ISSUER], fetchKeys: false });
}

/** Calls a handler, as Lambda would, with a request id; a thrown `Unauthorized` is an answer too. */
async function call(kind, handler, token, p, id) {
  const [event] = events[kind](token, p);
  return handler(event, lambdaContext(id)).catch((e) => e.message);
}

test('every handler writes one record per decision with its fields, the request id, and the cache layer that answered', async () => {
  for (const kind of Object.keys(events)) {
    const log = lines();
    const handler = handlerOf(kind, { logger: log });
    await call(kind, handler, rider, '/riders', 'req-1'); // verified and evaluated
    await call(kind, handler, rider, '/trainers', 'req-2'); // the verified-token cache knows the token
    await call(kind, handler, rider, '/riders', 'req-3'); // the decision cache answers
    await call(kind, handler, 'not-a-token', '/riders', 'req-4');
    const [first, second, third, bad] = log.kept;
    assert.equal(log.kept.length, 4, `${kind}: ${JSON.stringify(log.kept)}`);
    const requestId = (n, p) => (kind === 'edge-viewer-request' ? `cf-${p}` : `req-${n}`);
    assert.deepEqual(
      { ...first, timestamp: undefined, micros: undefined },
      {
        timestamp: undefined,
        level: 'info',
        message: 'authorization decision',
        requestId: requestId(1, '/riders'),
        handler: kind,
        decision: 'ALLOW',
        authenticated: true,
        principal: 'Rides::CognitoUser::"us-east-1_DemoPool1|rider-1"',
        route: 'GET /riders',
        action: 'Rides::Action::"get /riders"',
        resource: 'Rides::Application::"Rides"',
        determiningPolicies: ['riders-rider-routes'],
        errors: [],
        cache: 'none',
        cacheHit: false,
        micros: undefined,
        bundleHash: first.bundleHash,
        bundleRevision: null,
        tokenId: 'jti-rider-1',
        subject: 'rider-1',
        // The client's address where the event has it (a TOKEN event does not).
        sourceIp: ['http-api-2.0', 'edge-viewer-request'].includes(kind) ? '203.0.113.9' : null,
      },
      kind,
    );
    assert.equal(first.timestamp, new Date(NOW * 1000).toISOString());
    assert.ok(Number.isInteger(first.micros) && first.micros >= 0);
    assert.match(first.bundleHash, /^sha256:[0-9a-f]{64}$/);
    assert.deepEqual([second.decision, second.cache, second.requestId], ['DENY', 'token', requestId(2, '/trainers')], kind);
    assert.equal(second.level, 'warn');
    assert.deepEqual([third.decision, third.cache, third.cacheHit], ['ALLOW', 'decision', true], kind);
    assert.deepEqual(
      [bad.decision, bad.authenticated, bad.errors, bad.tokenId, bad.subject],
      ['DENY', false, ['token.malformed'], null, null],
      kind,
    );
    // Never the token, in any record.
    assert.ok(!JSON.stringify(log.kept).includes(rider.split('.')[2]), 'a record holds the token');
    // No context or entities unless asked for.
    assert.ok(!('context' in first) && !('entities' in first));
  }
});

test('redact drops, masks or hashes fields; sampleAllows leaves ALLOWs out, never a DENY; bad settings fail at start-up', async () => {
  const log = lines();
  const picks = [0.9, 0.1];
  const handler = handlerOf('rest-token', {
    logger: log,
    decisionCache: false,
    redact: ['resource', { field: 'principal', as: 'hash' }, { field: 'subject', as: 'mask' }],
    sampleAllows: 0.5,
    random: () => picks.shift() ?? 0.9,
  });
  await call('rest-token', handler, rider, '/riders', 'a'); // 0.9: left out
  await call('rest-token', handler, rider, '/riders', 'b'); // 0.1: written
  await call('rest-token', handler, rider, '/trainers', 'c'); // a DENY: always
  assert.deepEqual(
    log.kept.map((r) => r.requestId),
    ['b', 'c'],
  );
  const [allowed, denied] = log.kept;
  assert.ok(!('resource' in allowed));
  assert.match(allowed.principal, /^sha256:[0-9a-f]{16}$/);
  assert.equal(allowed.principal, denied.principal, 'the same principal hashes the same');
  assert.equal(allowed.subject, '***');
  assert.throws(() => handlerOf('rest-token', { redact: ['decision'] }), AuthorizerLoadError);
  assert.throws(() => handlerOf('rest-token', { redact: ['nonsense'] }), /a decision record's fields are/);
  assert.throws(() => handlerOf('rest-token', { redact: [{ field: 'principal', as: 'rot13' }] }), /use drop, mask, hash/);
  assert.throws(() => handlerOf('rest-token', { sampleAllows: 2 }), /a share from 0 to 1/);
  assert.throws(() => handlerOf('rest-token', { logger: 'console' }), /options.logger is/);
});

test('logContext adds the context the policies saw', async () => {
  const log = lines();
  const handler = handlerOf('rest-token', { logger: log, logContext: true });
  await call('rest-token', handler, rider, '/riders', 'a');
  assert.ok('context' in log.kept[0]);
});

/**
 * The JSON lines `fn` writes to stdout and stderr (what Lambda sends to CloudWatch Logs). Anything else
 * written meanwhile (the test runner's own reports) goes on as it was.
 */
async function written(fn) {
  const out = [];
  const [stdout, stderr] = [process.stdout.write, process.stderr.write];
  const keeping = (original, stream) =>
    function keep(chunk, ...rest) {
      const text = typeof chunk === 'string' ? chunk : Buffer.isBuffer(chunk) ? chunk.toString('utf8') : '';
      const lines = text.split('\n').filter((l) => l.trim());
      if (lines.length > 0 && lines.every((l) => l.startsWith('{"'))) {
        out.push(...lines);
        return true;
      }
      return original.call(stream, chunk, ...rest);
    };
  process.stdout.write = keeping(stdout, process.stdout);
  process.stderr.write = keeping(stderr, process.stderr);
  try {
    await fn();
  } finally {
    process.stdout.write = stdout;
    process.stderr.write = stderr;
  }
  return out;
}

test('a Powertools Logger given as logger gets each record as structured keys, not a string', async () => {
  const logger = new Logger({ serviceName: 'rides-authorizer' });
  const handler = handlerOf('rest-token', { logger });
  const out = await written(async () => {
    await call('rest-token', handler, rider, '/riders', 'req-pt-1');
    await call('rest-token', handler, rider, '/trainers', 'req-pt-2');
  });
  const records = out.map((l) => JSON.parse(l)).filter((r) => r.message === 'authorization decision');
  assert.equal(records.length, 2, out.join('\n'));
  assert.deepEqual(
    records.map((r) => [r.level, r.service, r.requestId, r.decision, r.route, r.tokenId]),
    [
      ['INFO', 'rides-authorizer', 'req-pt-1', 'ALLOW', 'GET /riders', 'jti-rider-1'],
      ['WARN', 'rides-authorizer', 'req-pt-2', 'DENY', 'GET /trainers', 'jti-rider-1'],
    ],
  );
  assert.deepEqual(records[0].determiningPolicies, ['riders-rider-routes']);
});

// ---- metrics ---------------------------------------------------------------------------------------------

const emfSchema = JSON.parse(fs.readFileSync(path.join(root, 'tests/fixtures/emf/schema.json'), 'utf8'));
const validEmf = new Ajv({ strict: false, allErrors: true }).compile(emfSchema);

/**
 * A line valid under the specification: its JSON Schema, and the rules the schema cannot say (every
 * dimension and metric named is a member of the root, dimensions strings, metrics numbers or lists of them).
 */
function assertEmf(line) {
  const doc = JSON.parse(line);
  assert.ok(validEmf(doc), `${line}\n${JSON.stringify(validEmf.errors)}`);
  for (const directive of doc._aws.CloudWatchMetrics) {
    for (const set of directive.Dimensions) for (const d of set) assert.equal(typeof doc[d], 'string', `dimension ${d} in ${line}`);
    for (const m of directive.Metrics) {
      const v = doc[m.Name];
      assert.ok(typeof v === 'number' || (Array.isArray(v) && v.every((x) => typeof x === 'number')), `metric ${m.Name} in ${line}`);
    }
  }
  return doc;
}

test('metrics: true writes one EMF line per invocation (and one per denial code), valid against the specification', async () => {
  const emf = [];
  const handler = handlerOf('rest-token', { logger: false, metrics: true });
  handler.metrics; // exposed for Prometheus
  const out = await written(async () => {
    await call('rest-token', handler, rider, '/riders', 'a');
    await call('rest-token', handler, rider, '/trainers', 'b');
    await call('rest-token', handler, 'not-a-token', '/riders', 'c');
  });
  for (const line of out) emf.push(assertEmf(line));
  assert.equal(emf.length, 5, out.join('\n'));
  const [allow, deny, denial, bad, badDenial] = emf;
  assert.deepEqual(allow._aws.CloudWatchMetrics[0].Dimensions, [['Service', 'Handler']]);
  assert.deepEqual([allow.Allow, allow.Deny, allow.CacheMiss, allow.Handler], [1, undefined, 1, 'rest-token']);
  assert.equal(typeof allow.Latency, 'number');
  assert.equal(typeof allow.BundleAge, 'number');
  assert.deepEqual([deny.Deny, deny.CacheHitToken], [1, 1]);
  assert.deepEqual([denial.Reason, denial.Denials], ['policy', 1]);
  assert.deepEqual([bad.Deny, badDenial.Reason], [1, 'token.malformed']);
  // Low cardinality: nothing of a principal, a route or a resource is a dimension or a member.
  assert.ok(!out.join('\n').includes('rider-1') && !out.join('\n').includes('/riders'));
  // The same counters, process-wide, in Prometheus' text format.
  const text = handler.metrics.prometheusText();
  assert.match(text, /^cedar_authorizer_decisions_total\{handler="rest-token",decision="ALLOW"\} 1$/m);
  assert.match(text, /^cedar_authorizer_decisions_total\{handler="rest-token",decision="DENY"\} 2$/m);
  assert.match(text, /^cedar_authorizer_denials_total\{handler="rest-token",reason="token.malformed"\} 1$/m);
  assert.match(text, /^cedar_authorizer_decision_duration_seconds_count 3$/m);
});

test('a Powertools Metrics instance given as metrics publishes the same metrics through its own EMF', async () => {
  const metrics = new Metrics({ namespace: 'RidesAuthorizer', serviceName: 'rides' });
  const handler = handlerOf('http-api-2.0', { logger: false, metrics });
  const out = await written(async () => {
    await call('http-api-2.0', handler, rider, '/riders', 'a');
    await call('http-api-2.0', handler, rider, '/trainers', 'b');
  });
  const docs = out.map(assertEmf);
  assert.equal(docs.length, 3, out.join('\n'));
  assert.deepEqual(docs[0]._aws.CloudWatchMetrics[0].Dimensions, [['service', 'Handler']]);
  assert.equal(docs[0]._aws.CloudWatchMetrics[0].Namespace, 'RidesAuthorizer');
  assert.deepEqual([docs[0].Allow, docs[0].Handler, docs[0].service], [1, 'http-api-2.0', 'rides']);
  assert.deepEqual([docs[1].Deny, docs[2].Reason, docs[2].Denials], [1, 'policy', 1]);
});

test('status() and the health answer show a key fetch failure, then recover', async () => {
  const server = await jwksServer({ keys: [key.jwk] });
  try {
    server.state.mode = 'down';
    let now = NOW * 1000;
    const handler = createRestApiAuthorizer({
      bundle: store('rides'),
      jwksUris: { [COGNITO_ISSUER]: server.url },
      clock: () => now,
      logger: false,
      metrics: true,
      jwksTimeoutMs: 500,
    });
    const out = await written(() => call('rest-token', handler, rider, '/riders', 'a'));
    const status = handler.authorizer.status();
    assert.equal(status.keys.length, 1);
    assert.equal(status.keys[0].issuer, COGNITO_ISSUER);
    assert.equal(status.keys[0].state, 'none');
    assert.equal(status.keys[0].lastError.code, 'jwks.unavailable');
    assert.equal(typeof status.caches.verifiedTokens.entries, 'number');
    assert.equal(typeof status.memory.rss, 'number');
    assert.equal(out.map(JSON.parse).find((d) => d.KeyFetchFailure === 1)?.Handler, 'rest-token', out.join('\n'));
    const sick = await handler({ action: 'cedar-authorizer.health' });
    assert.equal(sick.healthy, false);
    assert.match(sick.reasons.join('\n'), /jwks.unavailable: no usable keys for https:\/\/cognito-idp/);
    // The endpoint answers again; after the cooldown the next request fetches, and all is well.
    server.state.mode = 'ok';
    now += 60_000;
    const answer = await written(() => call('rest-token', handler, rider, '/riders', 'b'));
    assert.equal(JSON.parse(answer.at(-1)).KeyFetchSuccess, 1);
    const well = await handler({ action: 'cedar-authorizer.health' });
    assert.equal(well.healthy, true, JSON.stringify(well.reasons));
    assert.equal(well.status.keys[0].state, 'fresh');
    assert.equal(well.status.keys[0].lastError, null);
    assert.deepEqual(well.decisions.byResult, { 'rest-token DENY': 1, 'rest-token ALLOW': 1 });
  } finally {
    await server.close();
  }
});

// ---- OCSF ------------------------------------------------------------------------------------------------

const OCSF_PYTHON =
  process.env.OCSF_PYTHON ?? path.join(process.env.HOME ?? '', '.cache/cedar-authorizer/ocsf-json-schema-1.2.0/bin/python');

/** Each event validated against OCSF 1.3.0's API Activity class by tests/fixtures/ocsf/validate.py. */
function ocsfVerdicts(events) {
  assert.ok(fs.existsSync(OCSF_PYTHON), `${OCSF_PYTHON} is missing: run \`make ocsf\` (or set OCSF_PYTHON)`);
  const r = spawnSync(OCSF_PYTHON, [path.join(root, 'tests/fixtures/ocsf/validate.py'), '1.3.0', 'api_activity'], {
    input: events.map((e) => JSON.stringify(e)).join('\n'),
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
}

test("logFormat 'ocsf' writes API Activity events valid against OCSF's own class definition, for every handler and outcome", async () => {
  const written_ = [];
  for (const kind of Object.keys(events)) {
    const log = lines();
    const handler = handlerOf(kind, { logger: log, logFormat: 'ocsf' });
    await call(kind, handler, rider, '/riders', `req-${kind}`);
    await call(kind, handler, rider, '/trainers', 'req-2');
    await call(kind, handler, 'not-a-token', '/riders', 'req-3');
    written_.push(...log.kept);
  }
  const verdicts = ocsfVerdicts(written_);
  assert.equal(verdicts.length, 12);
  verdicts.forEach((v, i) => assert.ok(v.valid, `${JSON.stringify(written_[i])}\n${v.errors.join('\n')}`));
  const [allowed, denied, unauthenticated] = written_;
  assert.deepEqual([allowed.class_uid, allowed.activity_id, allowed.type_uid, allowed.status_id], [6003, 2, 600302, 1]);
  assert.equal(allowed.actor.user.uid, 'Rides::CognitoUser::"us-east-1_DemoPool1|rider-1"');
  assert.deepEqual(allowed.actor.authorizations, [
    { decision: 'Allow', policy: { uid: 'riders-rider-routes', name: 'riders-rider-routes', is_applied: true } },
  ]);
  assert.equal(allowed.api.operation, 'Rides::Action::"get /riders"');
  assert.equal(allowed.api.request.uid, 'req-rest-token');
  assert.deepEqual(allowed.resources, [{ uid: 'Rides::Application::"Rides"', type: 'Rides::Application' }]);
  assert.deepEqual([denied.status_id, denied.status_detail], [2, 'denied by the policies']);
  assert.equal(unauthenticated.status_detail, 'token.malformed');
  // The validator is not a rubber stamp: an event without its actor, or with a wrong type_uid, is refused.
  const { actor: _actor, ...withoutActor } = allowed;
  const refused = ocsfVerdicts([withoutActor, { ...allowed, type_uid: 600301 }]);
  assert.deepEqual(
    refused.map((v) => v.valid),
    [false, false],
  );
});

test('the health answer reports a live source that keeps failing, and the bundle refresh metrics count each check', async () => {
  let now = NOW * 1000;
  const emf = [];
  const handler = createRestApiAuthorizer({
    // Nothing listens on port 9: every check fails at once, and the zip's bundle keeps deciding.
    bundle: { url: 'https://127.0.0.1:9/rides.bundle.json' },
    fallback: store('rides'),
    allowUnsigned: true,
    refreshSeconds: 15,
    random: () => 0.5,
    jwks,
    clock: () => now,
    logger: false,
    metrics: true,
    metricsWriter: (line) => emf.push(JSON.parse(line)),
  });
  const decisions = [];
  for (const wait of [0, 16, 31, 61]) {
    now += wait * 1000;
    decisions.push(await call('rest-token', handler, rider, '/riders', `r-${wait}`));
    if (decisions.length === 2) assert.equal(handler.health().healthy, true, 'two failures are not yet a failing source');
  }
  assert.ok(
    decisions.every((d) => d.policyDocument.Statement[0].Effect === 'Allow'),
    'the fallback bundle decides throughout',
  );
  const health = await handler({ action: 'cedar-authorizer.health' });
  assert.equal(health.healthy, false, JSON.stringify(health.status));
  assert.match(health.reasons[0], /^source\.unavailable: the last [34] checks of https:\/\/127\.0\.0\.1:9\/rides\.bundle\.json failed$/);
  assert.equal(health.status.origin, 'fallback');
  assert.equal(health.status.lastError.code, 'source.unavailable');
  // Each check's outcome is counted in the invocation that made it (the check settles after its decision,
  // so it is flushed with the next invocation's metrics).
  const failed = emf.reduce((n, d) => n + (d.BundleRefreshFailed ?? 0), 0);
  assert.ok(failed >= 3, JSON.stringify(emf));
});
