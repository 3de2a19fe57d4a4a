'use strict';

const { SourceError } = require('./errors.cjs');
const { createRefresher, DEFAULTS } = require('./refresh.cjs');

/**
 * Live bundle sources: where a bundle is read again while the authorizer runs. The forms:
 *
 * - `s3://bucket/key`, or `{ s3: { bucket, key, region?, client?, endpoint? } }`: an S3 object;
 * - `https://...` (a `URL` too), or `{ url, ca? }`: a bundle at an HTTPS URL;
 * - `{ verifiedPermissions: { policyStoreId, region?, client?, endpoint? } }`: a Verified Permissions
 *   policy store, with routes and static entities from the deployed bundle (`context.deployed()`);
 *
 * Anything else is not a live source (a folder, a file, a bundle object are read once, as before):
 * `readerOf` answers undefined for it. `http:` URLs are refused: a bundle decides who may do what, and an
 * unauthenticated channel lets anyone on the path choose it.
 */
function readerOf(source, context = {}) {
  const text = typeof source === 'string' ? source : source instanceof URL ? source.href : undefined;
  if (text !== undefined) {
    if (/^s3:\/\//i.test(text)) {
      const match = /^s3:\/\/([^/]+)\/(.+)$/i.exec(text);
      if (!match) throw new SourceError('source.invalid', `\`${text}\` is not an S3 object: write s3://<bucket>/<key>`);
      return s3Reader({ bucket: match[1], key: match[2] });
    }
    if (/^https:\/\//i.test(text)) return httpsReader({ url: text });
    if (/^http:\/\//i.test(text)) {
      throw new SourceError(
        'source.invalid',
        `\`${text}\` is plain HTTP: a bundle is read over HTTPS only (anyone on the path could choose it)`,
      );
    }
    return undefined;
  }
  if (!source || typeof source !== 'object') return undefined;
  if (source.s3 !== undefined) {
    const { bucket, key } = source.s3 ?? {};
    if (typeof bucket !== 'string' || bucket === '' || typeof key !== 'string' || key === '') {
      throw new SourceError('source.invalid', 'an S3 source is { s3: { bucket, key, region? } } with a bucket and a key');
    }
    return s3Reader(source.s3);
  }
  if (source.verifiedPermissions !== undefined) {
    const { verifiedPermissionsSource } = require('./verified-permissions.cjs');
    const options = source.verifiedPermissions ?? {};
    let deployed;
    return verifiedPermissionsSource(options, {
      api: context.api,
      // Read when the first check runs: the deployed bundle is known by then.
      get deployed() {
        deployed ??= context.deployed ? context.deployed(options) : {};
        return deployed;
      },
    });
  }
  if (typeof source.url === 'string' || source.url instanceof URL) {
    const url = String(source.url);
    if (!/^https:\/\//i.test(url))
      throw new SourceError('source.invalid', `\`${url}\` is not an HTTPS URL: a bundle is read over HTTPS only`);
    return httpsReader({ ...source, url });
  }
  return undefined;
}

function s3Reader(options) {
  return require('./s3.cjs').s3Source(options);
}

function httpsReader(options) {
  return require('./https.cjs').httpsSource(options);
}

module.exports = { readerOf, createRefresher, SourceError, DEFAULTS };
