'use strict';

/**
 * Reading API Gateway and CloudFront events into the facts the core decides on: the bearer token, and the
 * HTTP request (method, path, route key, path parameters, query, headers, source IP). Values are passed on
 * as the event has them; the core normalizes the path and joins a header's several values (RFC 9110,
 * section 5.3), so that knowledge lives in one place.
 */

/** A header's values, whatever its case: a list (empty when absent). */
function headerValues(headers, name) {
  if (!headers || typeof headers !== 'object') return [];
  const lower = name.toLowerCase();
  const values = [];
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== lower) continue;
    if (typeof value === 'string') values.push(value);
    else if (Array.isArray(value)) values.push(...value.filter((v) => typeof v === 'string'));
  }
  return values;
}

/** The one value of a header; a header given more than once is ambiguous, and so has no value here. */
function header(headers, name) {
  const values = headerValues(headers, name);
  return values.length === 1 ? values[0] : undefined;
}

/** `Bearer <token>` or a bare token; anything else is no token. */
function bearer(value) {
  if (typeof value !== 'string') return undefined;
  const trimmed = value.trim();
  const match = /^Bearer\s+(\S+)$/i.exec(trimmed);
  if (match) return match[1];
  return /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]*){2,4}$/.test(trimmed) ? trimmed : undefined;
}

/**
 * Headers as an object of names to a string or, for a header given several times, every value. A later
 * source (REST's `multiValueHeaders`) takes the place of an earlier one's header of the same name in any
 * case; within one source, names that differ only in case are both kept, as given, so the core sees that
 * the header is given twice.
 */
function allHeaders(...sources) {
  const out = {};
  for (const headers of sources) {
    if (!headers || typeof headers !== 'object') continue;
    const mine = new Set();
    for (const [key, value] of Object.entries(headers)) {
      if (!(typeof value === 'string' || (Array.isArray(value) && value.every((v) => typeof v === 'string')))) continue;
      const lower = key.toLowerCase();
      if (!mine.has(lower)) {
        for (const existing of Object.keys(out)) if (existing.toLowerCase() === lower) delete out[existing];
        mine.add(lower);
      }
      out[key] = value;
    }
  }
  return out;
}

/**
 * A REST API (or HTTP API payload 1.0) event's query: every value of each parameter, from
 * `multiValueQueryStringParameters`, with `queryStringParameters` (API Gateway's last value) only for a name
 * the first lacks. The core refuses a route that reads a parameter given more than once, in any spelling.
 */
function queryParameters(single, multi) {
  const out = {};
  if (multi && typeof multi === 'object') {
    for (const [key, value] of Object.entries(multi)) {
      if (Array.isArray(value)) out[key] = value.filter((v) => typeof v === 'string');
      else if (typeof value === 'string') out[key] = [value];
    }
  }
  for (const [key, value] of Object.entries(plainStrings(single))) if (!(key in out)) out[key] = value;
  return out;
}

function plainStrings(map) {
  const out = {};
  if (!map || typeof map !== 'object') return out;
  for (const [key, value] of Object.entries(map)) if (typeof value === 'string') out[key] = value;
  return out;
}

/**
 * `arn:aws:execute-api:<region>:<account>:<apiId>/<stage>/<METHOD>/<path...>`, or undefined when it is not
 * one. `base` is everything before the method, for building the ARNs of other routes. The method is taken
 * as it is (methods are case-sensitive): the core decides what it matches.
 */
function parseMethodArn(arn) {
  if (typeof arn !== 'string') return undefined;
  const match = /^(arn:[^:]+:execute-api:[^:]+:[^:]+:[^/]+\/[^/]+)\/([^/]*)(\/.*)?$/s.exec(arn);
  if (!match) return undefined;
  return { base: match[1], method: match[2], path: match[3] ?? '/' };
}

/**
 * The request of a REST API REQUEST event or an HTTP API payload 1.0 event (the same fields): method,
 * path, the resource template API Gateway matched, path and query parameters, every header value, source IP.
 */
function requestEventHttp(event) {
  const arn = parseMethodArn(event.methodArn);
  return {
    method: event.httpMethod ?? (arn && arn.method),
    path: event.path ?? (arn && arn.path),
    routeKey: typeof event.resource === 'string' ? event.resource : undefined,
    pathParameters: plainStrings(event.pathParameters),
    query: queryParameters(event.queryStringParameters, event.multiValueQueryStringParameters),
    headers: allHeaders(event.headers, event.multiValueHeaders),
    sourceIp: event.requestContext && event.requestContext.identity ? event.requestContext.identity.sourceIp : undefined,
  };
}

/**
 * A cookie name as origins may read it: trimmed, percent-decoded, lowercased, with `.` and spaces as `_`
 * (PHP), so `ID_TOKEN`, `id.token` and `id%5Ftoken` are all `id_token`.
 */
function cookieKey(name) {
  let decoded = name;
  try {
    decoded = decodeURIComponent(name);
  } catch {
    // a malformed escape: compared as written
  }
  return decoded.trim().toLowerCase().replace(/[.\s]/g, '_');
}

/**
 * Whether a cookie pair could be read as cookie `name` by some origin: its name reads as `name`, or the pair
 * holds `name=` anywhere (Python's SimpleCookie reads `a=b id_token=x` as two cookies).
 */
function mentionsCookie(part, name) {
  const eq = part.indexOf('=');
  const key = cookieKey(name);
  if (cookieKey(eq < 0 ? part : part.slice(0, eq)) === key) return true;
  return part
    .split(/[\s=]+/)
    .slice(1)
    .some((word) => cookieKey(word) === key);
}

/**
 * A cookie's value: the one pair named exactly `name`. A value with a malformed percent escape is no value
 * (the request then has no token), and so is a cookie that another pair could be read as by some origin
 * (given twice, in another case, with spaces before `=`, ...): ambiguous.
 */
function cookie(values, name) {
  let found;
  let mentions = 0;
  for (const value of values) {
    for (const part of String(value).split(';')) {
      if (part.trim() === '') continue;
      if (mentionsCookie(part, name)) mentions += 1;
      const eq = part.indexOf('=');
      if (eq < 0 || part.slice(0, eq).trim() !== name) continue;
      if (found !== undefined) return undefined; // given twice: ambiguous
      try {
        found = decodeURIComponent(part.slice(eq + 1).trim());
      } catch {
        return undefined;
      }
    }
  }
  return mentions > 1 ? undefined : found;
}

module.exports = {
  header,
  headerValues,
  bearer,
  allHeaders,
  plainStrings,
  queryParameters,
  parseMethodArn,
  requestEventHttp,
  cookie,
  mentionsCookie,
};
