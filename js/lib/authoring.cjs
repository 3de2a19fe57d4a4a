'use strict';

const { success, loadError } = require('./engine.cjs');

/**
 * The authoring functions, on the full module: building and checking stores, compiling bundles, printing
 * diagnostics, writing bundles as text.
 */
function createAuthoring(engine) {
  /** Validates a store's files and builds its bundle: `{ bundle?, diagnostics }` (errors and warnings). */
  function buildBundle(files) {
    const outcome = engine.full().buildBundle(files);
    const diagnostics = [...(outcome.errors ?? []), ...(outcome.warnings ?? [])];
    return outcome.type === 'success' ? { bundle: outcome.bundle, diagnostics } : { diagnostics };
  }

  /**
   * A bundle compiled for the runtime builds (Lambda, Lambda@Edge): the store in Cedar's policy set and
   * schema JSON, loadable without the policy and schema parsers. Throws AuthorizerLoadError when the bundle
   * does not load.
   */
  function compileBundle(bundle) {
    const outcome = engine.full().compileBundle(bundle);
    if (outcome.type !== 'success') throw loadError(outcome);
    return outcome.bundle;
  }

  /** Every diagnostic of a store: code, description, help, file, line and column. */
  function checkStore(files) {
    return success(engine.full().checkStore(files)).diagnostics;
  }

  /** Diagnostics printed the way a compiler prints them, with the offending line and a caret. */
  function renderDiagnostics(diagnostics, files) {
    return success(engine.full().renderDiagnostics(diagnostics, files || {})).text;
  }

  /** A bundle or compiled bundle as JSON text, every number exact (64-bit longs included). */
  function bundleText(bundle, { pretty = false } = {}) {
    return success(engine.full().bundleText(bundle, pretty)).text;
  }

  return { buildBundle, compileBundle, checkStore, renderDiagnostics, bundleText };
}

module.exports = { createAuthoring };
