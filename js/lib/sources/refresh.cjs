'use strict';

const { createHash } = require('node:crypto');
const { SourceError } = require('./errors.cjs');

const DEFAULTS = {
  intervalSeconds: 60,
  timeoutMs: 5000,
  maxBytes: 10 * 1024 * 1024,
  jitter: 0.1,
};

/**
 * When and how a live bundle is checked again. Lambda freezes a process between invocations, so no timer
 * drives it: each call into the authorizer asks `beforeCall()`, which starts a check once the interval has
 * passed. The caller then waits for the source's answer, one conditional request bounded by the timeout,
 * and no longer: a new bundle is verified, built and swapped in on the next turn of the event loop, after
 * the decision that found the interval passed, so that decision (and every one while the source is read)
 * runs on the bundle in place. A check that fails keeps the bundle, logs one line with its code, and backs
 * off exponentially (one interval, two, four, ... up to `maxBackoff`); intervals are jittered so that many
 * instances do not check in step.
 *
 * `install(text)` verifies and builds the body and swaps it in, answering `{ hash, revision }`; it throws
 * (an AuthorizerLoadError with the module's code) for a bundle that is refused. It is not called for a
 * body whose SHA-256 is that of the bundle running.
 */
function createRefresher(options) {
  const {
    reader,
    install,
    log,
    clock = Date.now,
    random = Math.random,
    intervalSeconds = DEFAULTS.intervalSeconds,
    minIntervalSeconds = 1,
    timeoutMs = DEFAULTS.timeoutMs,
    maxBytes = DEFAULTS.maxBytes,
    jitter = DEFAULTS.jitter,
    maxStaleSeconds,
    onCheck = () => {},
  } = options;
  if (!(intervalSeconds >= minIntervalSeconds)) {
    throw new SourceError(
      'config.invalid',
      `refreshSeconds is ${intervalSeconds}: a ${reader.kind} source is checked at most every ${minIntervalSeconds} s`,
    );
  }
  const intervalMs = intervalSeconds * 1000;
  const maxBackoffMs = (options.maxBackoffSeconds ?? Math.max(intervalSeconds * 16, 900)) * 1000;
  const maxStaleMs = maxStaleSeconds === undefined ? undefined : maxStaleSeconds * 1000;

  const state = {
    etag: undefined,
    bodyDigest: undefined,
    hash: undefined,
    revision: undefined,
    loadedAt: undefined,
    origin: undefined,
    lastCheck: undefined,
    lastSuccessAt: undefined,
    lastError: undefined,
    consecutiveFailures: 0,
    checks: 0,
    swaps: 0,
    nextCheckAt: -Infinity,
    inFlight: null,
  };

  const jittered = (ms) => Math.round(ms * (1 - jitter + 2 * jitter * random()));

  /** Records the bundle in place: the first one (from the source or the fallback) and every swap. */
  function loaded({ hash, revision, bodyDigest, etag, origin }) {
    Object.assign(state, { hash, revision, loadedAt: clock(), origin });
    if (bodyDigest !== undefined) state.bodyDigest = bodyDigest;
    if (etag !== undefined) state.etag = etag;
  }

  function succeeded(outcome, at, how) {
    state.lastCheck = { at, outcome, how };
    state.lastSuccessAt = at;
    state.consecutiveFailures = 0;
    state.lastError = undefined;
    // From when the check began: a check applied late (by the next call) does not push the schedule back.
    state.nextCheckAt = at + jittered(intervalMs);
  }

  function failed(error, at) {
    const code = typeof error.code === 'string' ? error.code : 'source.unavailable';
    state.consecutiveFailures += 1;
    state.lastCheck = { at, outcome: 'failed', how: code };
    state.lastError = { code, message: error.message, at };
    const backoff = Math.min(maxBackoffMs, intervalMs * 2 ** (state.consecutiveFailures - 1));
    state.nextCheckAt = at + jittered(backoff);
    log({
      level: 'warn',
      message: 'bundle refresh failed',
      source: reader.label,
      code,
      detail: error.message,
      consecutiveFailures: state.consecutiveFailures,
      nextCheckInSeconds: Math.round((state.nextCheckAt - clock()) / 1000),
      bundleHash: state.hash,
      bundleRevision: state.revision ?? null,
    });
  }

  /** The source's answer: `{ unchanged }`, `{ body, etag }` or `{ error }`; never rejects. */
  async function fetched() {
    try {
      return await reader.read({ etag: state.etag, timeoutMs, maxBytes });
    } catch (error) {
      return {
        error: error instanceof SourceError ? error : new SourceError('source.unavailable', String((error && error.message) || error)),
      };
    }
  }

  /** What a check found, applied: the bundle swapped in, or the failure recorded. Never throws. */
  function settle(answer, at) {
    state.checks += 1;
    if (answer.error) return (failed(answer.error, at), { outcome: 'failed', code: answer.error.code });
    if (answer.unchanged) return (succeeded('unchanged', at, 'not-modified'), { outcome: 'unchanged' });
    const bodyDigest = createHash('sha256').update(answer.body).digest('hex');
    if (bodyDigest === state.bodyDigest) {
      if (answer.etag) state.etag = answer.etag;
      succeeded('unchanged', at, 'same-body');
      return { outcome: 'unchanged' };
    }
    let text;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(answer.body);
    } catch {
      const error = new SourceError('bundle.invalid', `${reader.label} sent a body that is not UTF-8 text: not a bundle`);
      failed(error, at);
      return { outcome: 'failed', code: error.code };
    }
    const previous = { hash: state.hash, revision: state.revision };
    let installed;
    try {
      installed = install(text);
    } catch (error) {
      failed(error, at);
      return { outcome: 'failed', code: error.code };
    }
    state.swaps += 1;
    loaded({ ...installed, bodyDigest, etag: answer.etag, origin: 'source' });
    succeeded('changed', at, 'new-bundle');
    log({
      level: 'info',
      message: 'bundle refreshed',
      source: reader.label,
      bundleHash: installed.hash,
      bundleRevision: installed.revision ?? null,
      previousHash: previous.hash,
      previousRevision: previous.revision ?? null,
    });
    return { outcome: 'changed', hash: installed.hash, revision: installed.revision };
  }

  /**
   * Starts a check: `{ answered, done, settleNow }`, the source's answer, the whole check, and a way to apply
   * an answer that has come in now. The answer is applied on the next turn of the event loop, or by the next
   * call if it comes first (a caller deciding in a loop that never yields to the event loop would otherwise
   * never see the new bundle).
   */
  function start() {
    const at = clock();
    let received = null;
    let resolveDone;
    const done = new Promise((resolve) => (resolveDone = resolve));
    const check = {
      answered: null,
      done,
      settleNow() {
        if (received === null || state.inFlight !== check) return;
        const answer = received;
        received = null;
        state.inFlight = null;
        const result = settle(answer, at);
        onCheck(result);
        resolveDone(result);
      },
    };
    check.answered = fetched().then((answer) => {
      received = answer;
      setImmediate(() => check.settleNow());
    });
    state.inFlight = check;
    return check;
  }

  return {
    reader,
    loaded,
    /** Whether a check is due now (and none is in flight). */
    due: () => state.inFlight === null && clock() >= state.nextCheckAt,
    /**
     * Before a decision: starts a check when one is due and resolves once the source has answered (or the
     * timeout passed); resolves at once otherwise. Never rejects.
     */
    beforeCall() {
      if (state.inFlight !== null) state.inFlight.settleNow();
      if (state.inFlight === null && clock() >= state.nextCheckAt) return start().answered;
      return undefined;
    },
    /** A check now (or the one in flight), to its end: `{ outcome: 'changed' | 'unchanged' | 'failed', code? }`. */
    refresh() {
      return (state.inFlight ?? start()).done;
    },
    /** Records a check made outside the schedule (the first read of the source, at load). */
    checked(outcome) {
      state.checks += 1;
      succeeded(outcome, clock(), 'new-bundle');
    },
    /** Past `maxStaleSeconds` without a successful check (never, without the option). */
    stale() {
      if (maxStaleMs === undefined) return false;
      const since = state.lastSuccessAt ?? state.loadedAt ?? -Infinity;
      return clock() - since > maxStaleMs;
    },
    status() {
      const iso = (ms) => (ms === undefined || !Number.isFinite(ms) ? null : new Date(ms).toISOString());
      return {
        source: reader.label,
        kind: reader.kind,
        origin: state.origin ?? null,
        hash: state.hash,
        revision: state.revision ?? null,
        loadedAt: iso(state.loadedAt),
        lastCheck: state.lastCheck ? { at: iso(state.lastCheck.at), outcome: state.lastCheck.outcome, how: state.lastCheck.how } : null,
        lastSuccessAt: iso(state.lastSuccessAt),
        lastError: state.lastError ? { ...state.lastError, at: iso(state.lastError.at) } : null,
        consecutiveFailures: state.consecutiveFailures,
        checks: state.checks,
        swaps: state.swaps,
        nextCheckAt: iso(state.nextCheckAt),
        etag: state.etag ?? null,
        intervalSeconds,
        maxStaleSeconds: maxStaleSeconds ?? null,
        stale: this.stale(),
      };
    },
    close: () => reader.close && reader.close(),
  };
}

module.exports = { createRefresher, DEFAULTS };
