// The decision record on its own (a unit test of the package's source: no build needed): the line written
// straight to text is, field for field and in order, the record object JSON.stringify would write.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { lineOf, lineWriter, recordOf, createDecisionLog } = require('../../../js/lib/ops/decision-log.cjs');

const entity = (type, id) => ({ entityType: type, entityId: id });
const answers = [
  {
    decision: 'ALLOW',
    authenticated: true,
    principal: entity('Rides::CognitoUser', 'us-east-1_Pool|a "quoted" \\ id\n'),
    route: { routeKey: 'GET /riders', action: entity('Rides::Action', 'get /riders'), resource: entity('Rides::Application', 'Rides') },
    determiningPolicies: [{ policyId: 'riders' }, { policyId: 'policy\u2028two' }],
    errors: [],
    bundle: { hash: 'sha256:ab', revision: 7 },
    token: { id: 'jti-1', subject: 'sub-1', cached: false },
  },
  { decision: 'DENY', authenticated: false, determiningPolicies: [], errors: [{ code: 'token.expired' }, { code: 'x' }] },
  { decision: 'DENY', route: { routeKey: 'POST /x', context: { a: [1, { b: null }] } }, bundle: { hash: 'h' }, token: { id: null } },
  { decision: 'DENY', route: {}, bundle: {}, token: {}, principal: { type: 'A', id: 'b' } },
  { decision: 'ALLOW', determiningPolicies: [{}], errors: [{}] },
];
const facts = [
  { kind: 'rest-token', cache: 'none', micros: 55.5, requestId: 'req-1', sourceIp: '203.0.113.9' },
  { kind: 'edge-viewer-request', cache: 'decision', micros: NaN },
  {
    kind: 'verified-permissions',
    cache: 'answer',
    requestId: 42,
    action: entity('A::Action', 'read'),
    resource: { type: 'A::Doc', id: 'd' },
  },
  { kind: 'http-api-2.0', cache: 'token', micros: 0.4, context: { c: 'x' }, entities: [{ uid: { type: 'A', id: 'b' } }] },
];

test('the line written directly is the record JSON.stringify writes, for every kind of answer and option', () => {
  let compared = 0;
  for (const answer of answers) {
    for (const f of facts) {
      for (const options of [{}, { logContext: true }, { logEntities: true }, { logContext: true, logEntities: true }]) {
        const now = 1_796_000_000_123;
        const line = lineOf({ ...f, answer }, now, options);
        assert.equal(line, JSON.stringify(recordOf({ ...f, answer }, now, options)));
        JSON.parse(line);
        compared += 1;
      }
    }
  }
  assert.equal(compared, answers.length * facts.length * 4);
});

test('one writer over many decisions, what it keeps as text never leaks from one into the next', () => {
  const write = lineWriter();
  const shared = { hash: 'sha256:shared', revision: 1 };
  for (let round = 0; round < 3; round += 1) {
    for (const [i, answer] of answers.entries()) {
      for (const f of facts) {
        // The same bundle object each time, then a changed one; routes of the same key with other actions.
        const bundle = round === 2 ? { hash: `sha256:${i}` } : shared;
        const given = { ...f, answer: { ...answer, bundle: answer.bundle ?? bundle } };
        if (round === 1 && given.answer.route) given.answer.route = { ...given.answer.route, action: entity('Other::Action', `a${i}`) };
        assert.equal(write(given, 5, {}), JSON.stringify(recordOf(given, 5, {})));
      }
    }
  }
});

test('a function logger gets the direct line; redaction and structured loggers still get the record', () => {
  const lines = [];
  const plain = createDecisionLog({ logger: (l) => lines.push(l), clock: () => 0 });
  const redacted = createDecisionLog({ logger: (l) => lines.push(l), clock: () => 0, redact: ['principal'] });
  const given = { kind: 'rest-token', answer: answers[0], micros: 1 };
  plain.decision(given);
  redacted.decision(given);
  assert.equal(JSON.parse(lines[0]).principal, 'Rides::CognitoUser::"us-east-1_Pool|a \\"quoted\\" \\\\ id\\n"');
  assert.equal('principal' in JSON.parse(lines[1]), false);
  const calls = [];
  const structured = createDecisionLog({ logger: { info: (m, o) => calls.push([m, o]), warn: () => {} }, clock: () => 0 });
  structured.decision(given);
  assert.equal(calls[0][0], 'authorization decision');
  assert.equal(calls[0][1].tokenId, 'jti-1');
});
