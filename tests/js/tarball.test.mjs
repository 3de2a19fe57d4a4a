// The packed tarball, as npm publishes it: README and LICENSE ship with it, every file `exports`, `main`,
// `types` and `bin` name is in it, and nothing of the workspace (tests, sources, scripts) is.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { root } from './helpers.mjs';

const manifest = JSON.parse(fs.readFileSync(path.join(root, 'js/package.json'), 'utf8'));
const tarball = path.join(root, 'build', `cedar-authorizer-${manifest.version}.tgz`);
const listing = () => new Set(execFileSync('tar', ['tzf', tarball], { encoding: 'utf8' }).split('\n').filter(Boolean));
const read = (name) => execFileSync('tar', ['xzOf', tarball, `package/${name}`], { encoding: 'utf8', maxBuffer: 1 << 26 });

test('the tarball ships the README and the Apache-2.0 LICENSE of the repository', () => {
  const files = listing();
  for (const name of ['README.md', 'LICENSE', 'package.json']) assert.ok(files.has(`package/${name}`), name);
  assert.equal(read('README.md'), fs.readFileSync(path.join(root, 'README.md'), 'utf8'));
  assert.equal(read('LICENSE'), fs.readFileSync(path.join(root, 'LICENSE'), 'utf8'));
  assert.equal(manifest.license, 'Apache-2.0');
  assert.match(read('LICENSE'), /Apache License\s+Version 2\.0/);
});

test('every file the manifest names is in the tarball, and nothing from outside js/ is', () => {
  const files = listing();
  const named = new Set([manifest.main, manifest.module, manifest.types, ...Object.values(manifest.bin)]);
  const walk = (value) => {
    if (typeof value === 'string') named.add(value);
    else if (value && typeof value === 'object') Object.values(value).forEach(walk);
  };
  walk(manifest.exports);
  for (const file of named) assert.ok(files.has(`package/${path.posix.normalize(file)}`), `${file} is named but not packed`);
  for (const file of files) assert.doesNotMatch(file, /^package\/(src|tests|scripts|test-bench|node_modules)\//, file);
});
