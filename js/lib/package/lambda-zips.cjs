'use strict';

const fs = require('node:fs');
const path = require('node:path');
const { zip } = require('./zip.cjs');
const { AuthorizerLoadError } = require('../errors.cjs');
const { keySetsByIssuer } = require('../jwks.cjs');

/** Lambda@Edge's limit for a viewer-request function's zipped package. */
const EDGE_LIMIT_BYTES = 1_048_576;

const packageRoot = path.resolve(__dirname, '../..');

/** The package's own runtime files (no CLI, browser build or types), under `node_modules/cedar-authorizer/`. */
function runtimeFiles(wasmFolder) {
  const list = ['package.json', 'index.cjs', 'aws.cjs'];
  for (const dir of ['lib', 'lib/aws', 'lib/sources', 'lib/ops']) {
    for (const name of fs.readdirSync(path.join(packageRoot, dir))) {
      if (name.endsWith('.cjs')) list.push(`${dir}/${name}`);
    }
  }
  for (const name of fs.readdirSync(path.join(packageRoot, 'wasm', wasmFolder))) list.push(`wasm/${wasmFolder}/${name}`);
  return list.map((rel) => {
    let data = fs.readFileSync(path.join(packageRoot, rel));
    if (rel === 'package.json') {
      // Only what the runtime reads: the name and the CommonJS entry points.
      const pkg = JSON.parse(data);
      data = JSON.stringify({
        name: pkg.name,
        version: pkg.version,
        main: './index.cjs',
        exports: { '.': './index.cjs', './aws': './aws.cjs', './package.json': './package.json' },
      });
    }
    return { name: `node_modules/cedar-authorizer/${rel}`, data };
  });
}

function template(name) {
  return fs.readFileSync(path.join(packageRoot, 'templates', name));
}

/**
 * Key sets for the edge package, by issuer: one key set for a store with one issuer, or an object of issuer
 * to key set; every issuer of the store needs one.
 */
function jwksByIssuer(jwks, issuers) {
  const byIssuer = keySetsByIssuer(jwks, issuers);
  for (const issuer of issuers) {
    if (!byIssuer[issuer]) throw new AuthorizerLoadError('config.invalid', `the JWKS file has no key set for issuer \`${issuer}\``);
  }
  return byIssuer;
}

/**
 * Writes `lambda-authorizer.zip` (REST and HTTP API handlers, the runtime module, the compiled bundle) and
 * `edge-viewer-request.zip` (the viewer-request handler, the edge module, the compiled bundle, the
 * JWKS, its options) to `outDir`. Returns what it wrote, with sizes. Fails when the edge zip is over
 * Lambda@Edge's 1 MB limit.
 */
function writePackages(api, { files, outDir, jwks, edgeOptions = {}, live }) {
  const liveFiles = liveConfiguration(live);
  const { bundle, diagnostics } = api.buildBundle(files);
  if (!bundle) {
    throw new AuthorizerLoadError('store.invalid', `the store has errors:\n${api.renderDiagnostics(diagnostics, files)}`, diagnostics);
  }
  const compiled = api.compileBundle(bundle);
  const issuers = api.Authorizer.loadSync(bundle, { fetchKeys: false }).issuers.map((i) => i.issuer);
  fs.mkdirSync(outDir, { recursive: true });

  // Both zips carry the compiled bundle: it loads without parsing policy or schema text, which halves the
  // work of a cold start.
  const lambda = zip([
    { name: 'index.js', data: template('lambda-authorizer.cjs') },
    { name: 'bundle.json', data: api.bundleText(compiled) },
    ...liveFiles.lambda,
    ...runtimeFiles('runtime'),
  ]);
  const edgeFiles = [
    { name: 'index.js', data: template('edge-viewer-request.cjs') },
    { name: 'bundle.json', data: api.bundleText(compiled) },
    { name: 'jwks.json', data: JSON.stringify(jwksByIssuer(jwks, issuers)) },
    { name: 'edge-options.json', data: JSON.stringify({ ...edgeOptions, ...liveFiles.edgeOptions }) },
    ...liveFiles.edge,
    ...runtimeFiles('edge'),
  ];
  const edge = zip(edgeFiles);
  const written = [
    { file: path.join(outDir, 'lambda-authorizer.zip'), bytes: lambda.length, data: lambda },
    { file: path.join(outDir, 'edge-viewer-request.zip'), bytes: edge.length, data: edge, limit: EDGE_LIMIT_BYTES },
  ];
  for (const w of written) fs.writeFileSync(w.file, w.data);
  const edgeParts = edgeFiles.map((f) => ({ name: f.name, bytes: Buffer.byteLength(f.data) }));
  return { bundleHash: bundle.hash, compiledHash: compiled.hash, written: written.map(({ data: _data, ...rest }) => rest), edgeParts };
}

/**
 * The live source a package refreshes from (`package --source`): the Lambda zip's `live.json` (the source,
 * its settings, the trusted keys), read by its handler, and for the edge zip, which has no environment
 * variables and must not trust an unsigned bundle, the source in its options and the keys in
 * `trusted-keys.json`. The zip's own bundle is the fallback and the floor of revisions in both.
 */
function liveConfiguration(live) {
  if (!live) return { lambda: [], edge: [], edgeOptions: {} };
  const { source, trustedKeys, refreshSeconds, maxStaleSeconds } = live;
  const { readerOf } = require('../sources/index.cjs');
  let reader;
  try {
    reader = readerOf(source);
  } catch (e) {
    throw new AuthorizerLoadError('config.invalid', `--source ${source}: ${e.message}`);
  }
  if (!reader || reader.kind === 'verified-permissions') {
    throw new AuthorizerLoadError(
      'config.invalid',
      `--source ${source}: a packaged function refreshes from s3://<bucket>/<key> or an https:// URL`,
    );
  }
  if (reader.close) reader.close();
  const settings = {
    source,
    ...(refreshSeconds !== undefined ? { refreshSeconds } : {}),
    ...(maxStaleSeconds !== undefined ? { maxStaleSeconds } : {}),
  };
  const lambda = [{ name: 'live.json', data: JSON.stringify({ ...settings, ...(trustedKeys ? { trustedKeys } : {}) }) }];
  // The edge function reads its bundle over HTTPS, signed: Lambda@Edge should not carry the AWS SDK.
  if (reader.kind !== 'https') return { lambda, edge: [], edgeOptions: {} };
  if (!trustedKeys) {
    throw new AuthorizerLoadError(
      'config.invalid',
      `--source ${source}: the edge function refreshes only signed bundles: give --trusted-keys <jwks>`,
    );
  }
  return { lambda, edge: [{ name: 'trusted-keys.json', data: JSON.stringify(trustedKeys) }], edgeOptions: { live: settings } };
}

module.exports = { writePackages, EDGE_LIMIT_BYTES };
