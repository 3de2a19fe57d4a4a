// Syntax highlighting for Cedar policies and the Cedar schema format: two small CodeMirror stream
// tokenizers (no grammar, no error recovery to get wrong: the wasm engine is the parser that reports errors)
// and the colours they map to.
import { StreamLanguage, HighlightStyle, syntaxHighlighting } from '@codemirror/language';
import { tags } from '@lezer/highlight';

const POLICY_KEYWORDS = new Set(['permit', 'forbid', 'when', 'unless', 'if', 'then', 'else', 'in', 'has', 'like', 'is']);
const SCOPE_VARIABLES = new Set(['principal', 'action', 'resource', 'context']);
const SCHEMA_DEFINERS = new Set(['namespace', 'entity', 'action', 'type']);
const SCHEMA_KEYWORDS = new Set(['in', 'appliesTo', 'tags', 'enum', 'principal', 'resource', 'context']);
const SCHEMA_BUILTIN_TYPES = new Set([
  'String',
  'Long',
  'Bool',
  'Boolean',
  'Set',
  'Record',
  'Entity',
  'Extension',
  'ipaddr',
  'decimal',
  'datetime',
  'duration',
]);
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*/;
const OPENERS = '{[(';
const CLOSERS = '}])';

function startState() {
  return { inString: false, afterDot: false, expectDefinition: false, depth: 0 };
}

function copyState(state) {
  return { ...state };
}

/** The rest of a string literal, from inside it: handles escapes and strings spanning lines. */
function readString(stream, state) {
  let escaped = false;
  let ch;
  while ((ch = stream.next()) != null) {
    if (ch === '"' && !escaped) {
      state.inString = false;
      return 'string';
    }
    escaped = !escaped && ch === '\\';
  }
  state.inString = true;
  return 'string';
}

/** Tokens both formats share: whitespace, comments, strings, annotations, brackets, punctuation. */
function commonToken(stream, state) {
  if (state.inString) return readString(stream, state);
  if (stream.eatSpace()) return null;
  if (stream.match('//')) {
    stream.skipToEnd();
    return 'lineComment';
  }
  if (stream.eat('"')) return readString(stream, state);
  if (stream.match(/^@[A-Za-z_][A-Za-z0-9_]*/)) return 'meta';
  if (stream.match('::')) return 'punctuation';
  const ch = stream.peek();
  if (OPENERS.includes(ch)) {
    stream.next();
    state.depth += 1;
    return 'bracket';
  }
  if (CLOSERS.includes(ch)) {
    stream.next();
    state.depth = Math.max(0, state.depth - 1);
    return 'bracket';
  }
  if (ch === ';' || ch === ',') {
    stream.next();
    return 'punctuation';
  }
  return undefined;
}

function policyToken(stream, state) {
  const common = commonToken(stream, state);
  if (common !== undefined) {
    if (common !== null) state.afterDot = false;
    return common;
  }
  const afterDot = state.afterDot;
  state.afterDot = false;
  if (stream.match(/^\?(principal|resource)\b/)) return 'variableName.special';
  if (stream.match(/^-?\d+/)) return 'number';
  if (stream.eat('.')) {
    state.afterDot = true;
    return 'operator';
  }
  if (stream.match(/^(==|!=|<=|>=|&&|\|\||[<>!+\-*])/)) return 'operator';
  const word = stream.match(IDENTIFIER);
  if (!word) {
    stream.next();
    return null;
  }
  const name = word[0];
  if (afterDot) return stream.match(/^\s*\(/, false) ? 'propertyName.function' : 'propertyName';
  if (stream.match(/^\s*::/, false)) return 'typeName';
  if (name === 'true' || name === 'false') return 'bool';
  if (POLICY_KEYWORDS.has(name)) return 'keyword';
  if (SCOPE_VARIABLES.has(name)) return 'variableName.special';
  if (stream.match(/^\s*\(/, false)) return 'variableName.function';
  return 'variableName';
}

function schemaToken(stream, state) {
  const common = commonToken(stream, state);
  if (common !== undefined) {
    if (common === 'punctuation' && stream.current() === ';') state.expectDefinition = false;
    return common;
  }
  const word = stream.match(IDENTIFIER);
  if (!word) {
    stream.next();
    return stream.current() === '?' || stream.current() === '=' || stream.current() === ':' ? 'operator' : null;
  }
  const name = word[0];
  if (SCHEMA_DEFINERS.has(name) && !stream.match(/^\s*\??\s*:(?!:)/, false)) {
    state.expectDefinition = name !== 'action';
    return 'definitionKeyword';
  }
  if (stream.match(/^\s*\??\s*:(?!:)/, false)) return 'propertyName';
  if (SCHEMA_KEYWORDS.has(name)) {
    state.expectDefinition = false;
    return 'keyword';
  }
  if (state.expectDefinition) return 'typeName.definition';
  if (SCHEMA_BUILTIN_TYPES.has(name)) return 'typeName.standard';
  return 'typeName';
}

function indent(state, textAfter, context) {
  const closing = textAfter && CLOSERS.includes(textAfter.trimStart()[0]) ? 1 : 0;
  return Math.max(0, state.depth - closing) * context.unit;
}

const languageData = { commentTokens: { line: '//' }, closeBrackets: { brackets: ['(', '[', '{', '"'] } };

/** Cedar policies and templates (`*.cedar`). */
export const cedarPolicyLanguage = StreamLanguage.define({
  name: 'cedar',
  startState,
  copyState,
  token: policyToken,
  indent,
  languageData,
});

/** The Cedar schema format (`*.cedarschema`). */
export const cedarSchemaLanguage = StreamLanguage.define({
  name: 'cedarschema',
  startState,
  copyState,
  token: schemaToken,
  indent,
  languageData,
});

/** Colours for both, and for JSON, chosen for contrast on a light background (WCAG AA). */
export const cedarHighlightStyle = HighlightStyle.define([
  { tag: [tags.keyword, tags.definitionKeyword], color: '#7c1fa3', fontWeight: '600' },
  { tag: tags.special(tags.variableName), color: '#a3361c', fontWeight: '600' },
  { tag: [tags.typeName, tags.definition(tags.typeName)], color: '#0f5f8c' },
  { tag: tags.standard(tags.typeName), color: '#0f6b5b' },
  { tag: [tags.string, tags.special(tags.string)], color: '#18700f' },
  { tag: [tags.number, tags.bool, tags.null], color: '#a0460f' },
  { tag: [tags.lineComment, tags.comment], color: '#6a737d', fontStyle: 'italic' },
  { tag: tags.meta, color: '#8a5a00' },
  { tag: [tags.propertyName, tags.function(tags.propertyName)], color: '#1f4fa8' },
  { tag: tags.function(tags.variableName), color: '#1f4fa8' },
  { tag: tags.operator, color: '#444d56' },
  { tag: tags.invalid, color: '#b31d28' },
]);

export const cedarHighlighting = syntaxHighlighting(cedarHighlightStyle);
