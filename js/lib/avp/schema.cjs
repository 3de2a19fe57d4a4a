'use strict';

/**
 * Cedar JSON schemas in one resolved form, so two schemas can be compared and Verified Permissions gets the
 * long-standing shapes: Cedar 4's `{"type": "EntityOrCommon", "name": N}` (what converting the Cedar syntax
 * writes) becomes a common type reference, an entity (`Entity`), a primitive (`String`, `Long`, `Boolean`)
 * or an extension type, in Cedar's order of resolution (common types, then entity types, then built-ins),
 * and names are written qualified by their namespace.
 */

const PRIMITIVES = { String: 'String', Long: 'Long', Bool: 'Boolean', Boolean: 'Boolean' };
const EXTENSIONS = new Set(['ipaddr', 'decimal', 'datetime', 'duration']);

/** The schema JSON (text or object) with every type resolved and every name qualified. */
function resolveSchema(schema) {
  const json = typeof schema === 'string' ? JSON.parse(schema) : schema;
  const out = {};
  for (const [ns, body] of Object.entries(json)) {
    const common = new Set(Object.keys(body.commonTypes ?? {}));
    const entities = new Set(Object.keys(body.entityTypes ?? {}));
    const scope = { ns, common, entities };
    const resolved = { ...body };
    if (body.commonTypes) resolved.commonTypes = mapValues(body.commonTypes, (t) => resolveType(t, scope));
    if (body.entityTypes) {
      resolved.entityTypes = mapValues(body.entityTypes, (e) => {
        const entity = { ...e };
        if (e.memberOfTypes) entity.memberOfTypes = e.memberOfTypes.map((n) => qualify(n, scope));
        if (e.shape) entity.shape = resolveType(e.shape, scope);
        if (e.tags) entity.tags = resolveType(e.tags, scope);
        return entity;
      });
    }
    if (body.actions) {
      resolved.actions = mapValues(body.actions, (a) => {
        const action = { ...a };
        if (a.appliesTo) {
          action.appliesTo = { ...a.appliesTo };
          for (const k of ['principalTypes', 'resourceTypes']) {
            if (a.appliesTo[k]) action.appliesTo[k] = a.appliesTo[k].map((n) => qualify(n, scope));
          }
          if (a.appliesTo.context) action.appliesTo.context = resolveType(a.appliesTo.context, scope);
        }
        return action;
      });
    }
    out[ns] = resolved;
  }
  return out;
}

function mapValues(object, f) {
  return Object.fromEntries(Object.entries(object).map(([k, v]) => [k, f(v)]));
}

/** An entity or common type name, qualified by the namespace when it names one declared there. */
function qualify(name, { ns, common, entities }) {
  if (!ns || name.includes('::')) return name;
  return common.has(name) || entities.has(name) ? `${ns}::${name}` : name;
}

function resolveType(type, scope) {
  if (!type || typeof type !== 'object') return type;
  let t = { ...type };
  if (t.type === 'EntityOrCommon') {
    const { name, type: _, ...rest } = t;
    t = { ...referenceTo(name, scope), ...rest };
  } else if (t.type === 'Entity') {
    t.name = qualify(t.name, scope);
  } else if (!['Record', 'Set', 'String', 'Long', 'Boolean', 'Extension'].includes(t.type)) {
    t.type = qualify(t.type, scope); // a common type reference
  }
  if (t.type === 'Record' && t.attributes) t.attributes = mapValues(t.attributes, (a) => resolveType(a, scope));
  if (t.type === 'Set' && t.element) t.element = resolveType(t.element, scope);
  return t;
}

/** What a bare name means where it is used: common type, entity type, then primitive or extension. */
function referenceTo(name, scope) {
  const local = name.startsWith(`${scope.ns}::`) ? name.slice(scope.ns.length + 2) : name;
  if (!local.includes('::') && scope.common.has(local)) return { type: qualify(local, scope) };
  if (!local.includes('::') && scope.entities.has(local)) return { type: 'Entity', name: qualify(local, scope) };
  const builtin = local.replace(/^__cedar::/, '');
  if (PRIMITIVES[builtin]) return { type: PRIMITIVES[builtin] };
  if (EXTENSIONS.has(builtin)) return { type: 'Extension', name: builtin };
  return { type: 'Entity', name }; // another namespace's entity type
}

/** A key for comparing schemas: resolved, defaults dropped (`required: true`, empty lists and records), keys sorted. */
function schemaKey(schema) {
  return JSON.stringify(canonical(resolveSchema(schema)));
}

const DROP_WHEN_EMPTY = new Set(['annotations', 'commonTypes', 'memberOfTypes', 'memberOf']);
const isEmpty = (v) => (Array.isArray(v) ? v.length === 0 : v && typeof v === 'object' && Object.keys(v).length === 0);

function canonical(value) {
  if (Array.isArray(value)) return value.map(canonical);
  if (!value || typeof value !== 'object') return value;
  const out = {};
  for (const key of Object.keys(value).sort()) {
    const v = canonical(value[key]);
    if (key === 'required' && v === true) continue;
    if (DROP_WHEN_EMPTY.has(key) && isEmpty(v)) continue;
    const emptyRecord = v?.type === 'Record' && isEmpty(v.attributes ?? {}) && !v.additionalAttributes;
    if ((key === 'context' || key === 'shape') && emptyRecord) continue;
    out[key] = v;
  }
  return out;
}

module.exports = { resolveSchema, schemaKey };
