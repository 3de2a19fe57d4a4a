'use strict';

/**
 * A decision record as an OCSF 1.3.0 event of class API Activity (6003, category Application Activity):
 * the one class with a place for each part of an authorization decision: who (`actor.user`), what
 * (`api.operation`, the Cedar action), on what (`resources`), the answer (`status_id`, and
 * `actor.authorizations`, one per determining policy), the request (`api.request.uid`), and how long it took
 * (`duration`). docs/operations.md says why not Authorize Session (3003, privileges given at login) or Web
 * Resource Access Activity (6004, no actor or API). What OCSF has no attribute for goes in `unmapped`.
 */
const OCSF_VERSION = '1.3.0';
const CLASS = { uid: 6003, name: 'API Activity', category: 6, categoryName: 'Application Activity' };
/** API Activity's activities are CRUD: the route's HTTP method says which. */
const ACTIVITIES = {
  GET: [2, 'Read'],
  HEAD: [2, 'Read'],
  OPTIONS: [2, 'Read'],
  POST: [1, 'Create'],
  PUT: [3, 'Update'],
  PATCH: [3, 'Update'],
  DELETE: [4, 'Delete'],
};
/** Who sends each handler its requests, when the request carries no client address. */
const SENDERS = { edge: 'Amazon CloudFront', rest: 'Amazon API Gateway', http: 'Amazon API Gateway' };

let productVersion;
function version() {
  if (productVersion === undefined) {
    try {
      productVersion = require('../../package.json').version;
    } catch {
      productVersion = 'unknown';
    }
  }
  return productVersion;
}

/** The entity type of `Type::"id"` (the part before the last `::`). */
const typeOf = (text) => {
  const at = text.lastIndexOf('::"');
  return at > 0 ? text.slice(0, at) : text;
};

function eventOf(record) {
  const method = record.route ? record.route.split(' ')[0] : undefined;
  const [activityId, activity] = ACTIVITIES[method] ?? [99, 'Other'];
  const allowed = record.decision === 'ALLOW';
  const event = {
    class_uid: CLASS.uid,
    class_name: CLASS.name,
    category_uid: CLASS.category,
    category_name: CLASS.categoryName,
    activity_id: activityId,
    activity_name: activity,
    type_uid: CLASS.uid * 100 + activityId,
    type_name: `${CLASS.name}: ${activity}`,
    severity_id: allowed ? 1 : 2,
    severity: allowed ? 'Informational' : 'Low',
    status_id: allowed ? 1 : 2,
    status: allowed ? 'Success' : 'Failure',
    status_detail: allowed ? 'allowed' : record.errors.length > 0 ? record.errors.join(', ') : 'denied by the policies',
    time: Date.parse(record.timestamp),
    duration: Math.round(record.micros / 1000),
    message: `${record.decision} ${record.route ?? '(no route)'}`,
    metadata: {
      version: OCSF_VERSION,
      product: { name: 'cedar-authorizer', vendor_name: 'cedar-authorizer', version: version() },
      log_name: 'authorization decisions',
      ...(record.requestId ? { correlation_uid: record.requestId } : {}),
    },
    actor: {
      user: record.principal
        ? { uid: record.principal, ...(record.subject ? { name: String(record.subject) } : {}) }
        : { name: 'unauthenticated' },
      authorizations: record.determiningPolicies.map((policy) => ({
        decision: allowed ? 'Allow' : 'Deny',
        policy: {
          uid: policy,
          name: policy,
          is_applied: true,
          ...(record.bundleRevision !== null ? { version: String(record.bundleRevision) } : {}),
        },
      })),
    },
    api: {
      operation: record.action ?? record.route ?? 'unrouted',
      service: { name: `cedar-authorizer ${record.handler}` },
      request: { uid: record.requestId ?? 'unknown' },
    },
    src_endpoint: record.sourceIp ? { ip: record.sourceIp } : { svc_name: SENDERS[String(record.handler).split('-')[0]] ?? 'unknown' },
    unmapped: {
      errors: record.errors,
      cache: record.cache,
      bundle_hash: record.bundleHash,
      ...(record.tokenId !== null && record.tokenId !== undefined ? { token_id: record.tokenId } : {}),
      ...(record.route ? { route: record.route } : {}),
    },
  };
  if (record.resource) event.resources = [{ uid: record.resource, type: typeOf(record.resource) }];
  if (event.actor.authorizations.length === 0) delete event.actor.authorizations;
  return event;
}

module.exports = { eventOf, OCSF_VERSION };
