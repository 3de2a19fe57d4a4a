// Sums up a `make fuzz` run from build/fuzz/<target>.log and fuzz/artifacts/<target>/: executions,
// seconds, coverage (libFuzzer's `cov` and `ft`), corpus size and crashes per target, as a Markdown
// table; exits non-zero when any target crashed. Crash inputs become regression tests when copied into
// fuzz/regressions/<target>/.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const targets = ['token', 'bundle', 'request', 'routes'];
const rows = [['target', 'executions', 'seconds', 'exec/s', 'coverage (cov / ft)', 'corpus', 'crashes']];
let crashed = 0;
for (const t of targets) {
  const file = path.join(root, 'build/fuzz', `${t}.log`);
  if (!fs.existsSync(file)) continue;
  const text = fs.readFileSync(file, 'utf8');
  const done = /Done (\d+) runs in (\d+) second/.exec(text);
  const stats = [...text.matchAll(/cov: (\d+) ft: (\d+) corp: (\d+)\//g)].pop();
  const artifacts = path.join(root, 'fuzz/artifacts', t);
  const crashes = fs.existsSync(artifacts) ? fs.readdirSync(artifacts).filter((f) => /^(crash|oom|timeout|leak)-/.test(f)).length : 0;
  crashed += crashes;
  const runs = done ? Number(done[1]) : NaN;
  const secs = done ? Number(done[2]) : NaN;
  rows.push([t, runs.toLocaleString('en-US'), secs, Math.round(runs / secs).toLocaleString('en-US'), stats ? `${stats[1]} / ${stats[2]}` : '-', stats ? stats[3] : '-', crashes]);
}
console.log([`| ${rows[0].join(' | ')} |`, `|${rows[0].map(() => '---').join('|')}|`, ...rows.slice(1).map((r) => `| ${r.join(' | ')} |`)].join('\n'));
process.exitCode = crashed === 0 ? 0 : 1;
