'use strict';
// An API Gateway Lambda authorizer built by `cedar-authorizer package`. One function, two handlers:
//   REST API, TOKEN or REQUEST authorizer:  index.restHandler
//   HTTP API, payload format 2.0 or 1.0:    index.httpApiHandler
// Settings (environment variables): POLICY_SCOPE (`route` or `all-routes`), RESPONSE_TYPE (`simple` or
// `iam`, HTTP APIs), TOKEN_KIND (`auto`, `identity` or `access`), JWKS_URIS (`{"<issuer>": "<url>"}`,
// where to fetch keys instead of the issuer's own location), LOG_DECISIONS (`false` for no decision log
// lines), LOG_FORMAT (`json` or `ocsf`), SAMPLE_ALLOWS (the share of ALLOW records written, 0 to 1),
// REDACT (fields to drop, comma-separated; `field:mask` or `field:hash` to mask or hash one), METRICS
// (`true`: CloudWatch EMF metrics, once per invocation; METRICS_NAMESPACE, default CedarAuthorizer). The bundle ships in the zip; the identity source's keys are fetched on first use and cached.
// Packaged with `--source` or given BUNDLE_SOURCE (`s3://bucket/key` or an `https://` URL), the bundle is
// read again from there (live.json: the source, refresh settings and trusted keys; BUNDLE_SOURCE,
// REFRESH_SECONDS, MAX_STALE_SECONDS and TRUSTED_KEYS, the JWKS text of the keys that sign bundles, override
// them), the zip's bundle the fallback and the floor of revisions.
const { Authorizer } = require('cedar-authorizer');
const { createRestApiAuthorizer, createHttpApiAuthorizer } = require('cedar-authorizer/aws');

function jwksUris() {
  if (!process.env.JWKS_URIS) return undefined;
  try {
    return JSON.parse(process.env.JWKS_URIS);
  } catch (e) {
    throw new Error(`JWKS_URIS must be a JSON object of issuer to URL: ${e.message}`, { cause: e });
  }
}

function trustedKeys(text) {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new Error(
      `TRUSTED_KEYS must be the JWKS of the keys that sign bundles (\`cedar-authorizer public-key\` prints it): ${e.message}`,
      {
        cause: e,
      },
    );
  }
}

function live() {
  let packaged = {};
  try {
    packaged = require('./live.json');
  } catch (e) {
    if (e.code !== 'MODULE_NOT_FOUND') throw e;
  }
  const number = (name) => (process.env[name] === undefined ? undefined : Number(process.env[name]));
  const source = process.env.BUNDLE_SOURCE || packaged.source;
  if (!source) return undefined;
  const { source: _source, ...settings } = packaged;
  // TRUSTED_KEYS set but empty: no trusted keys (unsigned bundles), whatever live.json says.
  const trusted = process.env.TRUSTED_KEYS;
  return {
    ...settings,
    ...(trusted !== undefined ? { trustedKeys: trusted.trim() === '' ? undefined : trustedKeys(trusted) } : {}),
    ...(number('REFRESH_SECONDS') !== undefined ? { refreshSeconds: number('REFRESH_SECONDS') } : {}),
    ...(number('MAX_STALE_SECONDS') !== undefined ? { maxStaleSeconds: number('MAX_STALE_SECONDS') } : {}),
    source,
  };
}

// The bundle by path: its text goes to the module as it is, so 64-bit longs stay exact.
const bundle = `${__dirname}/bundle.json`;
const refreshed = live();
const authorizer = refreshed
  ? Authorizer.loadSync(refreshed.source, { ...refreshed, fallback: bundle, jwksUris: jwksUris() })
  : Authorizer.loadSync(bundle, { jwksUris: jwksUris() });
function redactions() {
  if (!process.env.REDACT) return undefined;
  return process.env.REDACT.split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((entry) => {
      const [field, as] = entry.split(':');
      return as ? { field, as } : field;
    });
}

const shared = {
  authorizer,
  policyScope: process.env.POLICY_SCOPE || 'route',
  tokenKind: process.env.TOKEN_KIND || 'auto',
  logger: process.env.LOG_DECISIONS === 'false' ? false : undefined,
  logFormat: process.env.LOG_FORMAT || undefined,
  sampleAllows: process.env.SAMPLE_ALLOWS === undefined ? undefined : Number(process.env.SAMPLE_ALLOWS),
  redact: redactions(),
  metrics: process.env.METRICS === 'true',
  metricsNamespace: process.env.METRICS_NAMESPACE || undefined,
};

exports.restHandler = createRestApiAuthorizer(shared);
exports.httpApiHandler = createHttpApiAuthorizer({ ...shared, responseType: process.env.RESPONSE_TYPE || 'simple' });
