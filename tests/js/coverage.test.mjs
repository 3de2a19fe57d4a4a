// `cedar-authorizer test --coverage`, `--min-coverage` and `--reporter junit|json`: which policies, links
// and routes no test case exercises, and reports CI systems read, read back by an independent JUnit parser
// (junitparser from PyPI, `make junit-tools`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { root, store } from './helpers.mjs';

const CLI = path.join(root, 'node_modules/cedar-authorizer/bin/cedar-authorizer.cjs');
const JUNIT_VENV = process.env.JUNIT_VENV ?? path.join(os.homedir(), '.cache/cedar-authorizer/junitparser-5.0.3');
const cli = (...args) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });

/** A copy of an example store, changed by `change(dir)`. */
function copyOf(name, change) {
  const dir = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'coverage-')), name);
  fs.cpSync(store(name), dir, { recursive: true });
  change?.(dir);
  return dir;
}

test('every policy and route of the rides store is covered: --min-coverage 100 passes', () => {
  const r = cli('test', store('rides'), '--min-coverage', '100');
  assert.equal(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /coverage: 9 of 9 \(100\.0%\) policies, links and routes/);
  assert.match(r.stdout, /^static\s+admin-all-routes\s+yes\s+tests\//m);
  assert.match(r.stdout, /^route\s+GET \/unicorns\s+yes/m);
});

test('a policy no case makes determining fails --min-coverage 100, named; a route no case asks for too', () => {
  const dir = copyOf('rides', (d) => {
    fs.appendFileSync(
      path.join(d, 'rides.cedar'),
      '\n@id("untested-night-shift")\npermit (principal in Rides::CognitoUserGroup::"us-east-1_DemoPool1|Night", action, resource);\n',
    );
    const config = JSON.parse(fs.readFileSync(path.join(d, 'authorizer.json'), 'utf8'));
    fs.writeFileSync(path.join(d, 'authorizer.json'), JSON.stringify(config, null, 2));
  });
  const r = cli('test', dir, '--min-coverage', '100');
  assert.equal(r.status, 1, r.stdout + r.stderr);
  assert.match(r.stdout, /not covered: static `untested-night-shift` \(rides\.cedar\): no case makes it determining/);
  assert.match(r.stderr, /coverage 90\.0% is below --min-coverage 100%/);
  assert.equal(cli('test', dir, '--min-coverage', '90').status, 0);
  // Without a threshold, coverage is reported and the exit status is the tests' own.
  const plain = cli('test', dir, '--coverage');
  assert.equal(plain.status, 0);
  assert.match(plain.stdout, /^static\s+untested-night-shift\s+NO/m);
  // Routes: a store whose tests never ask for one of its actions.
  const routes = copyOf('rides', (d) => {
    const file = path.join(d, 'tests/routes.json');
    const t = JSON.parse(fs.readFileSync(file, 'utf8'));
    t.cases = t.cases.filter((c) => c.action.actionId !== 'get /unicorn');
    fs.writeFileSync(file, JSON.stringify(t));
    const tokens = path.join(d, 'tests/tokens.json');
    const tt = JSON.parse(fs.readFileSync(tokens, 'utf8'));
    tt.cases = tt.cases.filter((c) => c.action.actionId !== 'get /unicorn');
    fs.writeFileSync(tokens, JSON.stringify(tt));
  });
  const json = JSON.parse(cli('test', routes, '--coverage', '--json').stdout);
  assert.deepEqual(
    json.coverage.routes.filter((x) => !x.covered).map((x) => x.routeKey),
    ['GET /unicorn'],
  );
  assert.equal(cli('test', routes, '--min-coverage', '100').status, 1);
});

test('templates: covered through their links', () => {
  const r = cli('test', store('photos'), '--coverage', '--json');
  const { coverage } = JSON.parse(r.stdout);
  assert.deepEqual(coverage.templates, [
    { id: 'group-views-shared-photos', file: 'photos.cedar', covered: true, links: ['friends-view-vacation', 'family-view-birthday'] },
  ]);
  assert.ok(coverage.policies.some((p) => p.kind === 'link' && p.covered));
});

test('--reporter junit: one test case per case, failures with the differences, read back by junitparser', () => {
  const dir = copyOf('rides', (d) => {
    const file = path.join(d, 'tests/routes.json');
    const t = JSON.parse(fs.readFileSync(file, 'utf8'));
    t.cases[0].expect = { decision: 'DENY' };
    t.cases[1].name = 'a name with <markup> & "quotes"';
    fs.writeFileSync(file, JSON.stringify(t));
    fs.writeFileSync(path.join(d, 'tests/broken.json'), '{ "cases": [ { "name": "no expect" } ] }');
  });
  const report = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'junit-')), 'report.xml');
  const r = cli('test', dir, '--reporter', 'junit', '--output', report);
  assert.equal(r.status, 1);
  const read = spawnSync(path.join(JUNIT_VENV, 'bin/python'), [path.join(root, 'tests/fixtures/junit/read_junit.py'), report], {
    encoding: 'utf8',
  });
  assert.equal(read.status, 0, read.stderr);
  const xml = JSON.parse(read.stdout);
  const routes = JSON.parse(fs.readFileSync(path.join(dir, 'tests/routes.json'), 'utf8'));
  const tokens = JSON.parse(fs.readFileSync(path.join(dir, 'tests/tokens.json'), 'utf8'));
  assert.equal(xml.tests, routes.cases.length + tokens.cases.length + 1);
  assert.equal(xml.failures, 1);
  assert.equal(xml.errors, 1);
  const suite = xml.suites.find((s) => s.name === 'tests/routes.json');
  assert.equal(suite.tests, routes.cases.length);
  const failed = suite.cases.find((c) => c.results.includes('Failure'));
  assert.equal(failed.name, routes.cases[0].name);
  assert.match(failed.messages[0], /DENY|ALLOW/);
  assert.match(failed.texts[0], /expected: .*"decision":"DENY"/);
  assert.ok(suite.cases.some((c) => c.name === 'a name with <markup> & "quotes"' && c.results.length === 0));
  assert.ok(xml.suites.some((s) => s.name === 'tests/broken.json' && s.errors === 1));
  // JSON for other tools: the report, with coverage when asked.
  const json = JSON.parse(cli('test', dir, '--reporter', 'json', '--coverage').stdout);
  assert.equal(json.failed, 1);
  assert.equal(typeof json.coverage.percent, 'number');
});
