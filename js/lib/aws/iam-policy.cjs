'use strict';

const { parseMethodArn } = require('./events.cjs');

/**
 * The IAM policy of a decision. Route scope: this method ARN alone. All routes: the core's cache policy
 * (resource patterns after `<apiId>/<stage>/`, exact under IAM's matching), with this method ARN denied
 * explicitly when the request itself is refused.
 */
function policyDocument(answer, methodArn, scope) {
  const target = parseMethodArn(methodArn);
  const own = { Action: 'execute-api:Invoke', Effect: answer.decision === 'ALLOW' ? 'Allow' : 'Deny', Resource: [methodArn] };
  if (scope !== 'all-routes' || !target || !answer.cachePolicy) {
    return { Version: '2012-10-17', Statement: [own] };
  }
  const allow = answer.cachePolicy.allow.map((p) => `${target.base}/${p}`);
  const deny = answer.cachePolicy.deny.map((p) => `${target.base}/${p}`);
  if (own.Effect === 'Deny' && !deny.includes(methodArn)) deny.push(methodArn);
  const statements = [];
  if (allow.length > 0) statements.push({ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: allow });
  if (deny.length > 0) statements.push({ Action: 'execute-api:Invoke', Effect: 'Deny', Resource: deny });
  return { Version: '2012-10-17', Statement: statements };
}

module.exports = { policyDocument };
