'use strict';

const { createRestApiAuthorizer } = require('./rest.cjs');
const { createHttpApiAuthorizer } = require('./http-api.cjs');
const { createEdgeViewerRequestHandler } = require('./edge.cjs');
const { DecisionCache } = require('../decision-cache.cjs');

/** The handlers over one API (the Node build's). */
function createAwsApi(api) {
  return {
    createRestApiAuthorizer: (options) => createRestApiAuthorizer(options, api),
    createHttpApiAuthorizer: (options) => createHttpApiAuthorizer(options, api),
    createEdgeViewerRequestHandler: (options) => createEdgeViewerRequestHandler(options, api),
    // Loaded when first used: the Verified Permissions endpoint's modules are not in the authorizer zips.
    createVerifiedPermissionsHandler: (options) => require('../endpoint/lambda.cjs').createVerifiedPermissionsHandler(options, api),
    DecisionCache,
  };
}

module.exports = { createAwsApi };
