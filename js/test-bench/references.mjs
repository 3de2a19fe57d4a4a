// Entity references, written any of the ways requests and test files accept them.

/** `Type::"id"`, the way Cedar writes an entity. */
export function entityText(entity) {
  if (!entity) return '';
  if (typeof entity === 'string') return entity;
  const { type, id } = referenceParts(entity);
  return `${type}::${JSON.stringify(id)}`;
}

/**
 * `{ type, id }` of a reference in any accepted form: Verified Permissions' `{entityType, entityId}` or
 * `{actionType, actionId}`, Cedar's `{type, id}` or `{__entity: {type, id}}`, or Cedar syntax `A::B::"id"`.
 */
export function referenceParts(reference) {
  if (typeof reference === 'string') {
    const match = /^(.*?)::("(?:[^"\\]|\\.)*")$/.exec(reference.trim());
    if (!match) return { type: '', id: reference };
    try {
      return { type: match[1], id: JSON.parse(match[2]) };
    } catch {
      return { type: match[1], id: match[2].slice(1, -1) };
    }
  }
  const value = reference?.__entity ?? reference ?? {};
  return {
    type: String(value.entityType ?? value.actionType ?? value.type ?? ''),
    id: String(value.entityId ?? value.actionId ?? value.id ?? ''),
  };
}
