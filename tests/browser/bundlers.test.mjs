// The web build through the bundlers users have, as README's "In the browser" says to use them: esbuild
// with the `.wasm` file loader, esbuild with no options and the module copied beside the script, and Vite
// with `?url`. Each bundles tests/fixtures/bundlers/ against the installed package, and the page it makes
// decides a request in headless Chromium, loading nothing from outside its own server.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { build as viteBuild } from 'vite';
import { buildBundle, readStoreFolder } from 'cedar-authorizer';
import { launch } from './browser.mjs';
import { serveStatic } from './static-server.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const fixtures = path.join(root, 'tests/fixtures/bundlers');
const out = path.join(root, 'build/bundlers');
const page = `<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><body><script type="module" src="./app.js"></script>`;

fs.rmSync(out, { recursive: true, force: true });
const built = buildBundle(readStoreFolder(path.join(root, 'policies/rides')));
assert.ok(built.bundle, 'the rides bundle');
const bundleText = JSON.stringify(built.bundle);

/** Opens `dir`'s index.html and waits for the app's decision. */
async function decisionOf(dir) {
  fs.writeFileSync(path.join(dir, 'rides.bundle.json'), bundleText);
  const server = await serveStatic(dir, { prefix: '/app/' });
  const browser = await launch({ allowedOrigin: server.url.replace(/\/app\/$/, '') });
  try {
    await browser.page.goto(server.url);
    await browser.page.waitForSelector('body[data-decision]', { state: 'attached', timeout: 20_000 }).catch(() => {
      throw new Error(`no decision; page problems: ${browser.problems.join('\n') || 'none'}`);
    });
    const body = await browser.page.$('body');
    return {
      decision: await body.getAttribute('data-decision'),
      policies: await body.getAttribute('data-policies'),
      wasm: server.requests.filter((r) => r.endsWith('.wasm')),
      problems: [...browser.problems],
      offsite: [...browser.offsite],
    };
  } finally {
    await browser.close();
    await server.close();
  }
}

function expectAllow(result) {
  assert.deepEqual(result.problems, []);
  assert.deepEqual(result.offsite, []);
  assert.equal(result.decision, 'ALLOW');
  assert.equal(result.policies, 'riders-rider-routes');
  assert.equal(result.wasm.length, 1, `the module fetched once: ${result.wasm}`);
}

test('esbuild, with the .wasm file loader: the module is emitted and found by its URL', async () => {
  const dir = path.join(out, 'esbuild-loader');
  await esbuild.build({
    entryPoints: [path.join(fixtures, 'esbuild/with-loader.mjs')],
    bundle: true,
    format: 'esm',
    outfile: path.join(dir, 'app.js'),
    loader: { '.wasm': 'file' },
    logLevel: 'warning',
  });
  const emitted = fs.readdirSync(dir).filter((f) => f.endsWith('.wasm'));
  assert.equal(emitted.length, 1, `${emitted}`);
  fs.writeFileSync(path.join(dir, 'index.html'), page);
  expectAllow(await decisionOf(dir));
});

test('esbuild, no options: the module copied beside the script is found', async () => {
  const dir = path.join(out, 'esbuild-beside');
  await esbuild.build({
    entryPoints: [path.join(fixtures, 'esbuild/beside.mjs')],
    bundle: true,
    format: 'esm',
    outfile: path.join(dir, 'app.js'),
    logLevel: 'warning',
  });
  const wasm = createRequire(import.meta.url).resolve('cedar-authorizer/web.wasm');
  fs.copyFileSync(wasm, path.join(dir, 'cedar_authorizer_bg.wasm'));
  fs.writeFileSync(path.join(dir, 'index.html'), page);
  const result = await decisionOf(dir);
  expectAllow(result);
  assert.deepEqual(result.wasm, ['/app/cedar_authorizer_bg.wasm']);
});

test('Vite, with ?url: the module is an asset of the build', async () => {
  const dir = path.join(out, 'vite');
  await viteBuild({
    root: path.join(fixtures, 'vite'),
    base: './',
    logLevel: 'warn',
    configFile: false,
    build: { outDir: dir, emptyOutDir: true, assetsInlineLimit: 0 },
  });
  assert.ok(fs.readdirSync(path.join(dir, 'assets')).some((f) => f.endsWith('.wasm')));
  expectAllow(await decisionOf(dir));
});
