// Prepares the Lambda@Edge build of the wasm module for the npm package: the module (already shrunk by
// wasm-opt) compressed with brotli, and wasm-bindgen's loader changed to decompress it at start-up.
// Usage: node scripts/build-edge.mjs <pkg/edge> <js/wasm/edge>
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';

const [from, to] = process.argv.slice(2);
const loader = fs.readFileSync(path.join(from, 'cedar_authorizer.js'), 'utf8');
const original = "const wasmBytes = require('fs').readFileSync(wasmPath);";
if (!loader.includes(original)) {
  throw new Error(`wasm-bindgen's loader changed: \`${original}\` not found in ${from}/cedar_authorizer.js`);
}
const patched = loader.replace(
  original,
  "const wasmBytes = require('zlib').brotliDecompressSync(require('fs').readFileSync(`${wasmPath}.br`));",
);
const wasm = fs.readFileSync(path.join(from, 'cedar_authorizer_bg.wasm'));
const compressed = zlib.brotliCompressSync(wasm, {
  params: {
    [zlib.constants.BROTLI_PARAM_QUALITY]: 11,
    [zlib.constants.BROTLI_PARAM_LGWIN]: 24,
    [zlib.constants.BROTLI_PARAM_SIZE_HINT]: wasm.length,
  },
});
fs.mkdirSync(to, { recursive: true });
fs.writeFileSync(path.join(to, 'cedar_authorizer.js'), patched);
fs.writeFileSync(path.join(to, 'cedar_authorizer_bg.wasm.br'), compressed);
console.log(`edge module: ${wasm.length} bytes, ${compressed.length} with brotli`);
