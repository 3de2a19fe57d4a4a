'use strict';

/**
 * A policy store or bundle that cannot be loaded, or an option that is wrong: thrown at start-up, never on
 * the decision path. `code` is one of the module's error codes (`store.invalid`, `bundle.hash_mismatch`,
 * `config.invalid`, ...; the list is `constants().codes`); `errors` lists every problem with its file,
 * line and column where there is one (`diagnostics` is the same list with any warnings); the message says
 * what to fix.
 */
class AuthorizerLoadError extends Error {
  constructor(code, message, errors = [], warnings = []) {
    super(message);
    this.name = 'AuthorizerLoadError';
    this.code = code;
    this.errors = errors;
    this.diagnostics = [...errors, ...warnings];
  }
}

module.exports = { AuthorizerLoadError };
