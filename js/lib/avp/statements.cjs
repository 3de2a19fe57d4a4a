'use strict';

/**
 * Policy statements as Verified Permissions holds them, and the store's files around them: what `export`
 * cuts out of a store and what `import` puts back. Offsets from the bundle are UTF-8 byte offsets, so the
 * cutting is done on bytes.
 */

const crypto = require('node:crypto');

const sha256 = (text) => crypto.createHash('sha256').update(text, 'utf8').digest('hex');

/**
 * The `@id("...")` annotation of a statement, or undefined. Annotations come before `permit`/`forbid`,
 * after any comments; a value with an escape JSON cannot read is treated as absent.
 */
function annotatedId(statement) {
  const head = /^(?:\s|\/\/[^\n]*(?:\n|$))*((?:@[A-Za-z_][A-Za-z0-9_]*\s*(?:\(\s*"(?:[^"\\]|\\.)*"\s*\))?\s*)*)(?:permit|forbid)\b/.exec(
    statement,
  );
  if (!head) return undefined;
  const id = /@id\s*\(\s*("(?:[^"\\]|\\.)*")\s*\)/.exec(head[1]);
  if (!id) return undefined;
  try {
    return JSON.parse(id[1]);
  } catch {
    return undefined;
  }
}

/** The comment lines right above a policy, as one line of at most `max` characters (a description). */
function commentAbove(before, max = 150) {
  const lines = before.replace(/\s+$/, '').split('\n');
  const comment = [];
  for (let i = lines.length - 1; i >= 0 && /^\s*\/\//.test(lines[i]); i -= 1) {
    comment.unshift(lines[i].replace(/^\s*\/\/+\s?/, '').trim());
  }
  const text = comment.join(' ').trim();
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/**
 * The store's policy files cut into the text between policies and the policies themselves, using the
 * places the bundle recorded for every policy and template. Returns `{ files: [{ file, parts }], policies }`
 * where a part is `{ text }` or `{ policy: id, sha256 }`, and each policy is `{ id, kind, file, statement,
 * description }`.
 */
function cutPolicyFiles(bundle) {
  const texts = Object.fromEntries(bundle.policyFiles.map((f) => [f.file, Buffer.from(f.text, 'utf8')]));
  const byFile = new Map(bundle.policyFiles.map((f) => [f.file, []]));
  for (const entry of bundle.policies) {
    if (entry.kind === 'link') continue;
    if (entry.offset === undefined || entry.length === undefined) {
      throw new Error(`policy \`${entry.id}\` has no place in \`${entry.file}\`: rebuild the bundle from the store folder`);
    }
    byFile.get(entry.file).push(entry);
  }
  const policies = [];
  const files = [];
  for (const [file, entries] of byFile) {
    const bytes = texts[file];
    entries.sort((a, b) => a.offset - b.offset);
    const parts = [];
    let at = 0;
    for (const entry of entries) {
      const before = bytes.subarray(at, entry.offset).toString('utf8');
      const statement = bytes.subarray(entry.offset, entry.offset + entry.length).toString('utf8');
      if (before) parts.push({ text: before });
      parts.push({ policy: entry.id, sha256: sha256(statement) });
      policies.push({ id: entry.id, kind: entry.kind, file, statement, description: commentAbove(before) });
      at = entry.offset + entry.length;
    }
    const after = bytes.subarray(at).toString('utf8');
    if (after) parts.push({ text: after });
    files.push({ file, parts });
  }
  return { files, policies };
}

module.exports = { annotatedId, commentAbove, cutPolicyFiles, sha256 };
