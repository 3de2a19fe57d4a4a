'use strict';

/**
 * Policy test coverage (`cedar-authorizer test --coverage`): from a test report (the cases with their
 * actual answers, as the module ran them) and the store's description, which policies and template links
 * some case made determining, and which routes some case exercised (a case asking for the route's action).
 * A policy no case makes determining is a policy no test has checked.
 */

const { entityText } = require('../entity.cjs');

/** An action as the cases and the routes write it, in one form: `Type::"id"`. */
function actionText(action) {
  if (typeof action === 'string') return action.replace(/\s*::\s*/g, '::');
  return entityText(action);
}

/**
 * `{ policies: [{ id, kind, file, covered, cases }], templates: [{ id, covered, links }], routes: [{ routeKey,
 * action, covered, cases }], covered, total, percent }`. `covered`/`total` count policies, links and routes;
 * a template is covered when one of its links is (it decides nothing itself).
 */
function coverageOf(report, { policies, routes }) {
  const byPolicy = new Map();
  const byAction = new Map();
  const add = (map, key, name) => {
    if (!map.has(key)) map.set(key, []);
    map.get(key).push(name);
  };
  for (const c of report.cases) {
    const name = `${c.file}: ${c.name}`;
    for (const p of (c.actual && c.actual.determiningPolicies) || []) add(byPolicy, p.policyId, name);
    const action = c.request && actionText(c.request.action);
    if (action) add(byAction, action, name);
  }
  const deciding = policies
    .filter((p) => p.kind !== 'template')
    .map((p) => ({ id: p.id, kind: p.kind, file: p.file, covered: byPolicy.has(p.id), cases: byPolicy.get(p.id) ?? [] }));
  const templates = policies
    .filter((p) => p.kind === 'template')
    .map((t) => {
      const links = policies.filter((p) => p.kind === 'link' && p.templateId === t.id).map((p) => p.id);
      return { id: t.id, file: t.file, covered: links.some((l) => byPolicy.has(l)), links };
    });
  const routeItems = (routes || []).map((r) => {
    const action = actionText(r.action);
    return { routeKey: r.routeKey, action, covered: byAction.has(action), cases: byAction.get(action) ?? [] };
  });
  const items = [...deciding, ...routeItems];
  const covered = items.filter((i) => i.covered).length;
  return {
    policies: deciding,
    templates,
    routes: routeItems,
    covered,
    total: items.length,
    percent: items.length === 0 ? 100 : (covered / items.length) * 100,
  };
}

/** The coverage as a table, then the items not covered, named. */
function coverageText(coverage) {
  const rows = [['kind', 'id', 'covered', 'by']];
  for (const p of coverage.policies)
    rows.push([
      p.kind,
      p.id,
      p.covered ? 'yes' : 'NO',
      p.cases[0] ? `${p.cases[0]}${p.cases.length > 1 ? ` (+${p.cases.length - 1})` : ''}` : '',
    ]);
  for (const t of coverage.templates)
    rows.push(['template', t.id, t.covered ? 'yes' : 'NO', t.links.length ? `links: ${t.links.join(', ')}` : 'no links']);
  for (const r of coverage.routes)
    rows.push([
      'route',
      r.routeKey,
      r.covered ? 'yes' : 'NO',
      r.cases[0] ? `${r.cases[0]}${r.cases.length > 1 ? ` (+${r.cases.length - 1})` : ''}` : '',
    ]);
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  const line = (r) =>
    r
      .map((c, i) => c.padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  const uncovered = [
    ...coverage.policies.filter((p) => !p.covered).map((p) => `${p.kind} \`${p.id}\` (${p.file}): no case makes it determining`),
    ...coverage.routes.filter((r) => !r.covered).map((r) => `route \`${r.routeKey}\`: no case asks for ${r.action}`),
  ];
  return [
    line(rows[0]),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...rows.slice(1).map(line),
    '',
    `coverage: ${coverage.covered} of ${coverage.total} (${coverage.percent.toFixed(1)}%) policies, links and routes`,
    ...uncovered.map((u) => `  not covered: ${u}`),
  ].join('\n');
}

module.exports = { coverageOf, coverageText };
