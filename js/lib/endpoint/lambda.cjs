'use strict';

/**
 * `createVerifiedPermissionsHandler`: Verified Permissions' protocol as a Lambda function, behind a
 * function URL or an API Gateway route (REST proxy or HTTP API). A decision-point Lambda that calls
 * IsAuthorized today becomes this handler, and its callers change only their endpoint.
 *
 * Who may call is decided as by `serve`: with `credentials` every request's SigV4 is checked here (a
 * function URL's own AWS_IAM auth expects requests signed for the service `lambda`, which an SDK client
 * of Verified Permissions does not make); without them, `allowUnauthenticated: true` says that something
 * in front of the function decides (a private API, a VPC endpoint policy).
 */

const { AuthorizerLoadError } = require('../errors.cjs');
const { createEndpointCore } = require('./server.cjs');
const { isHealthEvent } = require('../aws/decider.cjs');
const { documentOf } = require('./document.cjs');
const { loadable } = require('./index.cjs');

function createVerifiedPermissionsHandler(options, api) {
  if (!options || typeof options !== 'object') {
    throw new AuthorizerLoadError('config.invalid', 'pass options: { bundle, policyStoreId, credentials | allowUnauthenticated }');
  }
  if (!options.credentials && options.allowUnauthenticated !== true) {
    throw new AuthorizerLoadError(
      'config.invalid',
      "give caller credentials (`credentials`: every request's SigV4 signature is checked) or `allowUnauthenticated: true` when something in front of the function decides who may call it",
    );
  }
  const { authorizer: given, bundle } = options;
  if (!given && bundle === undefined)
    throw new AuthorizerLoadError('config.invalid', 'options.bundle is required: a bundle file, a bundle object or a store folder');
  const authorizer = given ?? api.Authorizer.loadSync(loadable(bundle, api), options);
  const core = createEndpointCore(authorizer, { ...options, document: () => documentOf(authorizer, api) }, api);

  async function handler(event) {
    if (isHealthEvent(event)) return core.health();
    let answer;
    try {
      answer = await core.protocol.handle(requestOf(event));
    } catch (e) {
      answer = {
        status: 500,
        headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-errortype': 'InternalServerException' },
        body: JSON.stringify({
          __type: 'com.amazonaws.verifiedpermissions#InternalServerException',
          message: `The request failed: ${e && e.message}`,
        }),
      };
    }
    try {
      core.metrics.flush();
    } catch {
      // A metrics sink that fails never changes the answer.
    }
    return { statusCode: answer.status, headers: answer.headers, body: answer.body, isBase64Encoded: false };
  }
  handler.health = core.health;
  handler.metrics = core.metrics;
  return handler;
}

/** A function URL, HTTP API (payload 2.0 or 1.0) or REST proxy event as the protocol's request. */
function requestOf(event) {
  const e = event && typeof event === 'object' ? event : {};
  const headers = {};
  for (const [k, v] of Object.entries(e.headers || {})) if (typeof v === 'string') headers[k.toLowerCase()] = v;
  const method = (e.requestContext && e.requestContext.http && e.requestContext.http.method) || e.httpMethod || 'POST';
  const rawPath = e.rawPath ?? e.path ?? '/';
  const query = e.rawQueryString ? `?${e.rawQueryString}` : '';
  const body = typeof e.body === 'string' ? Buffer.from(e.body, e.isBase64Encoded ? 'base64' : 'utf8') : Buffer.alloc(0);
  // Behind an API Gateway stage, the path the caller signed starts with the stage; a function URL's is the path itself.
  return { method, path: `${rawPath}${query}`, headers, body };
}

module.exports = { createVerifiedPermissionsHandler, requestOf };
