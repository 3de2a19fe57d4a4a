'use strict';

/** Consecutive failed checks of a live source after which a health check reports the authorizer failing. */
const FAILING_CHECKS = 3;

/**
 * A health answer a canary or a load balancer can act on: `{ healthy, reasons, status, decisions }`.
 * Unhealthy when the bundle is stale (past `maxStaleSeconds`, every request denied), when a live source has
 * failed `FAILING_CHECKS` checks in a row, or when an issuer has no usable key set after a fetch failed
 * (its tokens are all refused). `status` is `authorizer.status()`; `decisions` the handler's totals.
 */
function healthOf(authorizer, { decisions, cache } = {}) {
  const status = authorizer.status();
  const reasons = [];
  if (status.stale) reasons.push(`bundle.stale: no refresh from ${status.source} has succeeded within maxStaleSeconds`);
  if (status.consecutiveFailures >= FAILING_CHECKS) {
    reasons.push(
      `${status.lastError ? status.lastError.code : 'source.unavailable'}: the last ${status.consecutiveFailures} checks of ${status.source} failed`,
    );
  }
  for (const keys of status.keys || []) {
    if ((keys.state === 'dead' || keys.state === 'none') && keys.lastError) {
      reasons.push(`${keys.lastError.code}: no usable keys for ${keys.issuer} (${keys.lastError.message})`);
    }
  }
  const totals = decisions
    ? {
        byResult: Object.fromEntries([...decisions.decisions].map(([k, v]) => [k.replace('\n', ' '), v])),
        denialsByCode: Object.fromEntries([...decisions.denials].map(([k, v]) => [k.replace('\n', ' '), v])),
        byCacheLayer: Object.fromEntries(decisions.cache),
      }
    : null;
  return {
    healthy: reasons.length === 0,
    reasons,
    status,
    decisionCache: cache ? { entries: cache.size, bytes: cache.bytes, hits: cache.hits, misses: cache.misses } : null,
    decisions: totals,
  };
}

module.exports = { healthOf, FAILING_CHECKS };
