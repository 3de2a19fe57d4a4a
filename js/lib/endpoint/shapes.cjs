'use strict';

/**
 * Requests checked, and answers written, by Verified Permissions' own service model (model.json: the part
 * of the botocore model the endpoint serves, written by scripts/build/avp-model.mjs). A request is checked
 * against its operation's input shape before anything of it is decided: members, which are required,
 * string lengths and patterns, list and number bounds, enums, unions with exactly one member. Each
 * violation is written the way AWS services write them ("Value null at 'policyStoreId' failed to satisfy
 * constraint: Member must not be null"). Members the model does not declare are ignored, as AWS services
 * do (an SDK newer than this model may send them). Answers keep only the members the model declares.
 *
 * This is the wire protocol only: what a request means is decided in the module.
 */

const model = require('./model.json');

/**
 * One operation of this endpoint's own, beside the service's (`X-Amz-Target: CedarAuthorizer.AllowedActions`):
 * which actions a principal may take on a resource. Its input is made of the service's shapes.
 */
model.shapes.CedarAuthorizerAllowedActionsInput = {
  type: 'structure',
  required: ['policyStoreId', 'resource'],
  members: {
    policyStoreId: { shape: 'PolicyStoreId' },
    principal: { shape: 'EntityIdentifier' },
    identityToken: { shape: 'Token' },
    accessToken: { shape: 'Token' },
    resource: { shape: 'EntityIdentifier' },
    context: { shape: 'ContextDefinition' },
    entities: { shape: 'EntitiesDefinition' },
  },
};

const MAX_VIOLATIONS = 20;
const MAX_DEPTH = 64;

/** A pattern of the model, matched against the whole value as AWS services match them. */
const patterns = new Map();
function patternOf(source) {
  let re = patterns.get(source);
  if (!re) {
    re = new RegExp(`^(?:${source})$`, 'su');
    patterns.set(source, re);
  }
  return re;
}

const kindOf = (v) => (v === null ? 'null' : Array.isArray(v) ? 'list' : typeof v === 'object' ? 'structure' : typeof v);

/** How a value appears in a violation: sensitive members (entity ids, tokens, context) are never written. */
function shown(value, sensitive) {
  if (sensitive) return '';
  if (value === null || value === undefined) return 'null ';
  if (typeof value === 'object') return '';
  const text = String(value);
  return `'${text.length > 64 ? `${text.slice(0, 61)}...` : text}' `;
}

/**
 * Every violation of shape `name` by `value`, as `[{ path, message }]`, `path` in the form AWS writes
 * (`requests.1.member.action`). At most MAX_VIOLATIONS, and no deeper than MAX_DEPTH.
 */
function violations(name, value, limits = {}) {
  const out = [];
  walk(name, value, '', out, 0, false, limits);
  return out;
}

function walk(name, value, path, out, depth, sensitiveAbove, limits) {
  if (out.length >= MAX_VIOLATIONS) return;
  const shape = model.shapes[name];
  const sensitive = sensitiveAbove || Boolean(shape.sensitive);
  const where = path || name;
  const fail = (message) =>
    out.push({ path: where, message: `Value ${shown(value, sensitive)}at '${where}' failed to satisfy constraint: ${message}` });
  const at = (member) => (path ? `${path}.${member}` : member);
  if (depth > MAX_DEPTH) return fail(`Member must be nested no more than ${MAX_DEPTH} levels deep`);
  switch (shape.type) {
    case 'structure': {
      if (kindOf(value) !== 'structure') return fail('Member must be a structure');
      const given = Object.keys(value).filter((k) => value[k] !== null && Object.hasOwn(shape.members, k));
      if (shape.union && given.length !== 1) {
        return fail(`Member must have exactly one of ${Object.keys(shape.members).join(', ')}`);
      }
      for (const member of shape.required || []) {
        if (value[member] === undefined || value[member] === null) {
          out.push({ path: at(member), message: `Value null at '${at(member)}' failed to satisfy constraint: Member must not be null` });
        }
      }
      for (const member of given) walk(shape.members[member].shape, value[member], at(member), out, depth + 1, sensitive, limits);
      return;
    }
    case 'list': {
      if (!Array.isArray(value)) return fail('Member must be a list');
      const max = limits[name] ?? shape.max;
      if (shape.min !== undefined && value.length < shape.min) return fail(`Member must have length greater than or equal to ${shape.min}`);
      if (max !== undefined && value.length > max) return fail(`Member must have length less than or equal to ${max}`);
      value.forEach((item, i) => walk(shape.member.shape, item, `${where}.${i + 1}.member`, out, depth + 1, sensitive, limits));
      return;
    }
    case 'map': {
      if (kindOf(value) !== 'structure') return fail('Member must be a map');
      const entries = Object.entries(value);
      if (shape.min !== undefined && entries.length < shape.min)
        return fail(`Member must have length greater than or equal to ${shape.min}`);
      if (shape.max !== undefined && entries.length > shape.max) return fail(`Member must have length less than or equal to ${shape.max}`);
      for (const [key, item] of entries) {
        walk(shape.key.shape, key, `${where}.key`, out, depth + 1, sensitive, limits);
        walk(shape.value.shape, item, `${where}.${key}`, out, depth + 1, sensitive, limits);
      }
      return;
    }
    case 'string': {
      if (typeof value !== 'string') return fail('Member must be a string');
      if (shape.enum) {
        if (!shape.enum.includes(value)) fail(`Member must satisfy enum value set: [${shape.enum.join(', ')}]`);
        return;
      }
      // Lengths as AWS counts them: in characters (code points).
      const length = value.length < 65536 ? [...value].length : value.length;
      if (shape.min !== undefined && length < shape.min) return fail(`Member must have length greater than or equal to ${shape.min}`);
      if (shape.max !== undefined && length > shape.max) return fail(`Member must have length less than or equal to ${shape.max}`);
      if (shape.pattern !== undefined && !patternOf(shape.pattern).test(value)) {
        fail(`Member must satisfy regular expression pattern: ${shape.pattern}`);
      }
      return;
    }
    case 'boolean':
      if (typeof value !== 'boolean') fail('Member must be a boolean');
      return;
    case 'integer': {
      if (!Number.isInteger(value) || value > 2 ** 31 - 1 || value < -(2 ** 31)) return fail('Member must be an integer');
      const max = limits[name] ?? shape.max;
      if (shape.min !== undefined && value < shape.min) return fail(`Member must have value greater than or equal to ${shape.min}`);
      if (max !== undefined && value > max) fail(`Member must have value less than or equal to ${max}`);
      return;
    }
    case 'long':
      // A long beyond 2^53 arrives as a bigint (see protocol.cjs: the body is read with exact integers).
      if (!(Number.isSafeInteger(value) || (typeof value === 'bigint' && value >= -(2n ** 63n) && value < 2n ** 63n))) {
        fail('Member must be a 64-bit integer');
      }
      return;
    case 'timestamp':
      if (typeof value !== 'string' || Number.isNaN(Date.parse(value))) fail('Member must be a timestamp');
      return;
    default:
      fail(`Member has the unsupported shape type ${shape.type}`);
  }
}

/** The ValidationException message for `found`, as AWS writes it. */
function violationMessage(found) {
  const n = found.length;
  return `${n} validation error${n === 1 ? '' : 's'} detected: ${found.map((v) => v.message).join('; ')}`;
}

/**
 * `value` written as shape `name`: only the members the model declares, timestamps in ISO 8601, members
 * that are undefined or null left out (an SDK reads a missing member as absent).
 */
function written(name, value) {
  const shape = model.shapes[name];
  if (value === undefined || value === null) return undefined;
  switch (shape.type) {
    case 'structure': {
      const out = {};
      for (const [member, { shape: memberShape }] of Object.entries(shape.members)) {
        const v = written(memberShape, value[member]);
        if (v !== undefined) out[member] = v;
      }
      return out;
    }
    case 'list':
      return value.map((item) => written(shape.member.shape, item));
    case 'map':
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, written(shape.value.shape, v)]));
    case 'timestamp':
      return value instanceof Date ? value.toISOString() : value;
    default:
      return value;
  }
}

module.exports = { model, violations, violationMessage, written };
