'use strict';

const { success, loadError } = require('./engine.cjs');

/**
 * The authoring functions, on the full module: building and checking stores, compiling bundles, printing
 * diagnostics, writing bundles as text.
 */
function createAuthoring(engine) {
  /** Validates a store's files and builds its bundle: `{ bundle?, diagnostics }` (errors and warnings). */
  function buildBundle(files) {
    const outcome = engine.guard(() => engine.full().buildBundle(files));
    const diagnostics = [...(outcome.errors ?? []), ...(outcome.warnings ?? [])];
    return outcome.type === 'success' ? { bundle: outcome.bundle, diagnostics } : { diagnostics };
  }

  /**
   * A bundle compiled for the runtime builds (Lambda, Lambda@Edge): the store in Cedar's policy set and
   * schema JSON, loadable without the policy and schema parsers. Throws AuthorizerLoadError when the bundle
   * does not load.
   */
  function compileBundle(bundle) {
    const outcome = engine.guard(() => engine.full().compileBundle(bundle));
    if (outcome.type !== 'success') throw loadError(outcome);
    return outcome.bundle;
  }

  /** Every diagnostic of a store: code, description, help, file, line and column. */
  function checkStore(files) {
    // A trap (a policy too deep for the engine's stack) is one more diagnostic, as buildBundle reports it.
    const outcome = engine.guard(() => engine.full().checkStore(files));
    return outcome.type === 'success' ? outcome.diagnostics : outcome.errors;
  }

  /** Diagnostics printed the way a compiler prints them, with the offending line and a caret. */
  function renderDiagnostics(diagnostics, files) {
    return success(engine.full().renderDiagnostics(diagnostics, files || {})).text;
  }

  /** A bundle or compiled bundle as JSON text, every number exact (64-bit longs included). */
  function bundleText(bundle, { pretty = false } = {}) {
    return success(engine.full().bundleText(bundle, pretty)).text;
  }

  /** An outcome's value under `key` with its diagnostics, or only the diagnostics. */
  const read = (outcome, key) => {
    const diagnostics = [...(outcome.errors ?? []), ...(outcome.warnings ?? [])];
    return outcome.type === 'success' ? { [key]: key === 'outline' ? stripType(outcome) : outcome[key], diagnostics } : { diagnostics };
  };
  const stripType = ({ type: _type, warnings: _warnings, ...rest }) => rest;

  /** Policies as Cedar's formatter writes them: `{ text, diagnostics }`, or `{ diagnostics }` when they do not parse. */
  function formatPolicies(text, { lineWidth, indent } = {}) {
    return read(
      engine.guard(() => engine.full().formatPolicies(String(text), lineWidth, indent)),
      'text',
    );
  }

  /** A schema in the other form (`from`: 'cedar' or 'json'), by Cedar's own conversion: `{ text, diagnostics }`. */
  function convertSchema(text, { from }) {
    return read(
      engine.guard(() => engine.full().convertSchema(String(text), from)),
      'text',
    );
  }

  /** A schema's outline for completion and hover: `{ outline: { entityTypes, actions }, diagnostics }`. */
  function schemaOutline(text, { format = 'cedar' } = {}) {
    return read(
      engine.guard(() => engine.full().schemaOutline(String(text), format)),
      'outline',
    );
  }

  return { buildBundle, compileBundle, checkStore, renderDiagnostics, bundleText, formatPolicies, convertSchema, schemaOutline };
}

module.exports = { createAuthoring };
