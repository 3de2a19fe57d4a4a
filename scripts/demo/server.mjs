// The local demo: one server on 127.0.0.1 that plays API Gateway in front of a small sample "rides" API.
// For each request it builds the real authorizer event (REST API REQUEST, or HTTP API payload 2.0), calls
// the handler from the packaged Lambda zip, enforces the answer (401, 403, or on to the API) and logs the
// decision (the handler writes one JSON line per decision to stdout, as in Lambda). It also serves the demo issuer's JWKS, the test bench at /test-bench/, and prints demo tokens.
import fs from 'node:fs';
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { demoKey, sign } from './keys.mjs';
import { unzip } from './unzip.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const POOL = 'us-east-1_DemoPool1';
const ISSUER = `https://cognito-idp.us-east-1.amazonaws.com/${POOL}`;
const ACCOUNT_ARN = 'arn:aws:execute-api:us-east-1:123456789012:demoapi1/prod';

/** The sample API behind the authorizer. */
const API = {
  '/rider': () => ({ id: 'r-1', name: 'Rita', unicorn: 'Sparkle' }),
  '/riders': () => [
    { id: 'r-1', name: 'Rita' },
    { id: 'r-2', name: 'Ravi' },
  ],
  '/trainer': () => ({ id: 't-1', name: 'Tess', unicorns: 3 }),
  '/trainers': () => [
    { id: 't-1', name: 'Tess' },
    { id: 't-2', name: 'Theo' },
  ],
  '/unicorn': () => ({ id: 'u-1', name: 'Sparkle', color: 'iridescent' }),
  '/unicorns': () => [
    { id: 'u-1', name: 'Sparkle' },
    { id: 'u-2', name: 'Glimmer' },
  ],
};

const USERS = [
  { name: 'admin', sub: 'demo-admin', group: 'Admin' },
  { name: 'rider', sub: 'demo-rider', group: 'Riders' },
  { name: 'trainer', sub: 'demo-trainer', group: 'Trainers' },
];

/** Demo ID tokens, valid for 12 hours from now. */
export function demoTokens(privateKey, now = Math.floor(Date.now() / 1000)) {
  return Object.fromEntries(
    USERS.map((u) => [
      u.name,
      sign(privateKey, {
        sub: u.sub,
        iss: ISSUER,
        aud: 'ridesdemoclient',
        token_use: 'id',
        'cognito:username': u.name,
        email: `${u.name}@example.com`,
        email_verified: true,
        'cognito:groups': [u.group],
        auth_time: now,
        iat: now,
        exp: now + 12 * 3600,
      }),
    ]),
  );
}

/** `*` in an execute-api ARN matches anything, as in IAM. */
function arnMatches(pattern, arn) {
  const re = new RegExp(
    `^${pattern
      .split('*')
      .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
  );
  return re.test(arn);
}

/** API Gateway's reading of an IAM policy for one method ARN: explicit Deny wins, then Allow, else deny. */
function policyAllows(document, arn) {
  const statements = (document && document.Statement) || [];
  const matches = (s) => [].concat(s.Resource).some((r) => arnMatches(r, arn));
  if (statements.some((s) => s.Effect === 'Deny' && matches(s))) return false;
  return statements.some((s) => s.Effect === 'Allow' && matches(s));
}

/** Every value of each query parameter, as API Gateway's `multiValueQueryStringParameters` lists them. */
function multiValues(params) {
  const out = {};
  for (const [name, value] of params) (out[name] ??= []).push(value);
  return out;
}

function restEvent(req, url, sourceIp) {
  return {
    type: 'REQUEST',
    methodArn: `${ACCOUNT_ARN}/${req.method}${url.pathname}`,
    resource: url.pathname,
    path: url.pathname,
    httpMethod: req.method,
    headers: Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)])),
    queryStringParameters: Object.fromEntries(url.searchParams),
    multiValueQueryStringParameters: multiValues(url.searchParams),
    pathParameters: {},
    requestContext: {
      accountId: '123456789012',
      apiId: 'demoapi1',
      stage: 'prod',
      httpMethod: req.method,
      path: url.pathname,
      identity: { sourceIp },
    },
  };
}

function httpApiEvent(req, url, sourceIp) {
  const routeKey = API[url.pathname] ? `${req.method} ${url.pathname}` : '$default';
  return {
    version: '2.0',
    type: 'REQUEST',
    routeArn: `${ACCOUNT_ARN}/${req.method}${url.pathname}`,
    identitySource: req.headers.authorization ? [req.headers.authorization] : [],
    routeKey,
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    headers: Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)])),
    queryStringParameters: Object.fromEntries(url.searchParams),
    requestContext: {
      accountId: '123456789012',
      apiId: 'demoapi1',
      stage: '$default',
      routeKey,
      http: { method: req.method, path: url.pathname, sourceIp, protocol: 'HTTP/1.1', userAgent: req.headers['user-agent'] ?? '' },
    },
  };
}

function send(res, status, body, headers = {}) {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers });
  res.end(typeof body === 'string' ? body : JSON.stringify(body, null, 2) + '\n');
}

const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.css': 'text/css',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.map': 'application/json',
};

function serveStatic(res, dir, rel) {
  const file = path.resolve(dir, rel || 'index.html');
  if (!file.startsWith(path.resolve(dir)) || !fs.existsSync(file) || fs.statSync(file).isDirectory()) return false;
  res.writeHead(200, { 'content-type': MIME[path.extname(file)] ?? 'application/octet-stream' });
  fs.createReadStream(file).pipe(res);
  return true;
}

/** A demo that cannot start for a reason the user can fix: printed as one line, without a stack. */
export class DemoError extends Error {}

/** Whether a process still runs. */
function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return e.code === 'EPERM';
  }
}

/**
 * Starts the demo. `api`: 'rest' or 'http'. Returns `{ url, tokens, close }`. `log` receives one line per
 * request.
 */
export async function startDemoServer({
  port = 8080,
  host = '127.0.0.1',
  api = 'rest',
  zip = path.join(root, 'dist/lambda-authorizer.zip'),
  demoDir = path.join(root, 'build/demo'),
  log = console.log,
} = {}) {
  if (!['rest', 'http'].includes(api)) throw new DemoError(`API must be rest or http, not \`${api}\``);
  if (!fs.existsSync(zip)) throw new DemoError(`${zip} is missing: run \`make package\``);
  const { privateKey, jwks } = demoKey(demoDir);
  // Folders left by demos that did not stop cleanly (killed, or a busy port before this fix) go first.
  for (const name of fs.existsSync(demoDir) ? fs.readdirSync(demoDir) : []) {
    const pid = /^lambda-(\d+)-/.exec(name)?.[1];
    if (pid && !alive(Number(pid))) fs.rmSync(path.join(demoDir, name), { recursive: true, force: true });
  }
  const server = http.createServer();
  try {
    await new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, resolve);
    });
  } catch (e) {
    if (e.code === 'EADDRINUSE') {
      throw new DemoError(`port ${port} on ${host} is in use: stop what listens there, or pick another port (PORT=9000 make run)`);
    }
    throw e;
  }
  const lambdaDir = path.join(demoDir, `lambda-${process.pid}-${Date.now()}`);
  unzip(zip, lambdaDir);
  const url = `http://${host}:${server.address().port}`;

  // The packaged handler, configured as it would be in Lambda, with the demo issuer's keys served here.
  process.env.JWKS_URIS = JSON.stringify({ [ISSUER]: `${url}/demo-issuer/.well-known/jwks.json` });
  const require = createRequire(path.join(lambdaDir, 'index.js'));
  const lambda = require(path.join(lambdaDir, 'index.js'));
  const handler = api === 'rest' ? lambda.restHandler : lambda.httpApiHandler;
  const testBench = path.join(root, 'build/test-bench');

  // A line a second while requests come: how many, allowed and denied, and the decision's p50 and p99.
  let second = { requests: 0, allowed: 0, denied: 0, micros: [] };
  const summarize = () => {
    const { requests, allowed, denied, micros } = second;
    second = { requests: 0, allowed: 0, denied: 0, micros: [] };
    if (requests === 0) return;
    micros.sort((a, b) => a - b);
    const at = (q) => micros[Math.min(micros.length - 1, Math.floor(q * micros.length))];
    const ms = (us) => (us / 1000).toFixed(2);
    log(`summary: ${requests} requests/s, ${allowed} allowed, ${denied} denied, p50 ${ms(at(0.5))} ms, p99 ${ms(at(0.99))} ms`);
  };
  const summary = setInterval(summarize, 1000);
  summary.unref();

  server.on('request', async (req, res) => {
    const parsed = new URL(req.url, url);
    if (parsed.pathname === '/demo-issuer/.well-known/jwks.json' || parsed.pathname === '/.well-known/demo-jwks.json') {
      return send(res, 200, jwks, { 'cache-control': 'public, max-age=300', 'access-control-allow-origin': '*' });
    }
    // For people who run the package outside Lambda: the same counters as the EMF metrics, for Prometheus,
    // and the health answer a canary or a load balancer reads (503 when it is not healthy).
    if (parsed.pathname === '/metrics') {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8', 'cache-control': 'no-store' });
      return res.end(handler.metrics.prometheusText());
    }
    if (parsed.pathname === '/health') {
      const health = await handler({ action: 'cedar-authorizer.health' });
      return send(res, health.healthy ? 200 : 503, health);
    }
    if (parsed.pathname === '/test-bench' || parsed.pathname.startsWith('/test-bench/')) {
      if (parsed.pathname === '/test-bench') return send(res, 301, '', { location: '/test-bench/' });
      if (serveStatic(res, testBench, decodeURIComponent(parsed.pathname.slice('/test-bench/'.length)))) return undefined;
      return send(res, 404, { message: 'the test bench is not built: run `make build-test-bench`' });
    }
    const sourceIp = req.socket.remoteAddress?.replace(/^::ffff:/, '') ?? '127.0.0.1';
    const event = api === 'rest' ? restEvent(req, parsed, sourceIp) : httpApiEvent(req, parsed, sourceIp);
    let status;
    let context = {};
    const started = process.hrtime.bigint();
    try {
      const answer = await handler(event, { awsRequestId: randomUUID() });
      if ('isAuthorized' in answer) {
        status = answer.isAuthorized ? 200 : 403;
        context = answer.context;
      } else {
        status = policyAllows(answer.policyDocument, event.methodArn ?? event.routeArn) ? 200 : 403;
        context = answer.context;
      }
    } catch (e) {
      status = e.message === 'Unauthorized' ? 401 : 500;
    }
    second.requests += 1;
    second.micros.push(Number(process.hrtime.bigint() - started) / 1000);
    if (status === 200) second.allowed += 1;
    else second.denied += 1;
    log(`${req.method} ${parsed.pathname} -> ${status}`);
    if (status === 401) return send(res, 401, { message: 'Unauthorized' }, { 'www-authenticate': 'Bearer' });
    if (status === 403) return send(res, 403, { message: 'Forbidden' });
    if (status !== 200) return send(res, 500, { message: 'Internal server error' });
    const route = API[parsed.pathname];
    if (!route || req.method !== 'GET') return send(res, 404, { message: 'Not Found' });
    return send(res, 200, { data: route(), authorizer: context });
  });

  const tokens = demoTokens(privateKey);
  const close = () =>
    new Promise((resolve) => {
      clearInterval(summary);
      server.close(resolve);
      server.closeAllConnections?.();
      fs.rmSync(lambdaDir, { recursive: true, force: true });
    });
  return { url, tokens, close, api, summarize };
}

function usage(url, tokens, api) {
  const lines = [
    '',
    `cedar-authorizer demo: API Gateway (${api === 'rest' ? 'REST API, REQUEST authorizer' : 'HTTP API, payload 2.0'}) in front of the rides API`,
    `  ${url}/riders, /rider, /trainers, /trainer, /unicorns, /unicorn`,
    `  test bench: ${url}/test-bench/`,
    `  metrics (Prometheus): ${url}/metrics    health: ${url}/health`,
    `  demo issuer's keys: ${url}/demo-issuer/.well-known/jwks.json`,
    '',
    'Demo ID tokens (valid 12 hours), one per Cognito group:',
  ];
  for (const [name, token] of Object.entries(tokens)) lines.push(`  export ${name.toUpperCase()}=${token}`);
  lines.push(
    '',
    'Try:',
    `  curl -i ${url}/riders                                        # 401: no token`,
    `  curl -i -H "Authorization: Bearer $RIDER" ${url}/riders      # 200: Riders may list riders`,
    `  curl -i -H "Authorization: Bearer $RIDER" ${url}/trainers    # 403: but not trainers`,
    `  curl -i -H "Authorization: Bearer $TRAINER" ${url}/unicorns  # 200`,
    `  curl -i -H "Authorization: Bearer $ADMIN" ${url}/trainer     # 200: Admin may call every route`,
    '',
    'Each decision is logged as one JSON line below, with a summary line a second. Ctrl+C stops the demo.',
    '',
  );
  return lines.join('\n');
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const arg = (name, fallback) => {
    const i = process.argv.indexOf(`--${name}`);
    return i > 0 ? process.argv[i + 1] : fallback;
  };
  let started;
  try {
    started = await startDemoServer({
      port: Number(arg('port', process.env.PORT ?? 8080)),
      api: arg('api', process.env.API ?? 'rest'),
    });
  } catch (e) {
    if (!(e instanceof DemoError)) throw e;
    console.error(`error: ${e.message}`);
    process.exit(1);
  }
  const { url, tokens, close, api } = started;
  console.log(usage(url, tokens, api));
  const stop = async () => {
    await close();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
