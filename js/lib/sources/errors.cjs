'use strict';

/**
 * A refresh that failed at its source: `code` is one of the module's `source.*` codes (`source.timeout`,
 * `source.denied`, `source.too_large`, ...), the message says what happened and, where there is something to
 * do, what to do.
 */
class SourceError extends Error {
  constructor(code, message, options) {
    super(message, options);
    this.name = 'SourceError';
    this.code = code;
  }
}

/** The code of an HTTP status a source answered with (other than 200 and 304). */
function codeOfStatus(status) {
  if (status === 401 || status === 403) return 'source.denied';
  if (status === 404) return 'source.not_found';
  if (status === 429 || status === 503) return 'source.throttled';
  return 'source.unavailable';
}

module.exports = { SourceError, codeOfStatus };
