'use strict';

const { createHash } = require('node:crypto');
const { AuthorizerLoadError } = require('../errors.cjs');
const { entityText } = require('../entity.cjs');

/** The fields of a decision record, in the order they are written (docs/operations.md says what each is). */
const FIELDS = [
  'timestamp',
  'level',
  'message',
  'requestId',
  'handler',
  'decision',
  'authenticated',
  'principal',
  'route',
  'action',
  'resource',
  'determiningPolicies',
  'errors',
  'cache',
  'cacheHit',
  'micros',
  'bundleHash',
  'bundleRevision',
  'tokenId',
  'subject',
  'sourceIp',
  'context',
  'entities',
];
/** Fields a record always keeps: without them it says nothing an auditor can use. */
const KEPT = new Set(['timestamp', 'level', 'message', 'decision']);
const HOW = ['drop', 'mask', 'hash'];

/**
 * `redact` as `[{ field, how }]`: a field name alone drops it; `{ field, as: 'mask' }` writes `"***"`, and
 * `{ field, as: 'hash' }` a SHA-256 prefix (the same value always gives the same text, so an auditor can
 * follow one principal without reading who it is). Refused at start-up when it names no field of a record.
 */
function redactionsOf(redact) {
  if (redact === undefined) return [];
  if (!Array.isArray(redact))
    throw new AuthorizerLoadError('config.invalid', 'options.redact is a list of field names or { field, as } objects');
  return redact.map((entry) => {
    const { field, as = 'drop' } = typeof entry === 'string' ? { field: entry } : entry || {};
    if (!FIELDS.includes(field) || KEPT.has(field)) {
      throw new AuthorizerLoadError(
        'config.invalid',
        `options.redact names \`${field}\`: a decision record's fields are ${FIELDS.filter((f) => !KEPT.has(f)).join(', ')}`,
      );
    }
    if (!HOW.includes(as))
      throw new AuthorizerLoadError('config.invalid', `options.redact \`${field}\` as \`${as}\`: use ${HOW.join(', ')}`);
    return { field, as };
  });
}

const hashed = (value) => `sha256:${createHash('sha256').update(JSON.stringify(value)).digest('hex').slice(0, 16)}`;

/**
 * Where decision records go, and which: `logger` (a function given each record as a JSON line, an object
 * with `info`/`warn`/`error` such as a Powertools Logger, given the message and the record as an object, or
 * `false`), `redact`, `sampleAllows` (the share of ALLOW records written, 0 to 1; DENYs and errors always
 * are), `logContext` and `logEntities` (the request's context and entities, off by default), `format`
 * (`json`, or `ocsf` for OCSF events), `random` and `clock`.
 */
function createDecisionLog(options = {}) {
  const logger = options.logger;
  const off = logger === false;
  const structured = logger && typeof logger === 'object';
  if (logger !== undefined && !off && typeof logger !== 'function' && !(structured && typeof logger.info === 'function')) {
    throw new AuthorizerLoadError(
      'config.invalid',
      'options.logger is a function of a line, an object with info/warn/error (a Powertools Logger), or false',
    );
  }
  const write = off ? null : typeof logger === 'function' ? logger : structured ? null : (line) => console.log(line);
  const redactions = redactionsOf(options.redact);
  const sampleAllows = options.sampleAllows ?? 1;
  if (!(sampleAllows >= 0 && sampleAllows <= 1))
    throw new AuthorizerLoadError('config.invalid', `options.sampleAllows is ${sampleAllows}: a share from 0 to 1`);
  const format = options.logFormat ?? 'json';
  if (!['json', 'ocsf'].includes(format))
    throw new AuthorizerLoadError('config.invalid', `options.logFormat is \`${format}\`: use \`json\` or \`ocsf\``);
  const random = options.random ?? Math.random;
  const clock = options.clock ?? Date.now;
  const ocsf = format === 'ocsf' ? require('./ocsf.cjs') : null;
  const writeLine = lineWriter();

  /** Writes a line that is not a decision (a warning, a mismatch) the same way. */
  function note(record) {
    if (off) return;
    if (structured) (logger[record.level] || logger.info).call(logger, record.message, withoutMessage(record));
    else write(JSON.stringify(record));
  }

  return {
    enabled: !off,
    note,
    /**
     * One decision: `{ kind, answer, cache ('decision' | 'answer' | 'token' | 'none'), micros, requestId,
     * context, entities }`. Returns the record written (or true when it was written as a line directly), or
     * null when none was (off, or an ALLOW left out of the sample).
     */
    decision(facts) {
      if (off) return null;
      const { answer } = facts;
      const errors = (answer.errors || []).map((e) => e.code);
      if (answer.decision === 'ALLOW' && errors.length === 0 && sampleAllows < 1 && !(random() < sampleAllows)) return null;
      // The common case, a line to a function with nothing to redact: written as text directly, the same
      // text JSON.stringify gives the record (the record object costs more to build than the line).
      if (write && redactions.length === 0 && !ocsf) {
        write(writeLine(facts, clock(), options));
        return true;
      }
      const record = recordOf(facts, clock(), options);
      for (const { field, as } of redactions) {
        if (!(field in record)) continue;
        if (as === 'drop') delete record[field];
        else record[field] = record[field] === null ? null : as === 'mask' ? '***' : hashed(record[field]);
      }
      const out = ocsf ? ocsf.eventOf(record, facts) : record;
      if (structured) (logger[record.level] || logger.info).call(logger, record.message, withoutMessage(out));
      else write(JSON.stringify(out));
      return out;
    },
  };
}

function withoutMessage(record) {
  const { message: _message, level: _level, ...rest } = record;
  return rest;
}

function recordOf({ kind, answer, cache = 'none', micros = 0, requestId, sourceIp, context, entities, action, resource }, now, options) {
  const route = answer.route;
  const token = answer.token;
  const record = {
    timestamp: new Date(now).toISOString(),
    level: answer.decision === 'ALLOW' ? 'info' : 'warn',
    message: 'authorization decision',
    requestId: requestId ?? null,
    handler: kind,
    decision: answer.decision ?? null,
    authenticated: Boolean(answer.authenticated),
    principal: entityText(answer.principal) || null,
    route: route && typeof route.routeKey === 'string' ? route.routeKey : null,
    action: entityText(route ? route.action : action) || null,
    resource: entityText(route ? route.resource : resource) || null,
    determiningPolicies: (answer.determiningPolicies || []).map((p) => p.policyId),
    errors: (answer.errors || []).map((e) => e.code),
    cache,
    cacheHit: cache !== 'none',
    micros: Math.round(micros),
    bundleHash: answer.bundle ? (answer.bundle.hash ?? null) : null,
    bundleRevision: answer.bundle ? (answer.bundle.revision ?? null) : null,
    tokenId: token && token.id !== undefined ? token.id : null,
    subject: token && token.subject !== undefined ? token.subject : null,
    sourceIp: sourceIp ?? null,
  };
  if (options.logContext) record.context = route && route.context !== undefined ? route.context : (context ?? null);
  if (options.logEntities) record.entities = entities ?? null;
  return record;
}

const entityJson = (entity) => {
  const t = entityText(entity);
  return t ? JSON.stringify(t) : 'null';
};
/** `[x[field], ...]` of a list of objects (or of nothing) as JSON. */
const codesJson = (list, field) => {
  if (!list || list.length === 0) return '[]';
  let out = '[';
  for (let i = 0; i < list.length; i += 1) out += (i ? ',' : '') + (JSON.stringify(list[i][field]) ?? 'null');
  return `${out}]`;
};

/**
 * A writer of [`recordOf`]'s JSON line straight to text: the same text `JSON.stringify(recordOf(...))`
 * gives. What repeats from one decision to the next (the handler, the bundle, the timestamp of the same
 * millisecond, the text of a cache layer) is kept as text, a bounded few of each.
 */
function lineWriter() {
  const kept = (limit) => {
    const map = new Map();
    return (key, make) => {
      let value = map.get(key);
      if (value === undefined) {
        value = make();
        if (map.size < limit) map.set(key, value);
      }
      return value;
    };
  };
  const handlers = kept(16);
  const layers = kept(8);
  let lastBundle;
  let bundleText = '';
  let lastNow;
  let lastTimestamp = '';
  return function lineOf(
    { kind, answer, cache = 'none', micros = 0, requestId, sourceIp, context, entities, action, resource },
    now,
    options,
  ) {
    const route = answer.route;
    const token = answer.token;
    const bundle = answer.bundle;
    if (bundle !== lastBundle || bundle === undefined) {
      lastBundle = bundle;
      bundleText = `,"bundleHash":${bundle ? JSON.stringify(bundle.hash ?? null) : 'null'},"bundleRevision":${bundle ? JSON.stringify(bundle.revision ?? null) : 'null'}`;
    }
    const decision = answer.decision;
    const head =
      decision === 'ALLOW' ? '","level":"info","message":"authorization decision"' : '","level":"warn","message":"authorization decision"';
    if (now !== lastNow) {
      lastNow = now;
      lastTimestamp = new Date(now).toISOString();
    }
    const routeKey = route && typeof route.routeKey === 'string' ? route.routeKey : undefined;
    const actionText = `,"route":${routeKey === undefined ? 'null' : JSON.stringify(routeKey)},"action":${entityJson(route ? route.action : action)}`;
    let line =
      `{"timestamp":"${lastTimestamp}${head},"requestId":${requestId === undefined || requestId === null ? 'null' : JSON.stringify(requestId)}` +
      handlers(kind, () => `,"handler":${JSON.stringify(kind)}`) +
      `,"decision":${decision === 'ALLOW' ? '"ALLOW"' : decision === 'DENY' ? '"DENY"' : JSON.stringify(decision ?? null)},"authenticated":${Boolean(answer.authenticated)}` +
      `,"principal":${entityJson(answer.principal)}${actionText},"resource":${entityJson(route ? route.resource : resource)}` +
      `,"determiningPolicies":${codesJson(answer.determiningPolicies, 'policyId')},"errors":${codesJson(answer.errors, 'code')}` +
      layers(cache, () => `,"cache":${JSON.stringify(cache)},"cacheHit":${cache !== 'none'}`) +
      `,"micros":${JSON.stringify(Math.round(micros))}${bundleText}` +
      `,"tokenId":${token && token.id !== undefined ? JSON.stringify(token.id) : 'null'},"subject":${token && token.subject !== undefined ? JSON.stringify(token.subject) : 'null'}` +
      `,"sourceIp":${sourceIp === undefined || sourceIp === null ? 'null' : JSON.stringify(sourceIp)}`;
    if (options.logContext)
      line += `,"context":${JSON.stringify(route && route.context !== undefined ? route.context : (context ?? null)) ?? 'null'}`;
    if (options.logEntities) line += `,"entities":${JSON.stringify(entities ?? null) ?? 'null'}`;
    return `${line}}`;
  };
}

/** One line, by a writer of its own (tests compare it with the record). */
const lineOf = (facts, now, options) => lineWriter()(facts, now, options);

module.exports = { createDecisionLog, FIELDS, lineOf, lineWriter, recordOf };
