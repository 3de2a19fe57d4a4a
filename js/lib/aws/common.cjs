'use strict';

const { AuthorizerLoadError } = require('../errors.cjs');
const { DecisionCache } = require('../decision-cache.cjs');

const TOKEN_KINDS = ['auto', 'identity', 'access'];
const SCOPES = ['route', 'all-routes'];

/**
 * What every handler shares: the authorizer (built once, at module scope), the decision cache, the
 * logger, and one `decide(facts)` that never throws. Bad options fail here, at start-up, with a message
 * that says what to fix.
 */
function createCore(options, api) {
  if (!options || typeof options !== 'object') {
    throw new AuthorizerLoadError('config.invalid', 'pass options: { bundle } (a bundle object or file, a store folder, or { files })');
  }
  const { bundle, authorizer: given } = options;
  if (!given && bundle === undefined) {
    throw new AuthorizerLoadError('config.invalid', 'options.bundle is required: a bundle file path, a bundle object, or a store folder');
  }
  const tokenKind = options.tokenKind ?? 'auto';
  if (!TOKEN_KINDS.includes(tokenKind)) {
    throw new AuthorizerLoadError('config.invalid', `options.tokenKind is \`${tokenKind}\`: use one of ${TOKEN_KINDS.join(', ')}`);
  }
  const log = options.logger === false ? () => {} : options.logger ?? ((line) => console.log(line));
  const onWarning = (warning) => log(JSON.stringify({ level: 'warn', message: 'configuration warning', warning }));
  const authorizer = given ?? api.Authorizer.loadSync(bundle, { onWarning, ...options });
  if (authorizer.routes.length === 0) {
    throw new AuthorizerLoadError('config.invalid', 'the bundle has no routes: add `routes` to the store\'s authorizer.json');
  }
  if (options.policyScope === 'all-routes') {
    // A policy API Gateway caches for the token alone cannot tell apart two requests that differ only in a
    // header, the query or the source IP: such a route could never be answered right from the cache.
    const unkeyable = authorizer.routes.filter((r) => r.dependsOn === 'request').map((r) => `\`${r.routeKey}\``);
    if (unkeyable.length > 0) {
      throw new AuthorizerLoadError(
        'config.invalid',
        `policyScope 'all-routes' makes a policy API Gateway caches by token alone, but ${unkeyable.join(', ')} take${unkeyable.length === 1 ? 's' : ''} values from the headers, query or source IP, which the token does not key: use policyScope 'route' with those values among the authorizer's identity sources (or caching off)`,
      );
    }
  }
  const clock = options.clock ?? Date.now;
  const cache = options.decisionCache === false ? null : new DecisionCache({ ...(options.decisionCache ?? {}), clock });
  if (cache) authorizer.onKeysChanged(() => cache.clear());

  /**
   * Decides an HTTP request: `{ token, http, allRoutes, kind }` where `kind` names the adapter for the log.
   * Returns the answer (`decision`, `authenticated`, `route`, `routes`, `principal`, `errors`) and logs one line.
   */
  async function decide(facts) {
    const started = process.hrtime.bigint();
    const input = { token: facts.token, tokenKind, http: facts.http, allRoutes: Boolean(facts.allRoutes), forwardsNormalizedPath: Boolean(facts.forwardsNormalizedPath) };
    let answer;
    let cacheHit = false;
    try {
      if (cache) {
        const prepared = await authorizer.prepareHttp(input);
        if (!prepared.authenticated) {
          answer = { decision: 'DENY', determiningPolicies: [], errors: [prepared.error], authenticated: false };
        } else if (prepared.error) {
          answer = { decision: 'DENY', determiningPolicies: [], errors: [prepared.error], authenticated: true, principal: prepared.principal };
        } else {
          const key = DecisionCache.httpKey(authorizer.hash, prepared, input.allRoutes);
          answer = cache.get(key);
          cacheHit = answer !== undefined;
          if (!cacheHit) {
            answer = await authorizer.authorizeHttp(input);
            if (answer.authenticated && answer.errors.length === 0) cache.set(key, answer, prepared.validUntil * 1000);
          }
          // The path forwarded is this request's own, whatever request filled the cache entry.
          answer.path = prepared.path;
        }
      } else {
        answer = await authorizer.authorizeHttp(input);
      }
    } catch (e) {
      answer = { decision: 'DENY', determiningPolicies: [], errors: [{ code: 'internal.error', errorDescription: String(e && e.message) }], authenticated: false };
    }
    const micros = Number(process.hrtime.bigint() - started) / 1000;
    log(logLine(facts.kind, answer, cacheHit, micros));
    return answer;
  }

  return { authorizer, decide, cache, tokenKind };
}

function logLine(kind, answer, cacheHit, micros) {
  const route = answer.route;
  return JSON.stringify({
    level: answer.decision === 'ALLOW' ? 'info' : 'warn',
    message: 'authorization decision',
    handler: kind,
    decision: answer.decision,
    authenticated: Boolean(answer.authenticated),
    principal: answer.principal ? `${answer.principal.entityType}::${JSON.stringify(answer.principal.entityId)}` : null,
    route: route ? route.routeKey : null,
    action: route ? `${route.action.type}::${JSON.stringify(route.action.id)}` : null,
    resource: route ? `${route.resource.type}::${JSON.stringify(route.resource.id)}` : null,
    determiningPolicies: (answer.determiningPolicies || []).map((p) => p.policyId),
    errors: (answer.errors || []).map((e) => e.code),
    cacheHit,
    micros: Math.round(micros),
  });
}

/** A header's value, whatever its case; multi-value headers give their first value. */
function header(headers, name) {
  if (!headers || typeof headers !== 'object') return undefined;
  const lower = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== lower) continue;
    if (typeof value === 'string') return value;
    if (Array.isArray(value) && typeof value[0] === 'string') return value[0];
  }
  return undefined;
}

/** `Bearer <token>` or a bare token; anything else is no token. */
function bearer(value) {
  if (typeof value !== 'string') return undefined;
  const trimmed = value.trim();
  const match = /^Bearer\s+(\S+)$/i.exec(trimmed);
  if (match) return match[1];
  return /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]*){2,4}$/.test(trimmed) ? trimmed : undefined;
}

/** Headers as a plain object of lowercase names to strings. */
function plainHeaders(headers) {
  const out = {};
  if (!headers || typeof headers !== 'object') return out;
  for (const [key, value] of Object.entries(headers)) {
    if (typeof value === 'string') out[key.toLowerCase()] = value;
    else if (Array.isArray(value) && typeof value[0] === 'string') out[key.toLowerCase()] = value[0];
  }
  return out;
}

function plainStrings(map) {
  const out = {};
  if (!map || typeof map !== 'object') return out;
  for (const [key, value] of Object.entries(map)) if (typeof value === 'string') out[key] = value;
  return out;
}

/**
 * `arn:aws:execute-api:<region>:<account>:<apiId>/<stage>/<METHOD>/<path...>`, or undefined when it is not
 * one. `base` is everything before the method, for building the ARNs of other routes.
 */
function parseMethodArn(arn) {
  if (typeof arn !== 'string') return undefined;
  // The method is taken as it is (methods are case-sensitive); the core decides what it matches.
  const match = /^(arn:[^:]+:execute-api:[^:]+:[^:]+:[^/]+\/[^/]+)\/([^/]*)(\/.*)?$/s.exec(arn);
  if (!match) return undefined;
  return { base: match[1], method: match[2], path: match[3] ?? '/' };
}

/**
 * The request of a REST API REQUEST event or an HTTP API payload 1.0 event (the same fields): method,
 * path, the resource template API Gateway matched, path and query parameters, headers, source IP.
 */
function requestEventHttp(event) {
  const arn = parseMethodArn(event.methodArn);
  return {
    method: event.httpMethod ?? (arn && arn.method),
    path: event.path ?? (arn && arn.path),
    routeKey: typeof event.resource === 'string' ? event.resource : undefined,
    pathParameters: plainStrings(event.pathParameters),
    query: plainStrings(event.queryStringParameters),
    headers: plainHeaders(event.headers),
    sourceIp: event.requestContext && event.requestContext.identity ? event.requestContext.identity.sourceIp : undefined,
  };
}

/** The context API Gateway passes to the backend: strings, numbers and booleans only. */
function authorizerContext(answer) {
  return {
    decision: answer.decision,
    principal: answer.principal ? `${answer.principal.entityType}::${JSON.stringify(answer.principal.entityId)}` : '',
    principalId: answer.principal ? answer.principal.entityId : '',
    determiningPolicies: (answer.determiningPolicies || []).map((p) => p.policyId).join(','),
    route: answer.route ? answer.route.routeKey : '',
  };
}

function principalId(answer) {
  return answer.principal ? `${answer.principal.entityType}::${JSON.stringify(answer.principal.entityId)}` : 'anonymous';
}

/**
 * The IAM policy for a decision. Route scope: this method ARN alone. All routes: the core's cache policy
 * (resource patterns after `<apiId>/<stage>/`, exact under IAM's matching), with this method ARN denied
 * explicitly when the request itself is refused.
 */
function policyDocument(answer, methodArn, scope) {
  const target = parseMethodArn(methodArn);
  const own = { Action: 'execute-api:Invoke', Effect: answer.decision === 'ALLOW' ? 'Allow' : 'Deny', Resource: [methodArn] };
  if (scope !== 'all-routes' || !target || !answer.cachePolicy) {
    return { Version: '2012-10-17', Statement: [own] };
  }
  const allow = answer.cachePolicy.allow.map((p) => `${target.base}/${p}`);
  const deny = answer.cachePolicy.deny.map((p) => `${target.base}/${p}`);
  if (own.Effect === 'Deny' && !deny.includes(methodArn)) deny.push(methodArn);
  const statements = [];
  if (allow.length > 0) statements.push({ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: allow });
  if (deny.length > 0) statements.push({ Action: 'execute-api:Invoke', Effect: 'Deny', Resource: deny });
  return { Version: '2012-10-17', Statement: statements };
}

function checkScope(scope) {
  if (!SCOPES.includes(scope)) {
    throw new AuthorizerLoadError('config.invalid', `options.policyScope is \`${scope}\`: use \`route\` or \`all-routes\``);
  }
  return scope;
}

/** The error API Gateway turns into a 401. */
function unauthorized() {
  return new Error('Unauthorized');
}

module.exports = {
  createCore,
  header,
  bearer,
  plainHeaders,
  plainStrings,
  parseMethodArn,
  requestEventHttp,
  authorizerContext,
  principalId,
  policyDocument,
  checkScope,
  unauthorized,
  logLine,
};
