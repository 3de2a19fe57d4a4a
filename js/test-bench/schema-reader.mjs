// What the request builder offers, from the schema's outline (which the wasm engine reads: see
// workspace.mjs): entity types with their enum ids, and actions with the principal and resource types they
// apply to. And the entity ids named in entity lists, for the id suggestions.

/** @typedef {{ name: string, memberOf: string[], enumIds: string[] }} EntityTypeInfo */
/** @typedef {{ type: string, id: string, principalTypes: string[], resourceTypes: string[], appliesTo: boolean }} ActionInfo */
/** @typedef {{ entityTypes: EntityTypeInfo[], actions: ActionInfo[] }} SchemaInfo */

/** The outline of a store without a readable schema. */
export const EMPTY_OUTLINE = Object.freeze({ entityTypes: [], actions: [] });

/** The store's schema file, if it has one: `schema.cedarschema` or `schema.cedarschema.json`. */
export function schemaPath(files) {
  return Object.keys(files).find((p) => /^schema\.cedarschema(\.json)?$/.test(p));
}

/** The pickers' view of an outline (`schemaOutline(...).outline`). */
export function pickerInfo(outline) {
  return {
    entityTypes: outline.entityTypes.map((type) => ({ name: type.name, memberOf: type.memberOf, enumIds: type.enumIds ?? [] })),
    actions: outline.actions.map((action) => ({
      type: action.type,
      id: action.id,
      principalTypes: action.principalTypes,
      resourceTypes: action.resourceTypes,
      appliesTo: action.principalTypes.length > 0 || action.resourceTypes.length > 0,
    })),
  };
}

/** The entity ids named anywhere in entity lists (Cedar `{uid}` or Verified Permissions `{identifier}`), by type. */
export function knownEntityIds(entityLists) {
  const byType = new Map();
  const add = (type, id) => {
    if (typeof type !== 'string' || typeof id !== 'string') return;
    if (!byType.has(type)) byType.set(type, new Set());
    byType.get(type).add(id);
  };
  for (const list of entityLists) {
    for (const entity of Array.isArray(list) ? list : []) {
      const uid = entity?.uid ?? entity?.identifier;
      add(uid?.type ?? uid?.entityType, uid?.id ?? uid?.entityId);
      for (const parent of entity?.parents ?? []) add(parent?.type ?? parent?.entityType, parent?.id ?? parent?.entityId);
    }
  }
  return byType;
}
