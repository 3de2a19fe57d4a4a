'use strict';

const { AuthorizerLoadError } = require('./errors.cjs');
const { createEngine } = require('./engine.cjs');
const { createAuthorizerClass } = require('./authorizer.cjs');
const { createAuthoring } = require('./authoring.cjs');

/**
 * The package's API over a platform's wasm modules (Node or browser): the Authorizer class, the authoring
 * functions, and the module's constants (bundle formats, token kinds, error codes).
 */
function createApi(platform, initialFull) {
  const engine = createEngine(platform, initialFull);
  const Authorizer = createAuthorizerClass(engine, platform);
  /**
   * Policy test coverage of a test report (`authorizer.runTests`): see testing/coverage.cjs, loaded when
   * first asked for (the Lambda zips, which run no tests, do not carry it).
   */
  const testCoverage = (report, authorizer) =>
    require('./testing/coverage.cjs').coverageOf(report, { policies: authorizer.policies, routes: authorizer.routes });
  return { Authorizer, AuthorizerLoadError, ...createAuthoring(engine), testCoverage, constants: () => engine.constants(), engine };
}

/** Classifies an in-memory source: a bundle document or its JSON text, or `{ files }`; undefined otherwise. */
function resolveObject(source) {
  if (typeof source === 'string' && source.trimStart().startsWith('{')) return { bundle: source };
  if (source && typeof source === 'object' && !(source instanceof URL)) {
    if (source.files && typeof source.files === 'object') return { files: source.files };
    if (typeof source.format === 'string') return { bundle: source };
  }
  return undefined;
}

module.exports = { createApi, resolveObject };
