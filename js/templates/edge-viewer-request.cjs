'use strict';
// A CloudFront Lambda@Edge viewer-request function built by `cedar-authorizer package`. Lambda@Edge has
// no environment variables and should not fetch keys on the request path, so the compiled bundle and the
// identity source's JWKS ship in the zip; settings are in edge-options.json. Packaged with `--source
// https://...`, the bundle is read again from that URL (signed by a key of trusted-keys.json, never an
// older revision), the zip's bundle the fallback.
const { createEdgeViewerRequestHandler } = require('cedar-authorizer/aws');

const { live, ...options } = require('./edge-options.json');

exports.handler = createEdgeViewerRequestHandler({
  ...options,
  ...(live ? { ...live, bundle: live.source, fallback: `${__dirname}/bundle.json`, trustedKeys: require('./trusted-keys.json') } : {}),
  ...(live ? {} : { bundle: `${__dirname}/bundle.json` }), // by path: the text goes to the module as it is, longs stay exact
  jwks: require('./jwks.json'),
  fetchKeys: false,
});
