'use strict';
// An API Gateway Lambda authorizer built by `cedar-authorizer package`. One function, two handlers:
//   REST API, TOKEN or REQUEST authorizer:  index.restHandler
//   HTTP API, payload format 2.0 or 1.0:    index.httpApiHandler
// Settings (environment variables): POLICY_SCOPE (`route` or `all-routes`), RESPONSE_TYPE (`simple` or
// `iam`, HTTP APIs), TOKEN_KIND (`auto`, `identity` or `access`), JWKS_URIS (`{"<issuer>": "<url>"}`,
// where to fetch keys instead of the issuer's own location), LOG_DECISIONS (`false` for no decision log
// lines). The bundle ships in the zip; the identity source's keys are fetched on first use and cached.
const { Authorizer } = require('cedar-authorizer');
const { createRestApiAuthorizer, createHttpApiAuthorizer } = require('cedar-authorizer/aws');

function jwksUris() {
  if (!process.env.JWKS_URIS) return undefined;
  try {
    return JSON.parse(process.env.JWKS_URIS);
  } catch (e) {
    throw new Error(`JWKS_URIS must be a JSON object of issuer to URL: ${e.message}`, { cause: e });
  }
}

// The bundle by path: its text goes to the module as it is, so 64-bit longs stay exact.
const authorizer = Authorizer.loadSync(`${__dirname}/bundle.json`, { jwksUris: jwksUris() });
const shared = {
  authorizer,
  policyScope: process.env.POLICY_SCOPE || 'route',
  tokenKind: process.env.TOKEN_KIND || 'auto',
  logger: process.env.LOG_DECISIONS === 'false' ? false : undefined,
};

exports.restHandler = createRestApiAuthorizer(shared);
exports.httpApiHandler = createHttpApiAuthorizer({ ...shared, responseType: process.env.RESPONSE_TYPE || 'simple' });
