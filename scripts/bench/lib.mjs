// Shared by the benchmarks: statistics, interleaved timing, tables and a small SVG line chart.
import { spawnSync } from 'node:child_process';

export function stats(samples) {
  const s = [...samples].sort((a, b) => a - b);
  const at = (q) => s[Math.min(s.length - 1, Math.floor(q * s.length))];
  return { n: s.length, median: at(0.5), p99: at(0.99), min: s[0], max: s[s.length - 1] };
}

export const us = (ns) => ns / 1000;
export const fmt = (x, digits = 1) => (Math.abs(x) >= 100 ? x.toFixed(0) : x.toFixed(digits));

/**
 * Times each contender per call, in interleaved rounds so drift on a shared machine hits all alike; odd rounds
 * run the contenders in reverse order, so that none always runs right after the same other one.
 * A contender's `fn(i)` may return a promise, which is awaited (its overhead counts against it).
 */
export async function measure(contenders, { calls, rounds, warmup = 500 }) {
  const samples = Object.fromEntries(contenders.map((c) => [c.name, []]));
  // Each contender's median in each round, for paired comparisons (`roundRatio`).
  const roundMedians = Object.fromEntries(contenders.map((c) => [c.name, []]));
  const busy = Object.fromEntries(contenders.map((c) => [c.name, 0n]));
  for (const c of contenders) for (let i = 0; i < warmup; i += 1) await c.fn(i);
  const per = Math.max(1, Math.floor(calls / rounds));
  for (let round = 0; round < rounds; round += 1) {
    for (const c of round % 2 ? [...contenders].reverse() : contenders) {
      const start = process.hrtime.bigint();
      for (let i = 0; i < per; i += 1) {
        const t0 = process.hrtime.bigint();
        const r = c.fn(round * per + i);
        if (r && typeof r.then === 'function') await r;
        samples[c.name].push(Number(process.hrtime.bigint() - t0));
      }
      busy[c.name] += process.hrtime.bigint() - start;
      roundMedians[c.name].push(stats(samples[c.name].slice(-per)).median);
    }
  }
  return Object.fromEntries(
    contenders.map((c) => [
      c.name,
      { ...stats(samples[c.name]), perSecond: (samples[c.name].length / Number(busy[c.name])) * 1e9, roundMedians: roundMedians[c.name] },
    ]),
  );
}

/**
 * The median over rounds of `a`'s median in a round divided by `b`'s in the same round: a paired ratio, which
 * drift between rounds (the machine busier in one than another) moves less than a ratio of pooled medians.
 */
export function roundRatio(a, b) {
  return stats(a.roundMedians.map((m, i) => m / b.roundMedians[i])).median;
}

/** Runs `script` in fresh `node` processes: wall time (ms) and the child's peak RSS (bytes) per run. */
export function coldRuns(script, { runs, cwd }) {
  const times = [];
  const rss = [];
  // Peak RSS from the child's own memory map (VmHWM): getrusage's maxRSS survives exec on Linux, so a child
  // forked from this (large) process would report this process's size as its own peak.
  const peak = `(() => { try { const m = /VmHWM:\\s+(\\d+) kB/.exec(require('fs').readFileSync('/proc/self/status', 'utf8')); if (m) return Number(m[1]) * 1024; } catch {} return process.resourceUsage().maxRSS * 1024; })()`;
  const wrapped = `${script}\nprocess.stdout.write('\\nRSS=' + ${peak});`;
  for (let i = 0; i < runs; i += 1) {
    const t0 = process.hrtime.bigint();
    const r = spawnSync(process.execPath, ['-e', wrapped], { cwd, encoding: 'utf8' });
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    if (r.status !== 0) throw new Error(`a cold-start script failed (${r.status}): ${r.stderr}`);
    rss.push(Number(/RSS=(\d+)/.exec(r.stdout)?.[1] ?? NaN));
  }
  return { time: stats(times), rss: stats(rss) };
}

export function markdownTable(rows) {
  return [
    `| ${rows[0].join(' | ')} |`,
    `|${rows[0].map(() => '---').join('|')}|`,
    ...rows.slice(1).map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');
}

export function textTable(rows) {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => String(r[i]).length)));
  return rows
    .map((r) =>
      r
        .map((c, i) => String(c).padEnd(widths[i]))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** A log-log line chart of series `{ name, color, points: [[x, y], ...] }`, as SVG text. */
export function lineChart({ title, xLabel, yLabel, series }) {
  const width = 720;
  const height = 420;
  const margin = { left: 80, right: 180, top: 40, bottom: 60 };
  const all = series.flatMap((s) => s.points);
  const [xmin, xmax] = [Math.min(...all.map((p) => p[0])), Math.max(...all.map((p) => p[0]))];
  const [ymin, ymax] = [Math.min(...all.map((p) => p[1])), Math.max(...all.map((p) => p[1]))];
  const lx = (x) => Math.log10(x);
  const [ly0, ly1] = [Math.floor(lx(ymin)), Math.ceil(lx(ymax))];
  const [lx0, lx1] = [Math.floor(lx(xmin)), Math.ceil(lx(xmax))];
  const px = (x) => margin.left + ((lx(x) - lx0) / (lx1 - lx0 || 1)) * (width - margin.left - margin.right);
  const py = (y) => height - margin.bottom - ((lx(y) - ly0) / (ly1 - ly0 || 1)) * (height - margin.top - margin.bottom);
  const out = [`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">`];
  out.push(`<rect width="${width}" height="${height}" fill="white"/>`);
  out.push(`<text x="${width / 2 - 60}" y="22" font-size="15" font-weight="bold">${title}</text>`);
  for (let e = ly0; e <= ly1; e += 1) {
    const y = py(10 ** e);
    out.push(`<line x1="${margin.left}" x2="${width - margin.right}" y1="${y}" y2="${y}" stroke="#ddd"/>`);
    out.push(
      `<text x="${margin.left - 8}" y="${y + 4}" text-anchor="end">${10 ** e >= 1000 ? `${10 ** e / 1000} ms` : `${10 ** e} µs`}</text>`,
    );
  }
  for (let e = lx0; e <= lx1; e += 1) {
    const x = px(10 ** e);
    out.push(`<line x1="${x}" x2="${x}" y1="${margin.top}" y2="${height - margin.bottom}" stroke="#eee"/>`);
    out.push(`<text x="${x}" y="${height - margin.bottom + 18}" text-anchor="middle">${10 ** e}</text>`);
  }
  out.push(`<text x="${(margin.left + width - margin.right) / 2}" y="${height - 18}" text-anchor="middle">${xLabel}</text>`);
  out.push(`<text transform="translate(20 ${height / 2}) rotate(-90)" text-anchor="middle">${yLabel}</text>`);
  series.forEach((s, i) => {
    const d = s.points.map(([x, y], j) => `${j ? 'L' : 'M'}${px(x).toFixed(1)},${py(y).toFixed(1)}`).join(' ');
    out.push(`<path d="${d}" fill="none" stroke="${s.color}" stroke-width="2.5"/>`);
    for (const [x, y] of s.points) out.push(`<circle cx="${px(x).toFixed(1)}" cy="${py(y).toFixed(1)}" r="4" fill="${s.color}"/>`);
    out.push(`<rect x="${width - margin.right + 16}" y="${margin.top + 10 + i * 22}" width="14" height="4" fill="${s.color}"/>`);
    out.push(`<text x="${width - margin.right + 36}" y="${margin.top + 16 + i * 22}">${s.name}</text>`);
  });
  out.push('</svg>');
  return out.join('\n');
}
