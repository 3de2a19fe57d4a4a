'use strict';

const { createCore, authorizerContext, principalId, checkScope, unauthorized, isHealthEvent } = require('./decider.cjs');
const { header, headerValues, bearer, parseMethodArn, requestEventHttp } = require('./events.cjs');
const { policyDocument } = require('./iam-policy.cjs');

/**
 * An API Gateway REST API Lambda authorizer, for TOKEN and REQUEST events. Build it once, at module scope:
 *
 *   exports.handler = createRestApiAuthorizer({ bundle: `${__dirname}/bundle.json` });
 *
 * A missing or unverifiable token throws `Unauthorized` (API Gateway answers 401); a verified token without
 * permission gets an explicit Deny policy (403). `policyScope: 'route'` (default) allows only the method ARN
 * of this request; `'all-routes'` evaluates every route of the bundle for the principal and lists each
 * route's ARN as allowed or denied, so a policy cached by API Gateway is right for every route.
 */
function createRestApiAuthorizer(options, api) {
  const core = createCore(options, api);
  const scope = checkScope(options.policyScope ?? 'route');
  const tokenHeader = options.tokenHeader ?? 'authorization';

  function facts(event, arn) {
    if (event.type === 'TOKEN') {
      return {
        kind: 'rest-token',
        token: bearer(event.authorizationToken),
        http: arn ? { method: arn.method, path: arn.path } : undefined,
      };
    }
    if (event.type === 'REQUEST') {
      // Every value of the header when the event lists them; a header given twice is ambiguous: no token.
      const token = bearer(
        header(headerValues(event.multiValueHeaders, tokenHeader).length > 0 ? event.multiValueHeaders : event.headers, tokenHeader),
      );
      return { kind: 'rest-request', token, http: requestEventHttp(event) };
    }
    return undefined;
  }

  // The authorizer behind the handler, for `status()` and `refresh()` (a health check, a test).
  return Object.assign(
    async function restApiAuthorizer(event, context) {
      if (isHealthEvent(event)) return core.health();
      const requestId = context && typeof context.awsRequestId === 'string' ? context.awsRequestId : undefined;
      const arn = event && typeof event === 'object' ? parseMethodArn(event.methodArn) : undefined;
      const f = event && typeof event === 'object' ? facts(event, arn) : undefined;
      if (!f) {
        core.refuse('rest', 'request.malformed', 'not an API Gateway REST authorizer event (TOKEN or REQUEST)', requestId);
        throw unauthorized();
      }
      if (!f.token) {
        core.refuse(f.kind, 'token.missing', 'no bearer token in the request', requestId);
        throw unauthorized();
      }
      const answer = await core.decide({
        ...f,
        requestId,
        http: f.http && f.http.method ? f.http : undefined,
        allRoutes: scope === 'all-routes',
      });
      if (!answer.authenticated) throw unauthorized();
      // Without a method ARN there is nothing precise to allow: deny everything.
      const resource = arn ? event.methodArn : '*';
      const decided = arn ? answer : { ...answer, decision: 'DENY' };
      return {
        principalId: principalId(answer),
        policyDocument: policyDocument(decided, resource, scope),
        context: authorizerContext(decided),
      };
    },
    { authorizer: core.authorizer, health: core.health, metrics: core.metrics },
  );
}

module.exports = { createRestApiAuthorizer };
