'use strict';

const fs = require('node:fs');
const path = require('node:path');

const STORE_EXTENSIONS = ['.cedar', '.cedarschema', '.json'];

/**
 * Reads a policy store folder into `{ relativePath: text }`: schema, `*.cedar`, `links.json`,
 * `entities.json`, `authorizer.json` and `tests/*.json`. Hidden folders and node_modules are skipped.
 */
function readStoreFolder(dir) {
  const files = {};
  const walk = (current) => {
    for (const entry of fs.readdirSync(current, { withFileTypes: true })) {
      if (entry.name.startsWith('.') || entry.name === 'node_modules') continue;
      const full = path.join(current, entry.name);
      if (entry.isDirectory()) {
        walk(full);
      } else if (STORE_EXTENSIONS.some((ext) => entry.name.endsWith(ext))) {
        files[path.relative(dir, full).split(path.sep).join('/')] = fs.readFileSync(full, 'utf8');
      }
    }
  };
  walk(dir);
  return files;
}

module.exports = { readStoreFolder };
