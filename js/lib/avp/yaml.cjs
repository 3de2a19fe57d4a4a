'use strict';

/**
 * YAML for CloudFormation templates, through the `yaml` package (eemeli/yaml), written so that every YAML
 * 1.1 reader (PyYAML, which cfn-lint uses; CloudFormation's own) and every YAML 1.2 reader reads back
 * exactly the strings meant:
 *
 * - multi-line text (policies, schemas, the text between policies) as literal block scalars, which the
 *   package gives an indentation indicator when the first line is empty or starts with spaces;
 * - a string plain only when no YAML 1.1 or 1.2 reader can take it for anything else (it starts with a
 *   letter, holds only letters, digits and `_ . / : -`, does not end with `:`, and is not one of YAML 1.1's
 *   booleans and nulls such as `on`, `yes`, `n`, `null`); every other string double-quoted (`~`, `0x10`,
 *   `1e3`, `<<`, `2024-01-01` stay strings);
 * - a string holding a character YAML 1.1 reads as a line break (U+0085, U+2028, U+2029) or does not allow
 *   raw (controls, DEL, C1 controls, U+FEFF, U+FFFE, U+FFFF, lone surrogates) double-quoted with that
 *   character escaped.
 *
 * `yamlText` reads its own output back before returning it and throws if that is not the value given.
 * `readYaml` reads a template (also with CloudFormation's short-form tags such as `!Ref`, `!GetAtt` and
 * `!Sub`, as their long forms); it throws YamlError with the line and column it stopped at.
 */

const { isDeepStrictEqual } = require('node:util');
const YAML = require('yaml');

/** Characters a YAML 1.1 reader refuses raw or reads as line breaks (and `\r`, a line break everywhere). */
// eslint-disable-next-line no-control-regex
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\ufeff\ufffe\uffff]|\p{Cs}/u;
// eslint-disable-next-line no-control-regex
const UNSAFE_ALL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\ufeff\ufffe\uffff]|\p{Cs}/gu;
const PLAIN = /^[A-Za-z][A-Za-z0-9_./:-]*$/;
const YAML11_WORDS = /^(?:y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF|null|Null|NULL)$/;

const MERGE_TAG = 'tag:yaml.org,2002:merge';

const isPlain = (text) => PLAIN.test(text) && !text.endsWith(':') && !YAML11_WORDS.test(text);

/** The scalar style for a string: as a key (never a block) or as a value. */
function styleOf(text, isKey) {
  if (UNSAFE.test(text)) return 'QUOTE_DOUBLE';
  if (isPlain(text)) return 'PLAIN';
  // A block needs a line that is more than spaces: the package writes one of only spaces without the
  // indentation indicator, and the spaces would be read as indentation.
  if (!isKey && text.includes('\n') && /\S/.test(text)) return 'BLOCK_LITERAL';
  return 'QUOTE_DOUBLE';
}

/** A character left raw in a double-quoted scalar, as a YAML escape both YAML 1.1 and 1.2 read. */
const escape = (ch) => {
  const code = ch.codePointAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
};

/**
 * A number JSON writes with an exponent (`1e+21`, `1e-7`) with a fraction and a signed exponent
 * (`1.0e+21`): YAML 1.1 reads a float only so, and reads `1e+21` as a string.
 */
const exponentFloat = {
  identify: (value) => typeof value === 'number' && Number.isFinite(value) && JSON.stringify(value).includes('e'),
  default: true,
  tag: 'tag:yaml.org,2002:float',
  test: /^(?!)/,
  resolve: (text) => Number(text),
  stringify: ({ value }) => {
    const [mantissa, exponent] = JSON.stringify(value).split('e');
    return `${mantissa.includes('.') ? mantissa : `${mantissa}.0`}e${/^[-+]/.test(exponent) ? exponent : `+${exponent}`}`;
  },
};

const TO_STRING = { lineWidth: 0, blockQuote: 'literal', indent: 2, indentSeq: true, directives: false };

/** `value` (plain objects, arrays, strings, numbers, booleans, null) as YAML text. */
function yamlText(value) {
  // Without the merge-key type, which would write the string `<<` plain (a merge key to a YAML 1.1 reader).
  const customTags = (tags) => [exponentFloat, ...tags.filter((t) => t.tag !== MERGE_TAG)];
  const doc = new YAML.Document(value, { version: '1.1', customTags });
  YAML.visit(doc, {
    Scalar(key, node) {
      if (typeof node.value === 'string') node.type = styleOf(node.value, key === 'key');
    },
  });
  // The package escapes C0 controls and `\r` in double quotes but leaves the rest of UNSAFE raw; every
  // string holding one is double-quoted above, so each one left in the text is inside double quotes.
  const text = doc.toString(TO_STRING).replace(UNSAFE_ALL, escape);
  if (!isDeepStrictEqual(readYaml(text), JSON.parse(JSON.stringify(value)))) {
    throw new Error('the YAML written does not read back as the template: please report this as a bug');
  }
  return text;
}

class YamlError extends Error {}

/**
 * CloudFormation's short-form intrinsic functions (`!Ref x`, `!GetAtt A.B`, `!Sub [..]`), read as their
 * long forms (`{ Ref: x }`, `{ 'Fn::GetAtt': [A, B] }`), as CloudFormation reads them.
 */
const CFN_FUNCTIONS = [
  'And',
  'Base64',
  'Cidr',
  'Equals',
  'FindInMap',
  'GetAZs',
  'GetAtt',
  'If',
  'ImportValue',
  'Join',
  'Length',
  'Not',
  'Or',
  'Select',
  'Split',
  'Sub',
  'ToJsonString',
  'Transform',
];
const cfnTags = [
  ...['Ref', 'Condition', ...CFN_FUNCTIONS].flatMap((name) => {
    const key = name === 'Ref' || name === 'Condition' ? name : `Fn::${name}`;
    const scalar =
      name === 'GetAtt'
        ? (text) => {
            const dot = text.indexOf('.');
            return { [key]: dot < 0 ? [text] : [text.slice(0, dot), text.slice(dot + 1)] };
          }
        : (text) => ({ [key]: text });
    return [
      { tag: `!${name}`, resolve: scalar },
      { tag: `!${name}`, collection: 'seq', resolve: (seq) => ({ [key]: seq.toJSON() }) },
      { tag: `!${name}`, collection: 'map', resolve: (map) => ({ [key]: map.toJSON() }) },
    ];
  }),
];

/** A template's YAML (one document), read as YAML 1.1 the way CloudFormation and cfn-lint read it. */
function readYaml(text) {
  try {
    return YAML.parse(text, { version: '1.1', customTags: cfnTags, logLevel: 'error', prettyErrors: true, uniqueKeys: true });
  } catch (e) {
    throw new YamlError(e.message);
  }
}

module.exports = { yamlText, readYaml, YamlError };
