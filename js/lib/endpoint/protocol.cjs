'use strict';

/**
 * Verified Permissions' wire protocol, AWS JSON 1.0, over an authorizer: one `handle(request)` that both
 * the HTTP server (server.cjs) and the Lambda handler (lambda.cjs) call. A request is `{ method, path,
 * headers (lower-case names), body (a Buffer) }`; the answer is `{ status, headers, body }` and never a
 * throw. The operation is named by `X-Amz-Target: VerifiedPermissions.<Operation>`, the body is
 * `application/x-amz-json-1.0`; errors are `{ "__type": "<namespace>#<Exception>", "message" }` with the
 * `x-amzn-errortype` header, the form the SDKs read into their modeled exception classes.
 *
 * Decisions are the module's (the authorizer's `isAuthorized` and the rest, whose answers are already in
 * Verified Permissions' shapes); this file reads and writes the wire.
 */

const { randomUUID } = require('node:crypto');
const { violations, violationMessage, written, model } = require('./shapes.cjs');
const { EndpointError, notFound } = require('./store-view.cjs');

const NAMESPACE = 'com.amazonaws.verifiedpermissions';
const CONTENT_TYPE = 'application/x-amz-json-1.0';
const DECISIONS = new Set(['IsAuthorized', 'IsAuthorizedWithToken', 'BatchIsAuthorized', 'BatchIsAuthorizedWithToken']);
/** The service's documented batch size: "An array of up to 30 requests". */
const SERVICE_BATCH_LIMIT = 30;
/**
 * Error codes of the module that mean there is no request to decide (it cannot be read, or names no token):
 * the service refuses those with a ValidationException. Every other answer, a DENY with errors included
 * (an action the schema does not declare, an expired token), is the module's answer as in process.
 */
const REFUSED = /^(request\.malformed|token\.missing)$/;

/** A body read as JSON, every integer exact: one beyond 2^53 is refused rather than rounded. */
function readBody(body) {
  const text = body.toString('utf8');
  if (text.trim() === '') return {};
  const exact = (key, value) => {
    if (typeof value === 'number' && Number.isInteger(value) && !Number.isSafeInteger(value)) {
      throw new EndpointError(
        'ValidationException',
        `The number at '${key}' is beyond 2^53 and cannot be read exactly from JSON here: send a Long within ±9007199254740991`,
      );
    }
    return value;
  };
  try {
    return /\d{16}/.test(text) ? JSON.parse(text, exact) : JSON.parse(text);
  } catch (e) {
    if (e instanceof EndpointError) throw e;
    throw new EndpointError('SerializationException', `The request body is not valid JSON: ${e.message}`);
  }
}

/**
 * The protocol over `authorizer` (an Authorizer, or a function giving the one in place now):
 * `policyStoreId` the id callers name (another id is a ResourceNotFoundException), `view()` the store view
 * of the bundle in place (store-view.cjs), `maxBatch` (default 30, the service's), `decisions` and
 * `metrics` (ops/: a record and counters per decision), `authenticate(request)` (sigv4.cjs: throws an
 * EndpointError, or gives the caller), `clock`.
 */
function createProtocol({
  authorizer,
  policyStoreId,
  view,
  maxBatch = SERVICE_BATCH_LIMIT,
  decisions,
  metrics,
  authenticate,
  aliases = [],
}) {
  if (!Number.isInteger(maxBatch) || maxBatch < 1) throw new Error(`maxBatch is ${maxBatch}: a whole number of requests, 1 or more`);
  // Limits the service documents but its model does not carry: batches of 30, pages of at most 50.
  const limits = {
    BatchIsAuthorizedInputList: maxBatch,
    BatchIsAuthorizedWithTokenInputList: maxBatch,
    MaxResults: 50,
    ListIdentitySourcesMaxResults: 50,
  };
  const ids = new Set([policyStoreId, ...aliases.map((a) => `policy-store-alias/${a}`)]);
  const current = typeof authorizer === 'function' ? authorizer : () => authorizer;

  const operations = {
    IsAuthorized: (a, input) => a.isAuthorized(decisionInput(input)),
    IsAuthorizedWithToken: (a, input) => a.isAuthorizedWithToken(decisionInput(input)),
    BatchIsAuthorized: (a, input) => a.batchIsAuthorized(decisionInput(input)),
    BatchIsAuthorizedWithToken: (a, input) => a.batchIsAuthorizedWithToken(decisionInput(input)),
    AllowedActions: (a, input) => a.allowedActions(decisionInput(input)),
  };
  // Every other operation of the model is a read, answered from the store view.
  for (const name of Object.keys(model.operations)) {
    if (!DECISIONS.has(name)) operations[name] = (_a, input) => view()[name](input);
  }

  async function handle(request) {
    const requestId = randomUUID();
    const started = process.hrtime.bigint();
    let operation = '';
    try {
      if (request.method !== 'POST') {
        throw new EndpointError(
          'UnknownOperationException',
          `${request.method} is not an operation: Verified Permissions is called with POST /`,
          {},
          404,
        );
      }
      const target = String(request.headers['x-amz-target'] ?? '');
      const [prefix, name] = target.split('.', 2);
      const ours = prefix === 'CedarAuthorizer' && name === 'AllowedActions';
      if (!ours && (prefix !== model.metadata.targetPrefix || name === 'AllowedActions' || !Object.hasOwn(operations, name ?? ''))) {
        throw new EndpointError(
          'UnknownOperationException',
          `The operation \`${target || '(no X-Amz-Target)'}\` is not one this endpoint serves: ${Object.keys(operations).join(', ')}`,
        );
      }
      operation = name;
      const type = String(request.headers['content-type'] ?? '')
        .split(';')[0]
        .trim()
        .toLowerCase();
      if (type !== CONTENT_TYPE) {
        throw new EndpointError(
          'SerializationException',
          `The request's Content-Type is \`${type || '(none)'}\`: Verified Permissions takes ${CONTENT_TYPE}`,
        );
      }
      if (authenticate) await authenticate(request);
      const input = readBody(request.body);
      if (input === null || typeof input !== 'object' || Array.isArray(input)) {
        throw new EndpointError('SerializationException', 'The request body is not a JSON object');
      }
      const found = violations(ours ? 'CedarAuthorizerAllowedActionsInput' : model.operations[name].input, input, limits);
      if (found.length > 0) throw new EndpointError('ValidationException', violationMessage(found), { fieldList: found });
      if (!ids.has(input.policyStoreId)) {
        throw notFound(
          'POLICY_STORE',
          input.policyStoreId,
          `The policy store ${input.policyStoreId} does not exist: this endpoint serves ${policyStoreId}`,
        );
      }
      const a = current();
      const hitsBefore = a.answerCacheHits;
      const answer = await operations[name](a, input);
      if (DECISIONS.has(name)) {
        refuseBadRequest(answer);
        observe(name, input, answer, a.answerCacheHits !== hitsBefore ? 'answer' : 'none', started, requestId, a);
      }
      if (ours) return reply(200, answer, requestId);
      return reply(200, written(model.operations[name].output, answer), requestId);
    } catch (e) {
      const error =
        e instanceof EndpointError ? e : new EndpointError('InternalServerException', `The request failed: ${e && e.message}`, {}, 500);
      if (DECISIONS.has(operation)) observeRefusal(operation, error, started, requestId);
      const payload = { __type: `${NAMESPACE}#${error.type}`, message: error.message, ...error.fields };
      return reply(error.status, payload, requestId, error.type);
    }
  }

  /** A decision whose request the module could not read is the service's ValidationException, not an answer. */
  function refuseBadRequest(answer) {
    const results = answer.results ?? [answer];
    for (const result of results) {
      const bad = (result.errors || []).find((e) => e.code && REFUSED.test(e.code));
      if (bad)
        throw new EndpointError('ValidationException', bad.errorDescription, {
          fieldList: [{ path: bad.code, message: bad.errorDescription }],
        });
    }
  }

  function observe(name, input, answer, cache, started, requestId, a) {
    if (!decisions && !metrics) return;
    const micros = Number(process.hrtime.bigint() - started) / 1000;
    const bundle = a.bundle;
    const results = answer.results ?? [{ ...answer, request: input }];
    for (const result of results) {
      const request = result.request || {};
      const facts = {
        kind: 'verified-permissions',
        answer: { ...result, principal: request.principal ?? answer.principal, bundle },
        cache,
        micros: micros / results.length,
        requestId,
        action: request.action,
        resource: request.resource,
        operation: name,
      };
      try {
        if (decisions) decisions.decision(facts);
        if (metrics) metrics.decision(facts);
      } catch {
        // A logger or metrics sink that fails never changes the answer.
      }
    }
  }

  function observeRefusal(name, error, started, requestId) {
    if (!decisions && !metrics) return;
    const facts = {
      kind: 'verified-permissions',
      answer: { decision: 'DENY', determiningPolicies: [], errors: [{ code: `endpoint.${error.type}`, errorDescription: error.message }] },
      cache: 'none',
      micros: Number(process.hrtime.bigint() - started) / 1000,
      requestId,
      operation: name,
    };
    try {
      if (decisions) decisions.decision(facts);
      if (metrics) metrics.decision(facts);
    } catch {
      // as above
    }
  }

  return { handle };
}

/** The request the authorizer takes: the wire input without the store id (the module decides on its bundle). */
function decisionInput(input) {
  const { policyStoreId: _id, ...rest } = input;
  return rest;
}

function reply(status, payload, requestId, errorType) {
  const headers = { 'content-type': CONTENT_TYPE, 'x-amzn-requestid': requestId };
  if (errorType) headers['x-amzn-errortype'] = errorType;
  return { status, headers, body: JSON.stringify(payload) };
}

module.exports = { createProtocol, EndpointError, SERVICE_BATCH_LIMIT, CONTENT_TYPE };
