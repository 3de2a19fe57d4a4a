'use strict';

/**
 * The Verified Permissions endpoint: code that calls IsAuthorized through an AWS SDK decides locally by
 * changing its endpoint. `serve` (server.cjs) for a process, `createVerifiedPermissionsHandler`
 * (lambda.cjs) for a Lambda function; both over protocol.cjs.
 */

const fs = require('node:fs');
const { createVerifiedPermissionsServer } = require('./server.cjs');
const { documentOf } = require('./document.cjs');

/**
 * What `Authorizer.load` takes for `source`: a store folder is built into its bundle first, so that the
 * read operations can list its policies and schema.
 */
function loadable(source, api) {
  if (typeof source === 'string' && !/^[a-z0-9]+:\/\//.test(source) && fs.existsSync(source) && fs.statSync(source).isDirectory()) {
    const { bundle, diagnostics } = api.buildBundle(api.readStoreFolder(source));
    if (!bundle) {
      const { AuthorizerLoadError } = require('../errors.cjs');
      throw new AuthorizerLoadError(
        'store.invalid',
        api.renderDiagnostics(diagnostics, {}).trim() || `${source} does not build: run \`cedar-authorizer validate ${source}\``,
      );
    }
    return bundle;
  }
  return source;
}

/** A server over an authorizer already loaded (`Authorizer.load`), its read operations from its bundle. */
function serveAuthorizer(authorizer, options, api) {
  return createVerifiedPermissionsServer(authorizer, { ...options, document: () => documentOf(authorizer, api) }, api);
}

module.exports = { loadable, serveAuthorizer };
