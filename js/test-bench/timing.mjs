// Time: the clock tokens are checked against, and how long a decision takes.

/**
 * The clock the page checks token times against: this computer's, or a fixed instant given as
 * `?now=<seconds since the epoch>`, so a case with a token (a test, a share link) gives the same answer later.
 */
export function pageClock(search) {
  const fixed = new URLSearchParams(search).get('now');
  if (fixed && /^\d{1,12}$/.test(fixed)) {
    const ms = Number(fixed) * 1000;
    return { now: () => ms, fixed: true, label: `Clock fixed at ${new Date(ms).toISOString()} (?now=${fixed})` };
  }
  return { now: () => Date.now(), fixed: false, label: "Token times are checked against this computer's clock" };
}

/**
 * Runs a synchronous, side-effect-free decision and times it. The first call pays for warming up, and
 * browsers coarsen timers (to 0.1 ms or more), so the call is repeated for up to 20 ms and the mean of the
 * repeats is reported; a first call slower than that is reported as it is.
 */
export function measure(call) {
  let started = performance.now();
  const answer = call();
  const once = performance.now() - started;
  if (once >= 20) return { answer, timing: { ms: once, runs: 1 } };
  let runs = 0;
  started = performance.now();
  do {
    call();
    runs += 1;
  } while (performance.now() - started < 20 && runs < 5000);
  return { answer, timing: { ms: (performance.now() - started) / runs, runs } };
}
