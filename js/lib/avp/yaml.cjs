'use strict';

/**
 * A YAML writer for CloudFormation templates, so `export --cloudformation` needs no YAML dependency. It
 * writes block mappings and sequences, multi-line text (policies, schemas) as literal block scalars, and
 * every other string double-quoted in JSON's escapes, which YAML reads the same way: nothing is left to
 * YAML's implicit typing (`on`, `0x1`, `2024-01-01` stay strings).
 *
 * `readYaml` reads back that subset (and plain scalars, `#` comment lines), which is all `import --layout`
 * needs from a template this package wrote; anything else is refused with the line it stopped at.
 */

const INDENT = '  ';

function yamlText(value) {
  return `${node(value, '')}\n`;
}

function node(value, indent) {
  if (Array.isArray(value)) return sequence(value, indent);
  if (value !== null && typeof value === 'object') return mapping(value, indent);
  return scalar(value, indent);
}

function mapping(object, indent) {
  const entries = Object.entries(object).filter(([, v]) => v !== undefined);
  if (entries.length === 0) return '{}';
  return entries.map(([key, value]) => `${indent}${keyText(key)}:${nested(value, indent + INDENT)}`).join('\n');
}

function sequence(items, indent) {
  if (items.length === 0) return '[]';
  return items
    .map((item) => {
      const text = nested(item, indent + INDENT);
      // `- key: value` with the first key on the dash's line: drop the newline and that key's indent.
      return text.startsWith('\n') ? `${indent}- ${text.slice(indent.length + INDENT.length + 1)}` : `${indent}-${text}`;
    })
    .join('\n');
}

/** What follows `key:` or `-`: a space and a scalar, or a newline and an indented block. */
function nested(value, indent) {
  const isBlock = value !== null && typeof value === 'object' && Object.keys(value).length > 0;
  if (isBlock) return `\n${node(value, indent)}`;
  return ` ${node(value, indent)}`;
}

function keyText(key) {
  return /^[A-Za-z_][A-Za-z0-9_.-]*$/.test(key) ? key : JSON.stringify(key);
}

function scalar(value, indent) {
  if (value === null) return 'null';
  if (typeof value === 'boolean' || typeof value === 'number') return String(value);
  const text = String(value);
  return literalBlock(text, indent) ?? JSON.stringify(text);
}

/**
 * Multi-line text as a literal block (`|`, `|-` or `|+` by its trailing newlines), or undefined when a
 * block could not hold it exactly: control characters or carriage returns, whitespace-only lines (their
 * spaces would be read as indentation), or a first line starting with a space (it would set the indent).
 */
function literalBlock(text, indent) {
  if (!text.includes('\n')) return undefined;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0008\u000b-\u001f\u007f\u0085\u2028\u2029\ufeff]/.test(text)) return undefined;
  const body = text.replace(/\n+$/, '');
  if (body === '') return undefined;
  const trailing = text.length - body.length;
  const lines = body.split('\n');
  if (/^[ \t]/.test(lines[0]) || lines.some((l) => l.length > 0 && l.trim() === '')) return undefined;
  const chomp = trailing === 0 ? '-' : trailing === 1 ? '' : '+';
  const blockIndent = indent || INDENT;
  const tail = trailing > 1 ? '\n'.repeat(trailing - 1) : '';
  return `|${chomp}\n${lines.map((l) => (l === '' ? '' : blockIndent + l)).join('\n')}${tail}`;
}

class YamlError extends Error {}

const KEY = /^("(?:[^"\\]|\\.)*"|[A-Za-z_$][A-Za-z0-9_.$-]*):(?: |$)/;

/** Reads the YAML subset `yamlText` writes. Throws YamlError naming the line it cannot read. */
function readYaml(text) {
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  let at = 0;
  const indentOf = (line) => line.length - line.trimStart().length;
  const blank = (line) => line.trim() === '' || /^\s*#/.test(line);
  const next = () => {
    while (at < lines.length && blank(lines[at])) at += 1;
    return at < lines.length ? lines[at] : undefined;
  };
  const fail = (why) => {
    throw new YamlError(`line ${at + 1}: ${why}`);
  };

  function block(indent) {
    const line = next();
    if (line === undefined || indentOf(line) < indent) return null;
    const content = line.slice(indentOf(line));
    return content === '-' || content.startsWith('- ') ? sequence(indentOf(line)) : mapping(indentOf(line));
  }

  function mapping(indent) {
    const object = {};
    for (let line = next(); line !== undefined && indentOf(line) === indent; line = next()) {
      const content = line.slice(indent);
      if (content.startsWith('- ')) break;
      const key = KEY.exec(content);
      if (!key) fail('expected `key: value`');
      const name = key[1].startsWith('"') ? JSON.parse(key[1]) : key[1];
      object[name] = value(content.slice(key[0].length).trim(), indent, true);
    }
    return object;
  }

  function sequence(indent) {
    const items = [];
    for (let line = next(); line !== undefined && indentOf(line) === indent; line = next()) {
      const content = line.slice(indent);
      if (content !== '-' && !content.startsWith('- ')) break;
      const rest = content.slice(2);
      if (KEY.test(rest) || rest.startsWith('- ')) {
        // `- key: value`: the item is a block whose first line starts after the dash.
        lines[at] = ' '.repeat(indent + 2) + rest;
        items.push(block(indent + 2));
      } else {
        items.push(value(rest.trim(), indent, false));
      }
    }
    return items;
  }

  /** The value after `key:` or `-` on line `at`, which it consumes with any block below it. */
  function value(rest, indent, inMapping) {
    at += 1;
    if (rest === '') {
      const line = next();
      if (line === undefined) return null;
      const deeper = indentOf(line) > indent;
      const sameLevelList = inMapping && indentOf(line) === indent && line.slice(indent).startsWith('- ');
      return deeper || sameLevelList ? block(indentOf(line)) : null;
    }
    if (/^\|[-+]?$/.test(rest)) return literal(rest[1], indent);
    return scalar(rest);
  }

  function literal(chomp, indent) {
    const body = [];
    let blockIndent;
    while (at < lines.length) {
      const line = lines[at];
      if (line.trim() === '') {
        body.push('');
      } else {
        if (blockIndent === undefined) blockIndent = indentOf(line);
        if (indentOf(line) < blockIndent || blockIndent <= indent) break;
        body.push(line.slice(blockIndent));
      }
      at += 1;
    }
    let end = body.length;
    while (end > 0 && body[end - 1] === '') end -= 1;
    // Blank lines after the block belong to it only with `|+`; give the others back.
    const trailing = body.length - end;
    if (at >= lines.length && trailing > 0) {
      // The file's final newline is not an empty line of the block.
      body.pop();
    }
    const content = body.slice(0, end).join('\n');
    if (chomp === '-') return content;
    if (chomp === '+') return `${content}${'\n'.repeat(body.length - end + 1)}`;
    return content === '' ? '' : `${content}\n`;
  }

  function scalar(text) {
    if (text.startsWith('"')) {
      try {
        return JSON.parse(text);
      } catch {
        fail('a double-quoted string with escapes this reader does not know');
      }
    }
    if (text === '{}') return {};
    if (text === '[]') return [];
    if (text === 'null' || text === '~') return null;
    if (text === 'true' || text === 'false') return text === 'true';
    if (/^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?$/.test(text)) return Number(text);
    if (/^['&*!|>{[]/.test(text)) fail(`\`${text.slice(0, 20)}\` is YAML this reader does not read`);
    return text;
  }

  const result = block(0);
  if (next() !== undefined) fail('unexpected indentation');
  return result;
}

module.exports = { yamlText, readYaml, YamlError };
