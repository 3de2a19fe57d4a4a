// Builds the browser test bench (js/test-bench/) into a folder of static files that any web server can
// host, at any path: index.html, app.js (the page, CodeMirror, the web build of the package and the
// example stores of policies/, bundled), app.css, the engine's .wasm beside them, and a service worker
// that keeps the page working offline once loaded. Idempotent: the folder is rebuilt from scratch.
//
//   node scripts/build/test-bench.mjs [--out build/test-bench]
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const require = createRequire(import.meta.url);
const { readStoreFolder } = require('../../js/lib/store-files.cjs');

const source = path.join(root, 'js/test-bench');
const webBuild = path.join(root, 'js/dist/web.mjs');
const wasm = path.join(root, 'js/dist/cedar_authorizer_bg.wasm');
const examplesDir = path.join(root, 'policies');
const outFlag = process.argv.indexOf('--out');
const out = path.resolve(root, outFlag > 0 ? process.argv[outFlag + 1] : 'build/test-bench');

/** Every store under policies/, with its tests, as `{ name: { path: text } }`. */
function readExamples() {
  const examples = {};
  for (const entry of fs.readdirSync(examplesDir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    if (entry.isDirectory()) examples[entry.name] = readStoreFolder(path.join(examplesDir, entry.name));
  }
  return examples;
}

/** `import examples from 'virtual:examples'` in the page: the example stores, read at build time. */
const examplesPlugin = {
  name: 'examples',
  setup(build) {
    build.onResolve({ filter: /^virtual:examples$/ }, () => ({ path: 'examples', namespace: 'examples' }));
    build.onLoad({ filter: /.*/, namespace: 'examples' }, () => ({
      contents: `export default ${JSON.stringify(readExamples())};`,
      loader: 'js',
      watchDirs: [examplesDir],
    }));
  },
};

function digest(files) {
  const hash = crypto.createHash('sha256');
  for (const file of files) hash.update(file).update(fs.readFileSync(path.join(out, file)));
  return hash.digest('hex').slice(0, 16);
}

async function build() {
  const started = performance.now();
  for (const needed of [webBuild, wasm]) {
    if (!fs.existsSync(needed)) {
      throw new Error(`${path.relative(root, needed)} is missing: build the package first (make build)`);
    }
  }
  fs.rmSync(out, { recursive: true, force: true });
  fs.mkdirSync(out, { recursive: true });

  const common = { bundle: true, minify: true, legalComments: 'linked', logLevel: 'warning', absWorkingDir: root };
  await esbuild.build({
    ...common,
    entryPoints: [path.join(source, 'main.mjs')],
    outfile: path.join(out, 'app.js'),
    format: 'esm',
    platform: 'browser',
    target: ['chrome111', 'firefox113', 'safari16.4'],
    sourcemap: 'linked',
    plugins: [examplesPlugin],
  });
  await esbuild.build({ ...common, entryPoints: [path.join(source, 'styles.css')], outfile: path.join(out, 'app.css') });
  fs.copyFileSync(path.join(source, 'index.html'), path.join(out, 'index.html'));
  fs.copyFileSync(wasm, path.join(out, 'cedar_authorizer_bg.wasm'));

  const assets = ['index.html', 'app.js', 'app.css', 'cedar_authorizer_bg.wasm'];
  const worker = fs.readFileSync(path.join(source, 'sw.js'), 'utf8')
    .replace('__CACHE_NAME__', `cedar-test-bench-${digest(assets)}`)
    .replace('__ASSETS__', JSON.stringify(['./', ...assets]));
  fs.writeFileSync(path.join(out, 'sw.js'), worker);

  const size = (file) => fs.statSync(path.join(out, file)).size;
  const listing = [...assets, 'sw.js'].map((file) => `${file} ${(size(file) / 1024).toFixed(0)} KiB`).join(', ');
  console.log(`test bench built into ${path.relative(root, out) || '.'}/ in ${(performance.now() - started).toFixed(0)} ms: ${listing}`);
}

build().catch((e) => {
  console.error(`build-test-bench: ${e.message}`);
  process.exitCode = 1;
});
