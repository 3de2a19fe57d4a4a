'use strict';
// A CloudFront Lambda@Edge viewer-request function built by `cedar-authorizer package`. Lambda@Edge has
// no environment variables and should not fetch keys on the request path, so the compiled bundle and the
// identity source's JWKS ship in the zip; settings are in edge-options.json.
const { createEdgeViewerRequestHandler } = require('cedar-authorizer/aws');

exports.handler = createEdgeViewerRequestHandler({
  ...require('./edge-options.json'),
  bundle: `${__dirname}/bundle.json`, // by path: the text goes to the module as it is, longs stay exact
  jwks: require('./jwks.json'),
  fetchKeys: false,
});
