'use strict';

const { SourceError, codeOfStatus } = require('./errors.cjs');

const SDK = '@aws-sdk/client-s3';

/**
 * The S3 client, loaded only for an S3 source: `@aws-sdk/client-s3` is an optional peer dependency, which
 * the Lambda Node.js runtime already has.
 */
function loadSdk() {
  try {
    return require(SDK);
  } catch (e) {
    if (e && e.code === 'MODULE_NOT_FOUND' && String(e.message).includes(SDK)) {
      throw new SourceError(
        'source.invalid',
        `an S3 source reads the bundle with the AWS SDK, which is not installed: run \`npm install ${SDK}\``,
      );
    }
    throw e;
  }
}

/** What an SDK error means for a refresh. */
function sourceErrorOf(e, label) {
  const status = e && e.$metadata && e.$metadata.httpStatusCode;
  const name = (e && e.name) || 'Error';
  if (name === 'AbortError' || name === 'TimeoutError') return new SourceError('source.timeout', `${label}: ${e.message}`, { cause: e });
  if (name === 'NoSuchKey' || name === 'NoSuchBucket' || status === 404) {
    return new SourceError('source.not_found', `${label} does not exist (${name})`, { cause: e });
  }
  if (name === 'AccessDenied' || status === 403) {
    return new SourceError('source.denied', `${label}: access denied: the function's role needs \`s3:GetObject\` on it (${name})`, {
      cause: e,
    });
  }
  if (name === 'SlowDown') return new SourceError('source.throttled', `${label}: S3 asked to slow down (SlowDown)`, { cause: e });
  if (typeof status === 'number')
    return new SourceError(codeOfStatus(status), `${label} answered HTTP ${status} (${name}: ${e.message})`, { cause: e });
  return new SourceError('source.unavailable', `${label} cannot be read: ${name}: ${e && e.message}`, { cause: e });
}

/**
 * A bundle in an S3 object, read with `GetObject` and `IfNoneMatch` (S3 answers 304 when the object's ETag
 * is the one given). The body is counted while it is read and the stream destroyed past the size limit; a
 * declared `ContentLength` over it is refused before reading. `client` may be given (an S3Client with its own
 * endpoint or credentials); else one is made for `region` with the SDK's default credential chain.
 */
function s3Source({ bucket, key, region, client, endpoint, forcePathStyle }) {
  const label = `s3://${bucket}/${key}`;
  let s3;
  let sdk;
  const ready = () => {
    if (!s3) {
      sdk = loadSdk();
      const config = {};
      if (region) config.region = region;
      if (endpoint) config.endpoint = endpoint;
      if (forcePathStyle !== undefined) config.forcePathStyle = forcePathStyle;
      s3 = client ?? new sdk.S3Client(config);
    }
    return s3;
  };

  async function read({ etag, timeoutMs, maxBytes }) {
    const s3Client = ready();
    const signal = AbortSignal.timeout(timeoutMs);
    let response;
    try {
      response = await s3Client.send(new sdk.GetObjectCommand({ Bucket: bucket, Key: key, ...(etag ? { IfNoneMatch: etag } : {}) }), {
        abortSignal: signal,
      });
    } catch (e) {
      const status = e && e.$metadata && e.$metadata.httpStatusCode;
      if (status === 304 || (e && e.name === 'NotModified')) return { unchanged: true, etag };
      if (signal.aborted)
        throw new SourceError('source.timeout', `${label} did not answer within ${timeoutMs} ms (timeoutMs)`, { cause: e });
      throw sourceErrorOf(e, label);
    }
    const declared = Number(response.ContentLength);
    const body = response.Body;
    if (declared > maxBytes) {
      if (body && typeof body.destroy === 'function') body.destroy();
      throw new SourceError('source.too_large', `${label} is ${declared} bytes, over the limit of ${maxBytes} (maxBytes)`);
    }
    const chunks = [];
    let total = 0;
    try {
      for await (const chunk of body) {
        total += chunk.length;
        if (total > maxBytes) {
          body.destroy();
          throw new SourceError(
            'source.too_large',
            `${label} sent more than ${maxBytes} bytes, the limit (maxBytes): refused while reading`,
          );
        }
        chunks.push(chunk);
        if (signal.aborted) throw new SourceError('source.timeout', `${label}: the body was not read within ${timeoutMs} ms (timeoutMs)`);
      }
    } catch (e) {
      if (e instanceof SourceError) throw e;
      if (signal.aborted)
        throw new SourceError('source.timeout', `${label}: the body was not read within ${timeoutMs} ms (timeoutMs)`, { cause: e });
      throw new SourceError('source.truncated', `${label}: the body broke off after ${total} bytes (${e && e.message})`, { cause: e });
    }
    if (Number.isFinite(declared) && total !== declared) {
      throw new SourceError('source.truncated', `${label}: the body ended after ${total} of ${declared} bytes`);
    }
    return {
      body: Buffer.concat(
        chunks.map((c) => Buffer.from(c)),
        total,
      ),
      etag: response.ETag,
    };
  }

  return { kind: 's3', label, read, close: () => {} };
}

module.exports = { s3Source };
