// Runs the example requests (the test files) of every policy store under a folder and prints, per store,
// a table of request, decision and determining policies.
import fs from 'node:fs';
import path from 'node:path';
import { Authorizer, readStoreFolder } from '../../js/index.mjs';

const root = process.argv[2] ?? 'policies';
const stores = fs
  .readdirSync(root)
  .filter((d) => fs.statSync(path.join(root, d)).isDirectory())
  .sort();
let failures = 0;

function short(entity) {
  if (!entity) return '-';
  const type = entity.entityType ?? entity.actionType ?? entity.type ?? '';
  const id = entity.entityId ?? entity.actionId ?? entity.id ?? '';
  return `${type.split('::').pop()}::"${id}"`;
}

function table(rows) {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => String(r[i]).length)));
  return rows
    .map((r, n) => {
      const line = r
        .map((c, i) => String(c).padEnd(widths[i]))
        .join('  ')
        .trimEnd();
      return n === 0 ? `${line}\n${widths.map((w) => '-'.repeat(w)).join('  ')}` : line;
    })
    .join('\n');
}

for (const name of stores) {
  const dir = path.join(root, name);
  const files = readStoreFolder(dir);
  const authorizer = await Authorizer.load({ files });
  const report = authorizer.runTests(files);
  console.log(`\n${dir}  (${authorizer.policies.length} policies, bundle ${authorizer.hash.slice(0, 19)}...)\n`);
  const rows = [['', 'principal', 'action', 'resource', 'decision', 'determining policies']];
  for (const c of report.cases) {
    rows.push([
      c.passed ? 'ok' : 'FAIL',
      short(c.request.principal),
      c.request.action?.actionId ?? c.request.action?.id ?? '-',
      short(c.request.resource),
      c.actual.decision,
      c.actual.determiningPolicies.map((p) => p.policyId).join(', ') || (c.actual.errors[0]?.code ?? '-'),
    ]);
  }
  console.log(table(rows));
  for (const c of report.cases.filter((c) => !c.passed)) console.log(`FAIL ${c.name}\n  ${c.differences.join('\n  ')}`);
  failures += report.failed;
  console.log(`\n${report.passed} of ${report.cases.length} as expected`);
}
process.exitCode = failures === 0 ? 0 : 1;
