'use strict';

/**
 * `cedar-authorizer serve`: an HTTP server speaking Verified Permissions' protocol (protocol.cjs) over an
 * authorizer, so code that calls IsAuthorized through an AWS SDK decides locally by changing its endpoint.
 *
 * Who may call: it listens on 127.0.0.1 unless told otherwise; on any other address it needs caller
 * credentials (every request's SigV4 is checked, sigv4.cjs) or an explicit `allowUnauthenticated`. Bodies
 * are limited in size (`maxBodyBytes`, 1 MiB by default; the service's own limit for a request) and read
 * with a deadline, connections are kept alive, and nothing a caller sends can end the process: every
 * failure is an error answer in the service's shape.
 *
 * `GET /health` answers the authorizer's health (ops/health.cjs) and `GET /metrics` the decision counters
 * in Prometheus text, for the operators of a decision service.
 */

const http = require('node:http');
const { createProtocol } = require('./protocol.cjs');
const { createStoreView } = require('./store-view.cjs');
const { createSigV4Checker } = require('./sigv4.cjs');
const { AuthorizerLoadError } = require('../errors.cjs');
const { createDecisionLog } = require('../ops/decision-log.cjs');
const { createMetrics } = require('../ops/metrics.cjs');
const { healthOf } = require('../ops/health.cjs');

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);
const DEFAULT_MAX_BODY = 1024 * 1024;

/**
 * What a server and a Lambda handler share: the protocol over `authorizer`, with its store view kept in
 * step with the bundle in place. Options: `policyStoreId` (required), `aliases`, `accountId`, `region`,
 * `maxBatch`, `credentials` (caller credentials; then every request's signature is checked),
 * `allowUnauthenticated`, and the decision log and metrics options of the handlers (`logger`, `redact`,
 * `sampleAllows`, `logFormat`, `metrics`, ...).
 */
function createEndpointCore(authorizer, options, api) {
  const policyStoreId = options.policyStoreId;
  if (typeof policyStoreId !== 'string' || !/^[a-zA-Z0-9-/_]{1,200}$/.test(policyStoreId)) {
    throw new AuthorizerLoadError(
      'config.invalid',
      `policyStoreId is \`${policyStoreId}\`: give the policy store id your callers send (--policy-store-id), 1 to 200 letters, digits, -, / or _`,
    );
  }
  const region = options.region ?? process.env.AWS_REGION ?? 'us-east-1';
  const accountId = options.accountId ?? '000000000000';
  const arn = `arn:aws:verifiedpermissions::${accountId}:policy-store/${policyStoreId}`;
  let cached = null;
  const view = () => {
    const bundle = authorizer.bundle;
    if (!cached || cached.hash !== bundle.hash) {
      const document = options.document ? options.document() : undefined;
      const text = document && document.format === 'cedar-authorizer/bundle' ? document : undefined;
      const compiled = text ? api.compileBundle(text) : document;
      cached = {
        hash: bundle.hash,
        view: createStoreView({ bundle: text, compiled: compiled || {}, api, policyStoreId, arn, loadedAt: authorizer.loadedAt }),
      };
    }
    return cached.view;
  };
  const decisions = createDecisionLog(options);
  const metrics = createMetrics({
    metrics: options.metrics,
    namespace: options.metricsNamespace,
    service: options.service,
    write: options.metricsWriter,
  });
  if (typeof authorizer.onEvent === 'function') {
    authorizer.onEvent((event) => {
      if (event.type === 'keys') metrics.keyFetch(event.ok);
      else if (event.type === 'bundle') metrics.bundleRefresh(event.outcome);
    });
  }
  metrics.bundleAgeFrom(() => (typeof authorizer.loadedAt === 'number' ? (Date.now() - authorizer.loadedAt) / 1000 : undefined));
  const authenticate = options.credentials
    ? createSigV4Checker({ credentials: options.credentials, region, clock: options.signatureClock })
    : undefined;
  const protocol = createProtocol({
    authorizer,
    policyStoreId,
    aliases: options.aliases ?? [],
    view,
    maxBatch: options.maxBatch,
    decisions: decisions.enabled ? decisions : undefined,
    metrics,
    authenticate,
  });
  const health = () => healthOf(authorizer, { decisions: metrics.totals });
  return { protocol, metrics, health, authenticated: Boolean(authenticate), region, view };
}

/**
 * An HTTP server for `authorizer`; call `listen()` (resolves to `{ host, port, url }`) and `close()`.
 * Options as createEndpointCore's, with `host` (default 127.0.0.1), `port` (default 8181; 0 picks one),
 * `maxBodyBytes`, `bodyTimeoutMs` (default 10 s), `keepAliveTimeoutMs` (default 65 s, past the SDKs' idle
 * sockets).
 */
function createVerifiedPermissionsServer(authorizer, options, api) {
  const host = options.host ?? '127.0.0.1';
  if (!LOOPBACK.has(host) && !options.credentials && options.allowUnauthenticated !== true) {
    throw new AuthorizerLoadError(
      'config.invalid',
      `the endpoint would listen on ${host}, where others can reach it: give caller credentials (--caller-credentials <file>: every request's SigV4 signature is then checked), or --allow-unauthenticated when something in front of it decides who may call`,
    );
  }
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY;
  const bodyTimeoutMs = options.bodyTimeoutMs ?? 10_000;
  const core = createEndpointCore(authorizer, options, api);

  const server = http.createServer(
    { keepAliveTimeout: options.keepAliveTimeoutMs ?? 65_000, requestTimeout: bodyTimeoutMs + 5_000 },
    (req, res) => {
      const send = (answer) => {
        if (res.headersSent) return;
        res.writeHead(answer.status, { ...answer.headers, 'content-length': Buffer.byteLength(answer.body) });
        res.end(answer.body);
      };
      if (req.method === 'GET' && (req.url === '/health' || req.url === '/metrics')) {
        try {
          if (req.url === '/metrics') {
            const text = core.metrics.prometheusText();
            res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(text);
          } else {
            const health = core.health();
            res.writeHead(health.healthy ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify(health));
          }
        } catch (e) {
          res
            .writeHead(500, { 'content-type': 'application/json' })
            .end(JSON.stringify({ healthy: false, reasons: [String(e && e.message)] }));
        }
        return;
      }
      const declared = Number(req.headers['content-length']);
      const tooLarge = () =>
        send({
          status: 413,
          headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-errortype': 'ValidationException', connection: 'close' },
          body: JSON.stringify({
            __type: 'com.amazonaws.verifiedpermissions#ValidationException',
            message: `The request body is larger than this endpoint takes (${maxBodyBytes} bytes)`,
          }),
        });
      if (Number.isFinite(declared) && declared > maxBodyBytes) {
        tooLarge();
        req.resume();
        return;
      }
      const chunks = [];
      let size = 0;
      let over = false;
      const timer = setTimeout(() => req.destroy(), bodyTimeoutMs);
      req.on('data', (chunk) => {
        size += chunk.length;
        if (size > maxBodyBytes) {
          if (!over) tooLarge();
          over = true;
          return;
        }
        chunks.push(chunk);
      });
      req.on('error', () => clearTimeout(timer));
      req.on('end', () => {
        clearTimeout(timer);
        if (over) return;
        core.protocol.handle({ method: req.method, path: req.url, headers: req.headers, body: Buffer.concat(chunks) }).then(send, () =>
          send({
            status: 500,
            headers: { 'content-type': 'application/x-amz-json-1.0' },
            body: '{"__type":"InternalServerException","message":"internal error"}',
          }),
        );
      });
    },
  );
  server.on('clientError', (_e, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n');
  });

  return {
    server,
    core,
    listen() {
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(options.port ?? 8181, host, () => {
          server.off('error', reject);
          const { port } = server.address();
          const shown = host.includes(':') ? `[${host}]` : host;
          resolve({ host, port, url: `http://${shown}:${port}` });
        });
      });
    },
    close() {
      return new Promise((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections?.();
      });
    },
  };
}

module.exports = { createVerifiedPermissionsServer, createEndpointCore };
