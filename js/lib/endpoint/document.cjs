'use strict';

/**
 * The bundle deciding now as a document, for the store view: the authorizer keeps it as it was given or
 * read (JSON text or an object), or the store's files, which are built into their bundle. Parsed or built
 * once per bundle.
 */
const parsed = new WeakMap();

function documentOf(authorizer, api) {
  const source = authorizer.bundleSource;
  if (source === undefined || source === null) {
    const files = authorizer.storeFiles;
    if (!files) return undefined;
    let entry = parsed.get(authorizer);
    if (!entry || entry.files !== files) {
      entry = { files, document: api.buildBundle(files).bundle };
      parsed.set(authorizer, entry);
    }
    return entry.document;
  }
  if (typeof source !== 'string') return source;
  let entry = parsed.get(authorizer);
  if (!entry || entry.text !== source) {
    let document;
    try {
      document = JSON.parse(source);
    } catch {
      document = undefined;
    }
    entry = { text: source, document };
    parsed.set(authorizer, entry);
  }
  return entry.document;
}

module.exports = { documentOf };
