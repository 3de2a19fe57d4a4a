'use strict';

/**
 * The bundle deciding now as a document, for the store view: the authorizer keeps it as it was given or
 * read (JSON text or an object). Parsed once per bundle.
 */
const parsed = new WeakMap();

function documentOf(authorizer) {
  const source = authorizer.bundleSource;
  if (source === undefined || source === null) return undefined;
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
