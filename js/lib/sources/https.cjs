'use strict';

const https = require('node:https');
const { SourceError, codeOfStatus } = require('./errors.cjs');

/**
 * A bundle at an HTTPS URL (a bucket behind CloudFront, a bundle server), read with `node:https`: one
 * conditional GET (`If-None-Match` with the last ETag), bounded by a timeout from the first byte sent to the
 * last received, and by a size limit counted while reading (a declared `Content-Length` over it is refused
 * before the body is read). Connections are kept alive between refreshes; one the server dropped while the
 * process was frozen (Lambda, between invocations) fails on its first use before any answer, and the request
 * is then sent once more on a new connection, within the same timeout. `ca` adds trusted certificate
 * authorities (a private CA, a test certificate); nothing else of TLS is relaxed.
 */
function httpsSource({ url, ca, headers }) {
  const agent = new https.Agent({ keepAlive: true, maxSockets: 2, ...(ca ? { ca } : {}) });
  const label = url.toString();

  /** `{ unchanged: true }` or `{ body: Buffer, etag }`; throws a SourceError. */
  function read({ etag, timeoutMs, maxBytes }) {
    return new Promise((resolve, reject) => {
      let settled = false;
      let request;
      let retried = false;
      const fail = (code, message, cause) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        request.destroy();
        reject(new SourceError(code, message, cause ? { cause } : undefined));
      };
      const send = () => {
        let answered = false;
        request = https.request(
          url,
          {
            method: 'GET',
            agent,
            headers: { accept: 'application/json', ...(headers ?? {}), ...(etag ? { 'if-none-match': etag } : {}) },
          },
          (response) => {
            answered = true;
            const status = response.statusCode;
            if (status === 304) {
              response.resume();
              settled = true;
              clearTimeout(timer);
              resolve({ unchanged: true, etag });
              return;
            }
            if (status !== 200) {
              response.resume();
              fail(codeOfStatus(status), `${label} answered HTTP ${status}`);
              return;
            }
            const declared = Number(response.headers['content-length']);
            if (declared > maxBytes) {
              fail('source.too_large', `${label} announced ${declared} bytes, over the limit of ${maxBytes} (maxBytes)`);
              return;
            }
            const chunks = [];
            let total = 0;
            response.on('data', (chunk) => {
              total += chunk.length;
              if (total > maxBytes) {
                fail('source.too_large', `${label} sent more than ${maxBytes} bytes, the limit (maxBytes): refused while reading`);
                return;
              }
              chunks.push(chunk);
            });
            response.on('aborted', () => fail('source.truncated', `${label}: the connection closed after ${total} bytes of the body`));
            response.on('error', (e) => fail('source.truncated', `${label}: the body broke off after ${total} bytes (${e.message})`, e));
            response.on('end', () => {
              if (settled) return;
              if (!response.complete || (Number.isFinite(declared) && total !== declared)) {
                fail('source.truncated', `${label}: the body ended after ${total} of ${declared} bytes`);
                return;
              }
              settled = true;
              clearTimeout(timer);
              resolve({ body: Buffer.concat(chunks, total), etag: response.headers.etag });
            });
          },
        );
        const sent = request;
        sent.on('error', (e) => {
          if (settled || sent !== request) return;
          // A kept-alive connection that was already gone: once more, on a new one.
          if (sent.reusedSocket && !answered && !retried) {
            retried = true;
            sent.destroy();
            send();
            return;
          }
          fail('source.unavailable', `${label} cannot be reached: ${e.message}`, e);
        });
        sent.end();
      };
      const timer = setTimeout(() => fail('source.timeout', `${label} did not answer within ${timeoutMs} ms (timeoutMs)`), timeoutMs);
      send();
    });
  }

  return { kind: 'https', label, read, close: () => agent.destroy() };
}

module.exports = { httpsSource };
