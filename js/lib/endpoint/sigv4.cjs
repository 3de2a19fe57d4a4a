'use strict';

/**
 * Who may call the endpoint: every request's AWS Signature Version 4 checked against the caller
 * credentials the endpoint was given. The signature is computed again by the AWS SDK's own signer
 * (`@smithy/signature-v4`) over exactly the headers the caller signed, and compared in constant time;
 * before that, the parts of the signature a signer does not check are checked here: the access key is one
 * of the callers', the credential scope is today's date (the request's), this endpoint's region and the
 * service `verifiedpermissions`, the request time is within 15 minutes of this clock (as AWS allows), and
 * a payload hash the caller sent is the body's (the signer would take a sent hash on trust).
 *
 * Refusals use the errors AWS services give for the same faults, so an SDK reports them as it would.
 */

const { createHash, createHmac, timingSafeEqual } = require('node:crypto');
const { EndpointError } = require('./store-view.cjs');
const { AuthorizerLoadError } = require('../errors.cjs');

const SERVICE = 'verifiedpermissions';
const SKEW_MS = 15 * 60 * 1000;
const AUTHORIZATION = /^AWS4-HMAC-SHA256 Credential=([^,\s]+),\s*SignedHeaders=([^,\s]+),\s*Signature=([0-9a-f]{64})$/;

/** The hash the signer takes: SHA-256, or HMAC-SHA-256 under `secret`, by node:crypto. */
class Sha256 {
  constructor(secret) {
    this.hash = secret
      ? createHmac('sha256', typeof secret === 'string' ? Buffer.from(secret, 'utf8') : Buffer.from(secret))
      : createHash('sha256');
  }
  update(data) {
    this.hash.update(typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data.buffer, data.byteOffset, data.byteLength));
  }
  async digest() {
    return new Uint8Array(this.hash.digest());
  }
}

/** The SDK's signer, loaded when an endpoint with caller credentials starts (it is not needed otherwise). */
function loadSigner() {
  try {
    return require('@smithy/signature-v4').SignatureV4;
  } catch (e) {
    throw new AuthorizerLoadError(
      'config.invalid',
      `checking callers' signatures needs @smithy/signature-v4, which did not load (${e.message}): reinstall cedar-authorizer`,
    );
  }
}

/**
 * Caller credentials as given (`[{ accessKeyId, secretAccessKey, sessionToken? }]`, or their JSON text),
 * checked: a bad entry fails at start-up, saying which.
 */
function callersOf(given) {
  let list = given;
  if (typeof list === 'string') {
    try {
      list = JSON.parse(list);
    } catch (e) {
      throw new AuthorizerLoadError('config.invalid', `the caller credentials are not JSON: ${e.message}`);
    }
  }
  if (!Array.isArray(list) || list.length === 0) {
    throw new AuthorizerLoadError(
      'config.invalid',
      'the caller credentials are a list: [{ "accessKeyId": "...", "secretAccessKey": "..." }]',
    );
  }
  const callers = new Map();
  list.forEach((c, i) => {
    if (
      !c ||
      typeof c.accessKeyId !== 'string' ||
      !/^[A-Z0-9]{16,128}$/.test(c.accessKeyId) ||
      typeof c.secretAccessKey !== 'string' ||
      c.secretAccessKey.length < 16
    ) {
      throw new AuthorizerLoadError(
        'config.invalid',
        `caller credential ${i + 1} needs an accessKeyId (16 to 128 capital letters and digits) and a secretAccessKey (at least 16 characters)`,
      );
    }
    if (callers.has(c.accessKeyId)) throw new AuthorizerLoadError('config.invalid', `caller credential ${c.accessKeyId} is given twice`);
    callers.set(c.accessKeyId, {
      accessKeyId: c.accessKeyId,
      secretAccessKey: c.secretAccessKey,
      sessionToken: c.sessionToken,
      name: c.name,
    });
  });
  return callers;
}

const refuse = (type, message, status = 403) => new EndpointError(type, message, {}, status);

/** `20261207T101500Z` as a Date, or undefined. */
function amzDate(text) {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(String(text ?? ''));
  if (!m) return undefined;
  const ms = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]);
  return Number.isNaN(ms) ? undefined : new Date(ms);
}

/**
 * A checker of requests `{ method, path, headers (lower-case names), body (Buffer) }`: resolves to the
 * caller (`{ accessKeyId, name }`) or throws the EndpointError the service would send.
 */
function createSigV4Checker({ credentials, region, clock = Date.now }) {
  const SignatureV4 = loadSigner();
  const callers = callersOf(credentials);
  if (typeof region !== 'string' || !/^[a-z0-9-]+$/.test(region)) {
    throw new AuthorizerLoadError(
      'config.invalid',
      `the endpoint's region is \`${region}\`: give the AWS Region its callers sign for (--region)`,
    );
  }
  const signers = new Map();
  const signerOf = (caller) => {
    let signer = signers.get(caller.accessKeyId);
    if (!signer) {
      signer = new SignatureV4({
        credentials: { accessKeyId: caller.accessKeyId, secretAccessKey: caller.secretAccessKey, sessionToken: caller.sessionToken },
        region,
        service: SERVICE,
        sha256: Sha256,
        applyChecksum: false,
      });
      signers.set(caller.accessKeyId, signer);
    }
    return signer;
  };

  return async function authenticate(request) {
    const headers = request.headers;
    const authorization = headers.authorization;
    if (typeof authorization !== 'string' || authorization === '') {
      throw refuse('MissingAuthenticationTokenException', 'Missing Authentication Token', 403);
    }
    const m = AUTHORIZATION.exec(authorization.trim());
    if (!m) {
      throw refuse(
        'IncompleteSignatureException',
        `Authorization header requires 'Credential', 'SignedHeaders' and 'Signature' parameters of AWS4-HMAC-SHA256. Authorization=${authorization.split(' ')[0]}`,
      );
    }
    const [, credential, signedList, signature] = m;
    const parts = credential.split('/');
    if (parts.length !== 5)
      throw refuse(
        'IncompleteSignatureException',
        `Credential should have the form <access key>/<date>/<region>/<service>/aws4_request, not ${credential}`,
      );
    const [accessKeyId, date, scopeRegion, service, terminator] = parts;
    const caller = callers.get(accessKeyId);
    if (!caller) throw refuse('UnrecognizedClientException', 'The security token included in the request is invalid.');
    const signedAt = amzDate(headers['x-amz-date']);
    if (!signedAt) throw refuse('IncompleteSignatureException', 'Authorization requires an X-Amz-Date header of the form yyyyMMddTHHmmssZ');
    if (date !== headers['x-amz-date'].slice(0, 8)) {
      throw refuse(
        'InvalidSignatureException',
        `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${date}' != '${headers['x-amz-date'].slice(0, 8)}'`,
      );
    }
    if (scopeRegion !== region)
      throw refuse('InvalidSignatureException', `Credential should be scoped to a valid region, not '${scopeRegion}'. `);
    if (service !== SERVICE) throw refuse('InvalidSignatureException', `Credential should be scoped to correct service: '${SERVICE}'. `);
    if (terminator !== 'aws4_request')
      throw refuse('InvalidSignatureException', "Credential should be scoped with a valid terminator: 'aws4_request'.");
    const now = clock();
    const stamp = (ms) => new Date(ms).toISOString().replace(/[-:]|\.\d{3}/g, '');
    if (signedAt.getTime() < now - SKEW_MS) {
      throw refuse(
        'InvalidSignatureException',
        `Signature expired: ${headers['x-amz-date']} is now earlier than ${stamp(now - SKEW_MS)} (${stamp(now)} - 15 min.)`,
      );
    }
    if (signedAt.getTime() > now + SKEW_MS) {
      throw refuse(
        'InvalidSignatureException',
        `Signature not yet current: ${headers['x-amz-date']} is still later than ${stamp(now + SKEW_MS)} (${stamp(now)} + 15 min.)`,
      );
    }
    const signed = signedList.split(';');
    if (!signed.includes('host') || signed.some((h) => headers[h] === undefined)) {
      throw refuse(
        'InvalidSignatureException',
        'The request signature must cover the Host header, and every signed header must be present.',
      );
    }
    const sentHash = headers['x-amz-content-sha256'];
    if (sentHash !== undefined && sentHash !== createHash('sha256').update(request.body).digest('hex')) {
      throw refuse('InvalidSignatureException', 'The provided x-amz-content-sha256 header does not match what was computed.');
    }
    if (
      caller.sessionToken !== undefined
        ? headers['x-amz-security-token'] !== caller.sessionToken
        : headers['x-amz-security-token'] !== undefined
    ) {
      throw refuse('UnrecognizedClientException', 'The security token included in the request is invalid.');
    }
    const url = new URL(request.path, 'http://endpoint');
    const query = {};
    for (const [k, v] of url.searchParams) query[k] = v;
    const toSign = {
      method: request.method,
      protocol: 'https:',
      hostname: headers.host,
      path: url.pathname,
      query,
      headers: Object.fromEntries(signed.map((h) => [h, String(headers[h])])),
      body: request.body,
    };
    const again = await signerOf(caller).sign(toSign, { signingDate: signedAt, signableHeaders: new Set(signed) });
    const expected = /Signature=([0-9a-f]{64})/.exec(again.headers.authorization)[1];
    if (!timingSafeEqual(Buffer.from(expected, 'hex'), Buffer.from(signature, 'hex'))) {
      throw refuse(
        'InvalidSignatureException',
        'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
      );
    }
    return { accessKeyId, name: caller.name };
  };
}

module.exports = { createSigV4Checker, callersOf, Sha256 };
