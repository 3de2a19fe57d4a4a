'use strict';

/**
 * A test report as JUnit XML (`cedar-authorizer test --reporter junit --output report.xml`), the format CI
 * systems read: one `<testsuite>` per test file, one `<testcase>` per case, a failing case's differences in
 * its `<failure>`, a file or case that could not be read an `<error>`.
 */

/** Text as XML character data or an attribute value: escaped, and without the characters XML 1.0 forbids. */
function xml(text) {
  return String(text)
    .replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '\uFFFD')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

function junitXml(report, { name = 'cedar-authorizer test' } = {}) {
  const suites = new Map();
  const suite = (file) => {
    if (!suites.has(file)) suites.set(file, { cases: [], failures: 0, errors: 0 });
    return suites.get(file);
  };
  for (const c of report.cases) {
    const s = suite(c.file);
    s.cases.push(c);
    if (!c.passed) s.failures += 1;
  }
  for (const d of report.diagnostics || []) {
    const s = suite(d.file || '(store)');
    s.cases.push({ diagnostic: d });
    s.errors += 1;
  }
  const out = ['<?xml version="1.0" encoding="UTF-8"?>'];
  const failures = [...suites.values()].reduce((n, s) => n + s.failures, 0);
  const errors = [...suites.values()].reduce((n, s) => n + s.errors, 0);
  const tests = [...suites.values()].reduce((n, s) => n + s.cases.length, 0);
  out.push(`<testsuites name="${xml(name)}" tests="${tests}" failures="${failures}" errors="${errors}">`);
  for (const [file, s] of suites) {
    out.push(`  <testsuite name="${xml(file)}" tests="${s.cases.length}" failures="${s.failures}" errors="${s.errors}" skipped="0">`);
    for (const c of s.cases) {
      if (c.diagnostic) {
        const d = c.diagnostic;
        const where = d.start ? `${d.file}:${d.start.line}:${d.start.column}` : d.file || '';
        out.push(`    <testcase classname="${xml(file)}" name="${xml(`cannot be read${where ? `: ${where}` : ''}`)}">`);
        out.push(`      <error message="${xml(d.errorDescription)}" type="${xml(d.code)}">${xml(d.help || d.errorDescription)}</error>`);
        out.push('    </testcase>');
        continue;
      }
      out.push(`    <testcase classname="${xml(file)}" name="${xml(c.name)}">`);
      if (!c.passed) {
        const first = c.differences[0] || 'the answer differs from what the case expects';
        const detail = [
          ...c.differences,
          `expected: ${JSON.stringify(c.expect)}`,
          `actual: ${JSON.stringify({ decision: c.actual.decision, determiningPolicies: c.actual.determiningPolicies.map((p) => p.policyId), errors: c.actual.errors.map((e) => e.code) })}`,
        ].join('\n');
        out.push(
          `      <failure message="${xml(first)}" type="${xml(c.expect.decision === c.actual.decision ? 'answer' : 'decision')}">${xml(detail)}</failure>`,
        );
      }
      out.push('    </testcase>');
    }
    out.push('  </testsuite>');
  }
  out.push('</testsuites>');
  return `${out.join('\n')}\n`;
}

module.exports = { junitXml, xml };
