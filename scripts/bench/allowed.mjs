// allowedActions (`make bench`): "which actions may this principal take on this resource", for the rides store
// (6 actions) and a store of 100 actions, against asking isAuthorized once per action, timed in interleaved
// rounds in the same run. Writes build/bench-allowed.json and docs/benchmarks-allowed.md.
//   node scripts/bench/allowed.mjs [--quick]
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { measure, us, fmt, markdownTable, textTable } from './lib.mjs';

const require = createRequire(import.meta.url);
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const { Authorizer, readStoreFolder } = require('cedar-authorizer');
const quick = process.argv.includes('--quick');
const ROUNDS = quick ? 3 : 7;
const CALLS = quick ? 1500 : 7000;

const user = (group) => ({
  principal: { entityType: 'Rides::CognitoUser', entityId: 'us-east-1_DemoPool1|alice' },
  resource: { entityType: 'Rides::Application', entityId: 'Rides' },
  entities: {
    entityList: [
      {
        identifier: { entityType: 'Rides::CognitoUser', entityId: 'us-east-1_DemoPool1|alice' },
        parents: [{ entityType: 'Rides::CognitoUserGroup', entityId: `us-east-1_DemoPool1|${group}` }],
      },
    ],
  },
});

// A store of 100 actions on one resource type: a permit per ten actions, by group.
function hundred() {
  const actions = Array.from({ length: 100 }, (_, i) => `"act${String(i).padStart(3, '0')}"`);
  const schema = `namespace App {
  entity Group;
  entity User in [Group];
  entity Doc;
  action ${actions.join(', ')} appliesTo { principal: [User], resource: [Doc] };
}`;
  const policies = Array.from(
    { length: 10 },
    (_, g) =>
      `@id("group-${g}")\npermit (principal in App::Group::"g${g}", action in [${actions
        .slice(g * 10, g * 10 + 10)
        .map((a) => `App::Action::${a}`)
        .join(', ')}], resource);`,
  ).join('\n\n');
  return { 'schema.cedarschema': schema, 'app.cedar': policies };
}

const ridesAuthorizer = await Authorizer.load({ files: readStoreFolder(path.join(root, 'policies/rides')) });
const big = await Authorizer.load({ files: hundred() });
const bigInput = {
  principal: { entityType: 'App::User', entityId: 'u1' },
  resource: { entityType: 'App::Doc', entityId: 'd1' },
  entities: {
    entityList: [{ identifier: { entityType: 'App::User', entityId: 'u1' }, parents: [{ entityType: 'App::Group', entityId: 'g3' }] }],
  },
};
const ridesInput = user('Riders');
const ridesActions = (await ridesAuthorizer.allowedActions(ridesInput)).actions.map((a) => a.action);
const bigActions = (await big.allowedActions(bigInput)).actions.map((a) => a.action);
if (ridesActions.length !== 6 || bigActions.length !== 100) throw new Error(`${ridesActions.length} and ${bigActions.length} actions`);

const results = await measure(
  [
    { name: 'rides allowedActions', fn: () => ridesAuthorizer.allowedActions(ridesInput) },
    {
      name: 'rides isAuthorized per action',
      fn: () => ridesActions.map((action) => ridesAuthorizer.isAuthorized({ ...ridesInput, action })),
    },
    { name: '100 actions allowedActions', fn: () => big.allowedActions(bigInput) },
    { name: '100 actions isAuthorized per action', fn: () => bigActions.map((action) => big.isAuthorized({ ...bigInput, action })) },
  ],
  { calls: CALLS, rounds: ROUNDS, warmup: 200 },
);
const row = (label, a, b) => [
  label,
  `${fmt(us(results[a].median))} µs`,
  `${fmt(us(results[a].p99))} µs`,
  `${fmt(us(results[b].median))} µs`,
  `${fmt(results[a].median / results[b].median, 2)}`,
];
const rows = [
  ['store', 'allowedActions p50', 'p99', 'isAuthorized per action, p50', 'ratio'],
  row('rides (6 actions)', 'rides allowedActions', 'rides isAuthorized per action'),
  row('100 actions', '100 actions allowedActions', '100 actions isAuthorized per action'),
];
fs.mkdirSync(path.join(root, 'build'), { recursive: true });
fs.writeFileSync(
  path.join(root, 'build/bench-allowed.json'),
  `${JSON.stringify({ date: new Date().toISOString(), quick, rounds: ROUNDS, results }, null, 2)}\n`,
);
console.log(`\n${textTable(rows)}\n`);
if (!quick) {
  fs.writeFileSync(
    path.join(root, 'docs/benchmarks-allowed.md'),
    `# Benchmarks: allowedActions

Written by \`node scripts/bench/allowed.mjs\` (in \`make bench\`) on ${new Date().toISOString().slice(0, 10)}; the figures are in
\`build/bench-allowed.json\`. "Which actions may this principal take on this resource", answered for a rider of
the rides store (6 actions) and for a member of one group in a store of 100 actions (ten permits of ten actions
each), against the same answers asked for one \`isAuthorized\` at a time. Timed in ${ROUNDS} interleaved rounds,
the full module, samples pooled, medians and p99 of all calls.

${markdownTable(rows)}

One call decides every action as one batch: the request is read, the entities merged and the schema checked
once, where one call per action repeats that work for each. A page that shows or hides buttons asks once.
`,
  );
}
