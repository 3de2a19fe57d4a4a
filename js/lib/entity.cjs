'use strict';

/**
 * An entity as Cedar writes it, `Type::"id"`, from Cedar's `{type, id}` or Verified Permissions'
 * `{entityType, entityId}` (or `{actionType, actionId}`). The one place the JavaScript side formats one:
 * logs, the authorizer context API Gateway passes on, the principal header at the edge.
 */
function entityText(entity) {
  if (!entity || typeof entity !== 'object') return '';
  const type = entity.type ?? entity.entityType ?? entity.actionType;
  const id = entity.id ?? entity.entityId ?? entity.actionId;
  return typeof type === 'string' && typeof id === 'string' ? `${type}::${JSON.stringify(id)}` : '';
}

module.exports = { entityText };
