'use strict';

const { AuthorizerLoadError } = require('../errors.cjs');
const { createHash } = require('node:crypto');
const { DecisionCache } = require('../decision-cache.cjs');
const { entityText } = require('../entity.cjs');
const { createDecisionLog } = require('../ops/decision-log.cjs');
const { createMetrics } = require('../ops/metrics.cjs');
const { healthOf } = require('../ops/health.cjs');

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
  if (given && typeof given.then === 'function') {
    throw new AuthorizerLoadError(
      'config.invalid',
      'options.authorizer is a promise: pass the authorizer `await Authorizer.load(...)` gives',
    );
  }
  if (!given && bundle === undefined) {
    throw new AuthorizerLoadError('config.invalid', 'options.bundle is required: a bundle file path, a bundle object, or a store folder');
  }
  // Decision records (ops/decision-log.cjs) and metrics (ops/metrics.cjs): bad options fail here.
  const decisions = createDecisionLog({ ...options, clock: options.clock });
  const logging = decisions.enabled;
  const metrics = createMetrics({
    metrics: options.metrics,
    namespace: options.metricsNamespace,
    service: options.service,
    write: options.metricsWriter,
    clock: options.clock,
  });
  const onWarning = (warning) => decisions.note({ level: 'warn', message: 'configuration warning', warning });
  const authorizer = given ?? api.Authorizer.loadSync(bundle, { onWarning, ...options });
  if (typeof authorizer.onEvent === 'function') {
    authorizer.onEvent((event) => {
      if (event.type === 'keys') metrics.keyFetch(event.ok);
      else if (event.type === 'bundle') metrics.bundleRefresh(event.outcome);
    });
  }
  const clockOf = options.clock ?? Date.now;
  metrics.bundleAgeFrom(() => (typeof authorizer.loadedAt === 'number' ? (clockOf() - authorizer.loadedAt) / 1000 : undefined));
  const tokenKind = options.tokenKind ?? 'auto';
  // `auto` picks by the token; the other kinds are the module's.
  const tokenKinds = ['auto', ...api.constants().tokenKinds];
  if (!tokenKinds.includes(tokenKind)) {
    throw new AuthorizerLoadError('config.invalid', `options.tokenKind is \`${tokenKind}\`: use one of ${tokenKinds.join(', ')}`);
  }
  // What a handler needs of a bundle, checked now and again before a refreshed bundle replaces this one.
  const checkBundle = (described) => {
    if (described.routes.length === 0) {
      throw new AuthorizerLoadError('config.invalid', "the bundle has no routes: add `routes` to the store's authorizer.json");
    }
    if (options.policyScope === 'all-routes') {
      // A policy API Gateway caches for the token alone cannot tell apart two requests that differ only in a
      // header, the query or the source IP: such a route could never be answered right from the cache.
      const unkeyable = described.routes.filter((r) => r.dependsOn === 'request').map((r) => `\`${r.routeKey}\``);
      if (unkeyable.length > 0) {
        throw new AuthorizerLoadError(
          'config.invalid',
          `policyScope 'all-routes' makes a policy API Gateway caches by token alone, but ${unkeyable.join(', ')} take${unkeyable.length === 1 ? 's' : ''} values from the headers, query or source IP, which the token does not key: use policyScope 'route' with those values among the authorizer's identity sources (or caching off)`,
        );
      }
    }
  };
  checkBundle(authorizer);
  if (typeof authorizer.addBundleCheck === 'function') authorizer.addBundleCheck(checkBundle);
  const clock = options.clock ?? Date.now;
  const cache =
    options.decisionCache === false ? null : new DecisionCache({ ...(options.decisionCache ?? {}), clock, digest: tokenDigest });
  if (cache) authorizer.onKeysChanged(() => cache.clear());
  // A new bundle: no answer of the old one is served again (and none decided on it is stored: see `current`).
  if (cache && typeof authorizer.onBundleChanged === 'function') authorizer.onBundleChanged(() => cache.clear());
  /** Whether an answer was decided by the bundle in place now (a swap may have come while it was decided). */
  const current = (answer) => !answer.bundle || !authorizer.bundle || answer.bundle.hash === authorizer.bundle.hash;
  // Route mismatches already logged (API Gateway's route against the store's): each pair once, and at most
  // a bounded number of pairs (a store's routes make few).
  const mismatchesLogged = new Set();
  function noteMismatch(answer) {
    const m = answer.routeMismatch;
    if (!m || !logging) return;
    const pair = `${m.eventRoute}\n${m.pathRoute}`;
    if (mismatchesLogged.has(pair) || mismatchesLogged.size >= 256) return;
    mismatchesLogged.add(pair);
    decisions.note({
      level: 'warn',
      message: 'route mismatch',
      eventRoute: m.eventRoute,
      pathRoute: m.pathRoute,
      detail: `API Gateway matched the store's \`${m.eventRoute}\` while the path takes \`${m.pathRoute}\`: both are decided and a request is allowed only when both allow; give API Gateway the store's routes as resources (or drop \`${m.eventRoute}\` from authorizer.json) so they agree (logged once)`,
    });
  }

  /**
   * Decides an HTTP request: `{ token, http, allRoutes, kind }` where `kind` names the adapter for the log.
   * Returns the answer (`decision`, `authenticated`, `route`, `routes`, `principal`, `errors`) and logs one line.
   */
  async function decide(facts) {
    const started = process.hrtime.bigint();
    const input = {
      token: facts.token,
      tokenKind,
      http: facts.http,
      allRoutes: Boolean(facts.allRoutes),
      forwardsNormalizedPath: Boolean(facts.forwardsNormalizedPath),
    };
    let answer;
    let cacheHit = false;
    try {
      // This core's cache holds one bundle's answers for one token kind: a digest of the token is its bucket.
      const bucket = cache ? tokenDigest(input.token) : undefined;
      if (cache && !cache.has(bucket)) {
        // Nothing is kept for this token (the common case behind API Gateway's own cache): decide in one
        // call, and keep the answer under the route it was decided for.
        cache.missed();
        answer = await authorizer.authorizeHttp(input);
        // An answer of two routes (API Gateway's and the store's) is kept once prepareHttp names both.
        if (
          answer.authenticated &&
          answer.errors.length === 0 &&
          answer.route &&
          answer.validUntil !== undefined &&
          !answer.routeMismatch &&
          current(answer)
        ) {
          const sub = DecisionCache.httpSub({ ...answer, method: input.http && input.http.method }, input.allRoutes);
          cache.set(bucket, kept(answer), answer.validUntil * 1000, sub);
        }
      } else if (cache) {
        const prepared = await authorizer.prepareHttp(input);
        if (!prepared.authenticated) {
          answer = { decision: 'DENY', determiningPolicies: [], errors: [prepared.error], authenticated: false };
        } else if (prepared.error) {
          answer = {
            decision: 'DENY',
            determiningPolicies: [],
            errors: [prepared.error],
            authenticated: true,
            principal: prepared.principal,
          };
        } else {
          const sub = DecisionCache.httpSub(prepared, input.allRoutes);
          answer = cache.get(bucket, sub);
          cacheHit = answer !== undefined;
          if (cacheHit) {
            // The request's own route and path, which the entry does not keep (its key holds them).
            answer.route = answer.decidedBy === undefined ? prepared.route : prepared.otherRoutes[answer.decidedBy];
            delete answer.decidedBy;
          } else {
            answer = await authorizer.authorizeHttp(input);
            if (answer.authenticated && answer.errors.length === 0 && current(answer))
              cache.set(bucket, kept(answer, prepared), prepared.validUntil * 1000, sub);
          }
          // The path forwarded is this request's own, whatever request filled the cache entry.
          answer.path = prepared.path;
        }
      } else {
        answer = await authorizer.authorizeHttp(input);
      }
    } catch (e) {
      answer = {
        decision: 'DENY',
        determiningPolicies: [],
        errors: [{ code: 'internal.error', errorDescription: String(e && e.message) }],
        authenticated: false,
      };
    }
    const micros = Number(process.hrtime.bigint() - started) / 1000;
    if (!answer.bundle) answer.bundle = authorizer.bundle;
    if (answer.routeMismatch) noteMismatch(answer);
    const layer = cacheHit ? 'decision' : answer.token && answer.token.cached ? 'token' : 'none';
    recorded({ kind: facts.kind, answer, cache: layer, micros, requestId: facts.requestId, sourceIp: facts.http && facts.http.sourceIp });
    return answer;
  }

  /** One invocation's end: its decision record and its metrics, flushed (never throws). */
  function recorded(facts) {
    try {
      decisions.decision(facts);
      metrics.decision(facts);
      metrics.flush();
    } catch (e) {
      // A logger or metrics sink that fails never changes the answer; say so once per failure.
      try {
        console.error(JSON.stringify({ level: 'error', message: 'decision log or metrics failed', detail: String(e && e.message) }));
      } catch {
        // nothing more to do
      }
    }
  }

  /**
   * A request refused before any decision (no token, or an event this handler cannot read): logged like a
   * decision, as a DENY with its code. Returns the answer.
   */
  function refuse(kind, code, description, requestId) {
    const answer = { decision: 'DENY', determiningPolicies: [], errors: [{ code, errorDescription: description }], authenticated: false };
    answer.bundle = authorizer.bundle;
    recorded({ kind, answer, cache: 'none', micros: 0, requestId });
    return answer;
  }

  /** The handler's health: the authorizer's status, judged (ops/health.cjs), with the decision totals. */
  function health() {
    return healthOf(authorizer, { decisions: metrics.totals, cache });
  }

  return { authorizer, decide, refuse, cache, tokenKind, metrics, health, logging };
}

/**
 * An answer as the decision cache keeps it: without what the request itself gave (its path, and the route's
 * resource and context, which can be as long as the path), which a hit takes from its own request. When the
 * answer is of several routes, which one decided is kept as its place among `prepared.otherRoutes`.
 */
function kept(answer, prepared) {
  const { path: _path, route, ...rest } = answer;
  const others = (prepared && prepared.otherRoutes) || [];
  const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);
  if (route && others.length > 0 && !same(route, prepared.route)) {
    const at = others.findIndex((other) => same(other, route));
    if (at >= 0) rest.decidedBy = at;
  }
  return rest;
}

/**
 * A token's SHA-256: what the decision cache keeps it under, a fixed 44 characters whatever the token's
 * size (a cache of 10,000 entries would otherwise hold 10,000 tokens).
 */
function tokenDigest(token) {
  return createHash('sha256').update(String(token)).digest('base64');
}

/** The context API Gateway passes to the backend: strings, numbers and booleans only. */
function authorizerContext(answer) {
  return {
    decision: answer.decision,
    principal: entityText(answer.principal),
    principalId: answer.principal ? answer.principal.entityId : '',
    determiningPolicies: (answer.determiningPolicies || []).map((p) => p.policyId).join(','),
    route: answer.route ? answer.route.routeKey : '',
  };
}

function principalId(answer) {
  return entityText(answer.principal) || 'anonymous';
}

function checkScope(scope) {
  if (!SCOPES.includes(scope)) {
    throw new AuthorizerLoadError('config.invalid', `options.policyScope is \`${scope}\`: use \`route\` or \`all-routes\``);
  }
  return scope;
}

/** A direct invocation asking for the handler's health (`{ "action": "cedar-authorizer.health" }`), never an API Gateway or CloudFront event. */
function isHealthEvent(event) {
  return Boolean(event && typeof event === 'object' && event.action === 'cedar-authorizer.health');
}

/** The error API Gateway turns into a 401. */
function unauthorized() {
  return new Error('Unauthorized');
}

module.exports = { createCore, authorizerContext, principalId, checkScope, unauthorized, isHealthEvent };
