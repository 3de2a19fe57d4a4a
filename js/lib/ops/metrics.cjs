'use strict';

const { AuthorizerLoadError } = require('../errors.cjs');

/** Every metric, its unit, and what it counts (docs/operations.md has the same table). */
const METRICS = {
  Allow: { unit: 'Count', help: 'decisions that allowed' },
  Deny: { unit: 'Count', help: 'decisions that denied (401s and 403s)' },
  Latency: { unit: 'Microseconds', help: 'time to decide, from the event to the answer' },
  CacheHitDecision: { unit: 'Count', help: "decisions answered by the handler's decision cache" },
  CacheHitToken: { unit: 'Count', help: 'decisions whose token the verified-token cache knew (no signature checked)' },
  CacheMiss: { unit: 'Count', help: 'decisions that verified a token and evaluated the policies' },
  KeyFetchSuccess: { unit: 'Count', help: 'JWKS fetches that brought a usable key set' },
  KeyFetchFailure: { unit: 'Count', help: 'JWKS fetches that failed (timeout, HTTP error, not a key set)' },
  BundleRefreshChanged: { unit: 'Count', help: 'live-bundle checks that swapped in a new bundle' },
  BundleRefreshUnchanged: { unit: 'Count', help: 'live-bundle checks that found nothing new (304 or the same body)' },
  BundleRefreshFailed: { unit: 'Count', help: 'live-bundle checks that failed and kept the bundle in place' },
  BundleAge: { unit: 'Seconds', help: 'time since the bundle in place was loaded' },
};
/**
 * Denials by reason are a metric of their own, with the reason as a dimension: an error code (a fixed, small
 * set) or `policy` when the policies denied.
 */
const DENIALS = { name: 'Denials', unit: 'Count' };
/** The metrics of one invocation, in the order they are written; each but Latency and BundleAge a count. */
const ORDER = Object.keys(METRICS);
const COUNTED = ORDER.filter((name) => name !== 'Latency' && name !== 'BundleAge');
const SLOT = Object.fromEntries(COUNTED.map((name, i) => [name, i]));
const BIT = Object.fromEntries(ORDER.map((name, i) => [name, 2 ** i]));
const CACHE_METRIC = { decision: 'CacheHitDecision', answer: 'CacheHitDecision', token: 'CacheHitToken', none: 'CacheMiss' };

/**
 * Metrics of the decisions, key fetches and bundle refreshes, flushed once per invocation (after its
 * decision) as CloudWatch Embedded Metric Format lines, or through a Powertools for AWS Lambda `Metrics`
 * instance. Dimensions are the service and the handler kind only (and the error code for `Denials`): never a
 * principal, a route or a resource. Process-wide totals are kept for `prometheusText()`.
 *
 * `metrics`: `true` (EMF lines to `write`, console.log by default), a Powertools `Metrics` (anything with
 * `addMetric`, `addDimension`, `singleMetric` and `publishStoredMetrics`), or false/undefined (off: nothing
 * is counted for EMF; totals are still kept).
 */
function createMetrics(options = {}) {
  const given = options.metrics;
  const powertools = given && typeof given === 'object';
  if (powertools && (typeof given.addMetric !== 'function' || typeof given.publishStoredMetrics !== 'function')) {
    throw new AuthorizerLoadError(
      'config.invalid',
      'options.metrics is true, false, or a Powertools Metrics instance (addMetric, publishStoredMetrics)',
    );
  }
  const emf = given === true;
  const namespace = options.namespace ?? 'CedarAuthorizer';
  const service = options.service ?? 'cedar-authorizer';
  const write = options.write ?? ((line) => console.log(line));
  const clock = options.clock ?? Date.now;
  let pending = fresh();
  const totals = {
    decisions: new Map(), // `${handler}\n${decision}` -> count
    denials: new Map(), // `${handler}\n${code}` -> count
    cache: new Map(), // layer -> count
    keyFetches: { ok: 0, failed: 0 },
    refreshes: { changed: 0, unchanged: 0, failed: 0 },
    latency: histogram(),
  };
  let bundleAge = () => undefined;
  /** EMF directives (the `CloudWatchMetrics` array) by handler and set of metric names, as JSON text. */
  const directives = new Map();
  const handlerText = new Map();
  const serviceJson = JSON.stringify(service);
  const denialsDirective = JSON.stringify([
    { Namespace: namespace, Dimensions: [['Service', 'Handler', 'Reason']], Metrics: [{ Name: DENIALS.name, Unit: DENIALS.unit }] },
  ]);

  function fresh() {
    // One count per metric (Latency's values in a list: an invocation of the endpoint may decide several).
    return { handler: undefined, counts: COUNTED.map(() => 0), any: false, latency: [], denials: new Map() };
  }
  const counting = Boolean(emf || powertools);
  const add = (name, value) => {
    // Off: only the process-wide totals are kept.
    if (!counting) return;
    pending.any = true;
    if (name === 'Latency') pending.latency.push(value);
    else pending.counts[SLOT[name]] += value;
  };
  /** What an invocation counted, in METRICS' order: `[name, value or list]`. */
  const countedOf = (counted) => {
    const out = [];
    for (const name of ORDER) {
      if (name === 'Latency') {
        if (counted.latency.length > 0) out.push([name, counted.latency]);
      } else if (SLOT[name] !== undefined && counted.counts[SLOT[name]] > 0) out.push([name, counted.counts[SLOT[name]]]);
    }
    return out;
  };
  const bump = (map, key) => map.set(key, (map.get(key) ?? 0) + 1);

  return {
    enabled: Boolean(emf || powertools),
    /** Where `BundleAge` comes from: a function answering seconds, or undefined. */
    bundleAgeFrom(fn) {
      bundleAge = fn;
    },
    decision({ kind, answer, cache = 'none', micros = 0 }) {
      const allowed = answer.decision === 'ALLOW';
      pending.handler = kind;
      add(allowed ? 'Allow' : 'Deny', 1);
      add('Latency', Math.round(micros));
      add(CACHE_METRIC[cache] ?? 'CacheMiss', 1);
      bump(totals.decisions, `${kind}\n${answer.decision}`);
      bump(totals.cache, cache);
      totals.latency.observe(micros);
      if (!allowed) {
        // Why: each error code, or `policy` when the policies denied (no permit applied, or a forbid did).
        const codes = new Set((answer.errors || []).map((e) => e.code));
        if (codes.size === 0) codes.add('policy');
        for (const code of codes) {
          if (counting) bump(pending.denials, code);
          bump(totals.denials, `${kind}\n${code}`);
        }
      }
    },
    keyFetch(ok) {
      add(ok ? 'KeyFetchSuccess' : 'KeyFetchFailure', 1);
      totals.keyFetches[ok ? 'ok' : 'failed'] += 1;
    },
    bundleRefresh(outcome) {
      const name = { changed: 'BundleRefreshChanged', unchanged: 'BundleRefreshUnchanged' }[outcome] ?? 'BundleRefreshFailed';
      add(name, 1);
      totals.refreshes[outcome in totals.refreshes ? outcome : 'failed'] += 1;
    },
    /** Writes what this invocation counted: one EMF line (and one per denial code), or through Powertools. */
    flush() {
      if (!counting) return;
      const counted = pending;
      if (!counted.any && counted.denials.size === 0) return;
      pending = fresh();
      const values = countedOf(counted);
      const age = bundleAge();
      if (age !== undefined) values.push(['BundleAge', Math.round(age)]);
      const handler = counted.handler ?? 'none';
      if (powertools) {
        given.addDimension('Handler', handler);
        for (const [name, value] of values) {
          // Counts as one sample each, as they were counted; Latency and BundleAge as their values.
          if (Array.isArray(value)) for (const v of value) given.addMetric(name, METRICS[name].unit, v);
          else if (METRICS[name].unit === 'Count') for (let i = 0; i < value; i += 1) given.addMetric(name, METRICS[name].unit, 1);
          else given.addMetric(name, METRICS[name].unit, value);
        }
        given.publishStoredMetrics();
        for (const [code, count] of counted.denials) {
          const single = given.singleMetric();
          single.addDimension('Handler', handler);
          single.addDimension('Reason', code);
          single.addMetric(DENIALS.name, DENIALS.unit, count);
        }
        return;
      }
      const at = clock();
      // Counts of one invocation are summed: CloudWatch adds the values of a list as samples. The set of
      // names written is a bit mask over METRICS' order.
      let mask = 0;
      let body = '';
      for (const [name, value] of values) {
        mask |= BIT[name];
        // Metric names are this module's own identifiers (METRICS): no escaping needed.
        body += `,"${name}":${Array.isArray(value) ? (value.length === 1 ? value[0] : JSON.stringify(value)) : value}`;
      }
      // The directive of a set of metric names is the same on every invocation that counts them: written once.
      let byMask = directives.get(handler);
      if (byMask === undefined) {
        byMask = new Map();
        if (directives.size < 64) directives.set(handler, byMask);
      }
      let directive = byMask.get(mask);
      if (directive === undefined) {
        directive = JSON.stringify([
          {
            Namespace: namespace,
            Dimensions: [['Service', 'Handler']],
            Metrics: values.map(([name]) => ({ Name: name, Unit: METRICS[name].unit })),
          },
        ]);
        byMask.set(mask, directive);
      }
      let handlerJson = handlerText.get(handler);
      if (handlerJson === undefined) {
        handlerJson = JSON.stringify(handler);
        if (handlerText.size < 64) handlerText.set(handler, handlerJson);
      }
      write(`{"_aws":{"Timestamp":${at},"CloudWatchMetrics":${directive}},"Service":${serviceJson},"Handler":${handlerJson}${body}}`);
      if (counted.denials.size === 0) return;
      const denialDirective = `{"Timestamp":${at},"CloudWatchMetrics":${denialsDirective}}`;
      for (const [code, count] of counted.denials) {
        // A code is a fixed, small set (error codes, or `policy`), written as JSON all the same.
        write(
          `{"_aws":${denialDirective},"Service":${serviceJson},"Handler":${handlerJson},"Reason":${JSON.stringify(code)},${JSON.stringify(DENIALS.name)}:${count}}`,
        );
      }
    },
    /** The process-wide totals, in Prometheus' text exposition format (for servers outside Lambda). */
    prometheusText() {
      return prometheus(totals, bundleAge());
    },
    totals,
  };
}

/** Latency buckets in microseconds (Prometheus takes seconds: they are written as such). */
const BUCKETS_US = [10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000, 100_000, 1_000_000];

function histogram() {
  const counts = BUCKETS_US.map(() => 0);
  const h = { counts, sum: 0, count: 0 };
  h.observe = (micros) => {
    h.sum += micros;
    h.count += 1;
    for (let i = 0; i < BUCKETS_US.length; i += 1) if (micros <= BUCKETS_US[i]) counts[i] += 1;
  };
  return h;
}

const label = (value) => String(value).replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

function prometheus(totals, age) {
  const lines = [];
  const family = (name, type, help) => lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
  family('cedar_authorizer_decisions_total', 'counter', 'Decisions by handler and result.');
  for (const [key, count] of totals.decisions) {
    const [handler, decision] = key.split('\n');
    lines.push(`cedar_authorizer_decisions_total{handler="${label(handler)}",decision="${label(decision)}"} ${count}`);
  }
  family('cedar_authorizer_denials_total', 'counter', 'Denials by handler and reason (an error code, or policy).');
  for (const [key, count] of totals.denials) {
    const [handler, code] = key.split('\n');
    lines.push(`cedar_authorizer_denials_total{handler="${label(handler)}",reason="${label(code)}"} ${count}`);
  }
  family('cedar_authorizer_cache_total', 'counter', 'Decisions by the cache layer that answered (none: verified and evaluated).');
  for (const [layer, count] of totals.cache) lines.push(`cedar_authorizer_cache_total{layer="${label(layer)}"} ${count}`);
  family('cedar_authorizer_key_fetches_total', 'counter', 'JWKS fetches by outcome.');
  for (const [outcome, count] of Object.entries(totals.keyFetches))
    lines.push(`cedar_authorizer_key_fetches_total{outcome="${outcome}"} ${count}`);
  family('cedar_authorizer_bundle_refreshes_total', 'counter', 'Live-bundle checks by outcome.');
  for (const [outcome, count] of Object.entries(totals.refreshes))
    lines.push(`cedar_authorizer_bundle_refreshes_total{outcome="${outcome}"} ${count}`);
  family('cedar_authorizer_decision_duration_seconds', 'histogram', 'Time to decide.');
  const h = totals.latency;
  BUCKETS_US.forEach((b, i) => lines.push(`cedar_authorizer_decision_duration_seconds_bucket{le="${b / 1e6}"} ${h.counts[i]}`));
  lines.push(`cedar_authorizer_decision_duration_seconds_bucket{le="+Inf"} ${h.count}`);
  lines.push(`cedar_authorizer_decision_duration_seconds_sum ${h.sum / 1e6}`);
  lines.push(`cedar_authorizer_decision_duration_seconds_count ${h.count}`);
  if (age !== undefined) {
    family('cedar_authorizer_bundle_age_seconds', 'gauge', 'Time since the bundle in place was loaded.');
    lines.push(`cedar_authorizer_bundle_age_seconds ${Math.round(age)}`);
  }
  return `${lines.join('\n')}\n`;
}

module.exports = { createMetrics, METRICS, DENIALS };
