'use strict';

/**
 * A policy store or bundle that cannot be loaded. Thrown at start-up, never on the decision path.
 * `code` is stable (`store.invalid`, `bundle.hash_mismatch`, ...); `diagnostics` lists every problem with
 * its file, line and column; the message says what to fix.
 */
class AuthorizerLoadError extends Error {
  constructor(code, message, diagnostics = []) {
    super(message);
    this.name = 'AuthorizerLoadError';
    this.code = code;
    this.diagnostics = diagnostics;
  }
}

module.exports = { AuthorizerLoadError };
