'use strict';

const { createCore, isHealthEvent } = require('./decider.cjs');
const { bearer, cookie, mentionsCookie } = require('./events.cjs');
const { entityText } = require('../entity.cjs');
const { AuthorizerLoadError } = require('../errors.cjs');

/**
 * A CloudFront Lambda@Edge viewer-request handler. The token comes from the `Authorization` header (or the
 * cookie named `tokenCookie`). An allowed request is returned to CloudFront, optionally with the principal
 * in `principalHeader` for the origin (any such header from the viewer is always removed) and the
 * `Authorization` header stripped (`stripAuthorization`). A missing or bad token gets 401 with
 * `WWW-Authenticate: Bearer`; a refusal 403. Lambda@Edge has no environment variables and should not fetch
 * on the request path: pass the bundle and the JWKS in the zip (`jwks`, `fetchKeys: false`).
 */
function createEdgeViewerRequestHandler(options, api) {
  const core = createCore(options, api);
  const cookieName = options.tokenCookie;
  const principalHeader = options.principalHeader ? String(options.principalHeader).toLowerCase() : undefined;
  if (principalHeader !== undefined && !/^[a-z0-9-]+$/.test(principalHeader)) {
    throw new AuthorizerLoadError('config.invalid', `options.principalHeader \`${options.principalHeader}\` is not a header name`);
  }
  const stripAuthorization = Boolean(options.stripAuthorization);

  // The authorizer behind the handler, for `status()` and `refresh()` (a health check, a test).
  return Object.assign(
    async function edgeViewerRequest(event) {
      if (isHealthEvent(event)) return core.health();
      const cf = event && event.Records && event.Records[0] && event.Records[0].cf;
      const request = cf && cf.request;
      // CloudFront's id of the request (also in its logs, and in the x-amz-cf-id header the origin gets).
      const requestId = cf && cf.config && typeof cf.config.requestId === 'string' ? cf.config.requestId : undefined;
      if (!request || typeof request !== 'object' || typeof request.uri !== 'string') {
        core.refuse('edge-viewer-request', 'request.malformed', 'not a CloudFront viewer-request event', requestId);
        return respond('403', 'Forbidden', { message: 'Forbidden' });
      }
      const headers = request.headers && typeof request.headers === 'object' ? request.headers : {};
      // The viewer's own copy of the principal header, in every spelling an origin may fold into the same
      // name (case, `_` for `-`: CGI-style origins read both as HTTP_X_CEDAR_PRINCIPAL).
      if (principalHeader) removeHeader(headers, principalHeader);
      const fromHeader = bearer(only(headerList(headers, 'authorization')));
      const fromCookie = fromHeader === undefined && cookieName ? bearer(cookie(headerValuesOf(headers, 'cookie'), cookieName)) : undefined;
      const token = fromHeader ?? fromCookie;
      if (!token) {
        core.refuse('edge-viewer-request', 'token.missing', 'no bearer token in the Authorization header or the token cookie', requestId);
        return respond('401', 'Unauthorized', { message: 'Unauthorized' }, 'Bearer');
      }
      const answer = await core.decide({
        kind: 'edge-viewer-request',
        requestId,
        token,
        // The core routes the path in normal form, and the request goes on with exactly that path.
        forwardsNormalizedPath: true,
        http: {
          method: typeof request.method === 'string' ? request.method : 'GET',
          path: request.uri,
          // As received: the core reads it, so a parameter given twice (in any spelling) is known.
          rawQuery: typeof request.querystring === 'string' ? request.querystring : '',
          headers: Object.fromEntries(
            Object.entries(headers)
              .map(([k, v]) => [k, values(v)])
              .filter(([, v]) => v.length > 0),
          ),
          sourceIp: typeof request.clientIp === 'string' ? request.clientIp : undefined,
        },
      });
      if (!answer.authenticated) return respond('401', 'Unauthorized', { message: 'Unauthorized' }, 'Bearer error="invalid_token"');
      if ((answer.errors || []).some((e) => e.code === 'request.path_invalid'))
        return respond('400', 'Bad Request', { message: 'Bad Request' });
      if (answer.decision !== 'ALLOW' || typeof answer.path !== 'string') return respond('403', 'Forbidden', { message: 'Forbidden' });
      request.uri = answer.path;
      // Only the credential that was verified goes on: Authorization headers beside a deciding cookie, or a
      // token cookie beside a deciding header, were never checked.
      if (stripAuthorization || fromHeader === undefined) removeHeader(headers, 'authorization');
      if (fromHeader !== undefined && cookieName) removeCookie(headers, cookieName);
      if (principalHeader && answer.principal) {
        headers[principalHeader] = [{ key: principalHeader, value: entityText(answer.principal) }];
      }
      request.headers = headers;
      return request;
    },
    { authorizer: core.authorizer, health: core.health, metrics: core.metrics },
  );
}

/** A header name as origins may fold it: any case, `_` read as `-`. */
const folded = (name) => String(name).toLowerCase().replace(/_/g, '-');

/** Removes a header in every spelling origins fold into its name. */
function removeHeader(headers, name) {
  const target = folded(name);
  for (const key of Object.keys(headers)) if (folded(key) === target) delete headers[key];
}

/** Every `{ key, value }` of a header, whatever the case of its key in the event. */
function headerList(headers, name) {
  const lower = name.toLowerCase();
  return Object.keys(headers)
    .filter((key) => key.toLowerCase() === lower)
    .flatMap((key) => (Array.isArray(headers[key]) ? headers[key] : []));
}

const headerValuesOf = (headers, name) => values(headerList(headers, name));

/**
 * Removes cookie `name` from every Cookie header, in every spelling an origin could read as it (see
 * `mentionsCookie`), keeping the others as they were; drops emptied headers.
 */
function removeCookie(headers, name) {
  for (const key of Object.keys(headers)) {
    if (key.toLowerCase() !== 'cookie' || !Array.isArray(headers[key])) continue;
    const kept = [];
    for (const entry of headers[key]) {
      if (!entry || typeof entry.value !== 'string') continue;
      const parts = entry.value.split(';').filter((part) => part.trim() !== '' && !mentionsCookie(part, name));
      if (parts.length > 0) kept.push({ ...entry, value: parts.map((p) => p.trim()).join('; ') });
    }
    if (kept.length > 0) headers[key] = kept;
    else delete headers[key];
  }
}

/** The values of a CloudFront header (a list of `{ key, value }`). */
function values(list) {
  return Array.isArray(list) ? list.map((h) => h && h.value).filter((v) => typeof v === 'string') : [];
}

/** The one value of a header; a header given more than once is ambiguous, and so has no value here. */
function only(list) {
  const all = values(list);
  return all.length === 1 ? all[0] : undefined;
}

/** A Lambda@Edge generated response: `status` as a string, headers as lists of `{ key, value }`. */
function respond(status, description, body, wwwAuthenticate) {
  const headers = {
    'content-type': [{ key: 'Content-Type', value: 'application/json' }],
    'cache-control': [{ key: 'Cache-Control', value: 'no-store' }],
  };
  if (wwwAuthenticate) headers['www-authenticate'] = [{ key: 'WWW-Authenticate', value: wwwAuthenticate }];
  return { status, statusDescription: description, headers, body: JSON.stringify(body), bodyEncoding: 'text' };
}

module.exports = { createEdgeViewerRequestHandler };
