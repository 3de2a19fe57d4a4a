'use strict';

const { createCore, authorizerContext, principalId, checkScope, unauthorized, isHealthEvent } = require('./decider.cjs');
const { header, bearer, allHeaders, plainStrings, parseMethodArn, requestEventHttp } = require('./events.cjs');
const { policyDocument } = require('./iam-policy.cjs');
const { AuthorizerLoadError } = require('../errors.cjs');

/**
 * An API Gateway HTTP API Lambda authorizer. Payload 2.0 events get the simple response
 * `{ isAuthorized, context }` (or, with `responseType: 'iam'`, an IAM policy); payload 1.0 events always get
 * an IAM policy, as API Gateway requires. A missing or unverifiable token throws `Unauthorized` (401).
 */
function createHttpApiAuthorizer(options, api) {
  const core = createCore(options, api);
  const responseType = options.responseType ?? 'simple';
  if (!['simple', 'iam'].includes(responseType)) {
    throw new AuthorizerLoadError('config.invalid', `options.responseType is \`${responseType}\`: use \`simple\` or \`iam\``);
  }
  const scope = checkScope(options.policyScope ?? 'route');
  const tokenHeader = options.tokenHeader ?? 'authorization';

  function facts2(event) {
    const context = event.requestContext || {};
    const http = context.http || {};
    let path = typeof event.rawPath === 'string' ? event.rawPath : http.path;
    // A named stage prefixes rawPath; routes are written without it.
    if (typeof path === 'string' && context.stage && context.stage !== '$default' && path.startsWith(`/${context.stage}/`)) {
      path = path.slice(context.stage.length + 1);
    }
    const fromSource = Array.isArray(event.identitySource) ? event.identitySource.map(bearer).find(Boolean) : undefined;
    return {
      kind: 'http-api-2.0',
      token: fromSource ?? bearer(header(event.headers, tokenHeader)),
      arn: event.routeArn,
      http: {
        method: http.method,
        path,
        routeKey: typeof event.routeKey === 'string' ? event.routeKey : undefined,
        pathParameters: plainStrings(event.pathParameters),
        // The query string as received, where the event has it: payload 2.0 joins a repeated parameter's
        // values with commas in `queryStringParameters`, which would hide the repeat.
        ...(typeof event.rawQueryString === 'string'
          ? { rawQuery: event.rawQueryString }
          : { query: plainStrings(event.queryStringParameters) }),
        headers: allHeaders(event.headers),
        sourceIp: http.sourceIp,
      },
    };
  }

  function facts1(event) {
    const fromSource =
      typeof event.identitySource === 'string'
        ? event.identitySource
            .split(',')
            .map((s) => bearer(s))
            .find(Boolean)
        : undefined;
    return {
      kind: 'http-api-1.0',
      token: fromSource ?? bearer(header(event.headers, tokenHeader)),
      arn: event.methodArn,
      http: requestEventHttp(event),
    };
  }

  // The authorizer behind the handler, for `status()` and `refresh()` (a health check, a test).
  return Object.assign(
    async function httpApiAuthorizer(event, context) {
      if (isHealthEvent(event)) return core.health();
      const requestId = context && typeof context.awsRequestId === 'string' ? context.awsRequestId : undefined;
      const f =
        !event || typeof event !== 'object'
          ? undefined
          : event.version === '2.0'
            ? facts2(event)
            : event.version === '1.0'
              ? facts1(event)
              : undefined;
      if (!f) {
        core.refuse('http-api', 'request.malformed', 'not an API Gateway HTTP API authorizer event (payload 1.0 or 2.0)', requestId);
        throw unauthorized();
      }
      if (!f.token) {
        core.refuse(f.kind, 'token.missing', 'no bearer token in the request', requestId);
        throw unauthorized();
      }
      const iam = f.kind === 'http-api-1.0' || responseType === 'iam';
      const answer = await core.decide({
        ...f,
        requestId,
        http: f.http.method ? f.http : undefined,
        allRoutes: iam && scope === 'all-routes',
      });
      if (!answer.authenticated) throw unauthorized();
      if (!iam) return { isAuthorized: answer.decision === 'ALLOW', context: authorizerContext(answer) };
      const arn = parseMethodArn(f.arn) ? f.arn : '*';
      const decided = arn === '*' ? { ...answer, decision: 'DENY' } : answer;
      return { principalId: principalId(answer), policyDocument: policyDocument(decided, arn, scope), context: authorizerContext(decided) };
    },
    { authorizer: core.authorizer, health: core.health, metrics: core.metrics },
  );
}

module.exports = { createHttpApiAuthorizer };
