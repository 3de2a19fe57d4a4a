#!/usr/bin/env node
'use strict';

const fs = require('node:fs');
const path = require('node:path');
const api = require('../lib/node.cjs');

const USAGE = `usage: cedar-authorizer <command> <store> [options]

commands:
  init <folder> --openapi <file>
                               a new store from an OpenAPI 3.x or Swagger 2.0 document (YAML or JSON, API Gateway
                               exports too): schema, routes, identity source, a starter policy per --groups
                               entry and a test per route; it passes validate and test as written
  validate <store>             check a policy store against its schema (strict mode) and print every
                               diagnostic with file, line, column and the offending line
  bundle <store> -o <file>     validate a store and write its bundle: one JSON file with a SHA-256 hash
  test <store>                 run the store's tests/*.json and report pass or fail per request; with
                               --coverage, which policies, links and routes no case exercises
  routes <store>               print the store's routes: method, path, action, resource and context
  package <store> --jwks <f>   write dist/lambda-authorizer.zip (API Gateway) and dist/edge-viewer-request.zip
                               (Lambda@Edge, with the compiled bundle and the JWKS in <f>), and print sizes;
                               with --source, both refresh the bundle from it
  import --policy-store-id <id> --region <r> -o <dir>
                               read a Verified Permissions policy store (AWS SDK, standard credentials) into a
                               new store folder: schema, policies, templates, links, identity source, mode
  export --cloudformation <store> -o <file>
                               write a CloudFormation template (YAML) creating the store in Verified Permissions
  sign <bundle> (--key <pem> | --kms-key-id <id>) [--revision <n>]
                               sign a bundle for live refresh: a JWS over its hash, revision and signing time,
                               written into the bundle (or to -o); an authorizer with trusted keys requires it
  public-key (--key <pem> | --kms-key-id <id>)
                               print the JWKS to give authorizers as \`trustedKeys\` for bundles this key signs
  verify <bundle> --trusted-keys <jwks>
                               check a bundle's signature as an authorizer would: its revision, or the refusal
  serve <store|bundle|source> --policy-store-id <id>
                               answer Verified Permissions' API (IsAuthorized, IsAuthorizedWithToken, the batch
                               forms and the read operations) on http://127.0.0.1:8181: an AWS SDK client
                               given this endpoint decides locally; a live source refreshes while serving

options:
  -o, --output <file|dir>      where \`bundle\` writes (default, or \`-\`: stdout); where \`package\` writes (default: dist)
  --compiled                   \`bundle\`: write a compiled bundle (no text parsing at load, on the smaller runtime module)
  --jwks <file>                \`package\`: the identity source's JWKS, or {"<issuer>": JWKS}, for the edge zip
  --principal-header <name>    \`package\`: the edge function passes the principal to the origin in this header
  --token-cookie <name>        \`package\`: the edge function also reads the token from this cookie
  --policy-store-id <id>       \`import\`: the Verified Permissions policy store to read
  --region <region>            \`import\`: its AWS Region (default: the SDK's, from AWS_REGION or the profile)
  --endpoint <url>             \`import\`: another Verified Permissions endpoint (tests, VPC endpoints)
  --layout <template>          \`import\`: put files, comments, entities and routes back as this exported template had them
  --cloudformation             \`export\`: the format (the only one): a CloudFormation template; \`-o\` or stdout
  --key <pem>                  \`sign\`, \`public-key\`: a PEM private key (RSA, EC P-256 or P-384, Ed25519)
  --kms-key-id <id>            \`sign\`, \`public-key\`: an AWS KMS signing key (RSA or ECC_NIST_P256); \`--region\`, \`--endpoint\` apply
  --revision <n>               \`sign\`: the bundle's revision, a whole number above the one running (default: now, in ms)
  --kid <id>                   \`sign\`, \`public-key\`: the key id (default: the key's RFC 7638 thumbprint)
  --trusted-keys <jwks>        \`verify\`, \`package\`: the JWKS of the keys that sign bundles
  --source <s3://b/k|https://> \`package\`: the functions read the bundle again from here (the zip's bundle is the
                               fallback); the edge function takes only an https:// URL and signed bundles
  --refresh-seconds <n>        \`package\`: seconds between checks of --source (default 60)
  --max-stale-seconds <n>      \`package\`: deny every request after this long without a successful check
  --listen <host:port>         \`serve\`: where to listen (default 127.0.0.1:8181); another address than loopback
                               needs --caller-credentials or --allow-unauthenticated
  --caller-credentials <file>  \`serve\`: JSON [{"accessKeyId", "secretAccessKey"}]: every request's SigV4 is checked
  --allow-unauthenticated      \`serve\`: answer unsigned requests on a non-loopback address (something else guards it)
  --openapi <file>             \`init\`: the API's OpenAPI document
  --namespace <name>           \`init\`: the Cedar namespace (default: from the document's title)
  --groups <a,b>               \`init\`: a starter policy per group (its members may call every route)
  --user-pool-arn <arn>        \`init\`: a Cognito user pool identity source, with --client-id <id>[,<id>]
  --issuer <url>               \`init\`: an OpenID Connect identity source, with --audience <aud>[,<aud>]
  --coverage                   \`test\`: report which policies and links some case makes determining, and which
                               routes some case asks for
  --min-coverage <percent>     \`test\`: exit 1 when coverage is below this (implies --coverage)
  --reporter <junit|json>      \`test\`: also write the report for CI (to --output, or stdout): JUnit XML or JSON
  --log-decisions              \`serve\`: write a decision record (JSON line) for every decision
  --max-batch <n>              \`serve\`: requests per batch call (default 30, the service's limit)
  --fallback <bundle|store>    \`serve\`: with a live source, what to decide on until (and whenever) it cannot be read
  --jwks-uris <file>           \`serve\`: JSON {"<issuer>": "<url>"}: where to fetch an issuer's keys instead
  --json                       print machine-readable JSON instead of text
  -h, --help                   show this help

exit status: 0 on success, 1 when the store has errors or a test fails, 2 on bad usage`;

function parseArgs(argv) {
  const args = { positional: [], json: false, output: undefined, compiled: false };
  for (let i = 0; i < argv.length; i += 1) {
    const a = argv[i];
    if (a === '--json') args.json = true;
    else if (a === '-o' || a === '--output') args.output = valueOf(argv, ++i, a, 'a file or folder name');
    else if (a === '--compiled') args.compiled = true;
    else if (a === '--jwks') args.jwks = valueOf(argv, ++i, a, 'a JWKS file');
    else if (a === '--principal-header') args.principalHeader = valueOf(argv, ++i, a, 'a header name');
    else if (a === '--token-cookie') args.tokenCookie = valueOf(argv, ++i, a, 'a cookie name');
    else if (a === '--policy-store-id') args.policyStoreId = valueOf(argv, ++i, a, 'a policy store id');
    else if (a === '--region') args.region = valueOf(argv, ++i, a, 'an AWS Region');
    else if (a === '--endpoint') args.endpoint = valueOf(argv, ++i, a, 'a URL');
    else if (a === '--cloudformation') args.cloudformation = true;
    else if (a === '--key') args.key = valueOf(argv, ++i, a, 'a PEM private key file');
    else if (a === '--kms-key-id') args.kmsKeyId = valueOf(argv, ++i, a, 'a KMS key id, ARN or alias');
    else if (a === '--revision') args.revision = valueOf(argv, ++i, a, 'a whole number');
    else if (a === '--kid') args.kid = valueOf(argv, ++i, a, 'a key id');
    else if (a === '--trusted-keys') args.trustedKeys = valueOf(argv, ++i, a, 'a JWKS file');
    else if (a === '--source') args.source = valueOf(argv, ++i, a, 'an s3:// or https:// bundle location');
    else if (a === '--refresh-seconds') args.refreshSeconds = valueOf(argv, ++i, a, 'a number of seconds');
    else if (a === '--max-stale-seconds') args.maxStaleSeconds = valueOf(argv, ++i, a, 'a number of seconds');
    else if (a === '--layout') args.layout = valueOf(argv, ++i, a, 'a template written by `export --cloudformation`');
    else if (a === '--listen') args.listen = valueOf(argv, ++i, a, 'host:port');
    else if (a === '--caller-credentials') args.callerCredentials = valueOf(argv, ++i, a, 'a JSON file of caller credentials');
    else if (a === '--allow-unauthenticated') args.allowUnauthenticated = true;
    else if (a === '--log-decisions') args.logDecisions = true;
    else if (a === '--coverage') args.coverage = true;
    else if (a === '--openapi') args.openapi = valueOf(argv, ++i, a, 'an OpenAPI document');
    else if (a === '--namespace') args.namespace = valueOf(argv, ++i, a, 'a Cedar namespace');
    else if (a === '--groups') args.groups = valueOf(argv, ++i, a, 'group names, comma-separated');
    else if (a === '--user-pool-arn') args.userPoolArn = valueOf(argv, ++i, a, 'a Cognito user pool ARN');
    else if (a === '--client-id') args.clientId = valueOf(argv, ++i, a, 'app client ids, comma-separated');
    else if (a === '--issuer') args.issuer = valueOf(argv, ++i, a, 'an OpenID Connect issuer URL');
    else if (a === '--audience') args.audience = valueOf(argv, ++i, a, 'audiences, comma-separated');
    else if (a === '--min-coverage') args.minCoverage = valueOf(argv, ++i, a, 'a percentage, 0 to 100');
    else if (a === '--reporter') args.reporter = valueOf(argv, ++i, a, '`junit` or `json`');
    else if (a === '--max-batch') args.maxBatch = valueOf(argv, ++i, a, 'a number of requests');
    else if (a === '--fallback') args.fallback = valueOf(argv, ++i, a, 'a bundle file or store folder');
    else if (a === '--jwks-uris') args.jwksUris = valueOf(argv, ++i, a, 'a JSON file of issuer to JWKS URL');
    else if (a === '-h' || a === '--help') args.help = true;
    else if (a.startsWith('-')) throw new UsageError(`unknown option \`${a}\``);
    else args.positional.push(a);
  }
  return args;
}

class UsageError extends Error {}

function readFile(file, what) {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read the ${what} \`${file}\`: ${e.code === 'ENOENT' ? 'no such file' : e.message}`);
  }
}

/** The signer `--key` or `--kms-key-id` names. */
function signerOf(args, signing) {
  if (args.key && args.kmsKeyId) throw new UsageError('give --key or --kms-key-id, not both');
  if (args.key) return signing.pemSigner(readFile(args.key, 'key'), { kid: args.kid });
  if (args.kmsKeyId) return signing.kmsSigner(args.kmsKeyId, { region: args.region, endpoint: args.endpoint, kid: args.kid });
  throw new UsageError('missing --key <pem> or --kms-key-id <id>: the key that signs bundles');
}

/** The value after an option, which must be there (`-o` at the end of the line is a mistake, not stdout). */
function valueOf(argv, i, option, what) {
  const value = argv[i];
  if (value === undefined || value === '' || (value.startsWith('-') && value !== '-')) {
    throw new UsageError(`\`${option}\` needs ${what}`);
  }
  return value;
}

function readStore(dir) {
  if (!dir) throw new UsageError('missing <store>: the policy store folder');
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
    throw new UsageError(`\`${dir}\` is not a folder: pass a policy store folder`);
  }
  return api.readStoreFolder(dir);
}

function prefixed(diagnostics, dir) {
  return diagnostics.map((d) => (d.file ? { ...d, file: path.join(dir, d.file) } : d));
}

function filesUnder(files, dir) {
  return Object.fromEntries(Object.entries(files).map(([name, text]) => [path.join(dir, name), text]));
}

function hasErrors(diagnostics) {
  return diagnostics.some((d) => d.severity === 'error');
}

function table(rows) {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => String(r[i]).length)));
  return rows
    .map((r, n) => {
      const line = r
        .map((c, i) => String(c).padEnd(widths[i]))
        .join('  ')
        .trimEnd();
      return n === 0 ? `${line}\n${widths.map((w) => '-'.repeat(w)).join('  ')}` : line;
    })
    .join('\n');
}

const commands = {
  validate(args, out, err) {
    const dir = args.positional[0];
    const files = readStore(dir);
    const diagnostics = api.checkStore(files);
    if (args.json) {
      out(JSON.stringify({ ok: !hasErrors(diagnostics), diagnostics }, null, 2));
    } else if (diagnostics.length > 0) {
      err(api.renderDiagnostics(prefixed(diagnostics, dir), filesUnder(files, dir)).trimEnd());
    } else {
      out(`${dir}: ok, no diagnostics`);
    }
    return hasErrors(diagnostics) ? 1 : 0;
  },

  bundle(args, out, err) {
    const dir = args.positional[0];
    const files = readStore(dir);
    const { bundle, diagnostics } = api.buildBundle(files);
    if (diagnostics.length > 0 && !args.json) {
      err(api.renderDiagnostics(prefixed(diagnostics, dir), filesUnder(files, dir)).trimEnd());
    }
    if (!bundle) {
      if (args.json) out(JSON.stringify({ ok: false, diagnostics }, null, 2));
      return 1;
    }
    const output = args.compiled ? api.compileBundle(bundle) : bundle;
    const text = api.bundleText(output, { pretty: true }) + '\n';
    if (args.output && args.output !== '-') {
      fs.mkdirSync(path.dirname(path.resolve(args.output)), { recursive: true });
      fs.writeFileSync(args.output, text);
      const summary = {
        ok: true,
        output: args.output,
        hash: output.hash,
        policies: bundle.policies.length,
        bytes: Buffer.byteLength(text),
      };
      if (args.json) out(JSON.stringify(summary, null, 2));
      else
        out(
          `wrote ${args.output}: ${args.compiled ? 'compiled, ' : ''}${summary.policies} policies, ${summary.bytes} bytes, ${output.hash}`,
        );
    } else {
      out(text.trimEnd());
    }
    return 0;
  },

  routes(args, out, err) {
    const dir = args.positional[0];
    const files = readStore(dir);
    let authorizer;
    try {
      authorizer = api.Authorizer.loadSync({ files }, { fetchKeys: false });
    } catch (e) {
      if (e instanceof api.AuthorizerLoadError) {
        err(api.renderDiagnostics(prefixed(e.diagnostics, dir), filesUnder(files, dir)).trimEnd() || e.message);
        return 1;
      }
      throw e;
    }
    const routes = authorizer.routes;
    if (args.json) {
      out(JSON.stringify(routes, null, 2));
      return 0;
    }
    if (routes.length === 0) {
      out(`${dir}: no routes (add \`routes\` to authorizer.json)`);
      return 0;
    }
    const rows = [['method', 'path', 'action', 'resource', 'context']];
    for (const r of routes) {
      rows.push([
        r.method === '*' ? 'ANY' : r.method,
        r.routeKey === '$default' ? '$default' : r.path,
        `${r.action.type}::${JSON.stringify(r.action.id)}`,
        `${r.resource.type}::${JSON.stringify(r.resource.id)}`,
        Object.entries(r.context)
          .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
          .join(' ') || '-',
      ]);
    }
    out(table(rows));
    return 0;
  },

  package(args, out, err) {
    const dir = args.positional[0];
    const files = readStore(dir);
    if (!args.jwks) throw new UsageError("missing --jwks <file>: the edge zip carries the identity source's keys");
    let jwks;
    try {
      jwks = JSON.parse(fs.readFileSync(args.jwks, 'utf8'));
    } catch (e) {
      throw new UsageError(`--jwks ${args.jwks}: ${e.message}`);
    }
    const edgeOptions = {};
    if (args.principalHeader) edgeOptions.principalHeader = args.principalHeader;
    if (args.tokenCookie) edgeOptions.tokenCookie = args.tokenCookie;
    let live;
    if (args.source) {
      const number = (value, option) => {
        if (value === undefined) return undefined;
        const n = Number(value);
        if (!Number.isFinite(n) || n <= 0) throw new UsageError(`${option} ${value}: a number of seconds`);
        return n;
      };
      live = {
        source: args.source,
        trustedKeys: args.trustedKeys === undefined ? undefined : JSON.parse(readFile(args.trustedKeys, 'JWKS')),
        refreshSeconds: number(args.refreshSeconds, '--refresh-seconds'),
        maxStaleSeconds: number(args.maxStaleSeconds, '--max-stale-seconds'),
      };
    } else if (args.trustedKeys || args.refreshSeconds || args.maxStaleSeconds) {
      throw new UsageError('--trusted-keys, --refresh-seconds and --max-stale-seconds go with --source');
    }
    const { writePackages } = require('../lib/package/lambda-zips.cjs');
    const result = writePackages(api, { files, outDir: args.output ?? 'dist', jwks, edgeOptions, live });
    if (args.json) {
      out(JSON.stringify(result, null, 2));
    } else {
      for (const w of result.written) {
        const limit = w.limit ? ` (limit ${w.limit}, ${((100 * w.bytes) / w.limit).toFixed(0)}% used)` : '';
        out(`wrote ${w.file}: ${w.bytes} bytes${limit}`);
      }
    }
    const over = result.written.filter((w) => w.limit && w.bytes > w.limit);
    for (const w of over) err(`error: ${w.file} is ${w.bytes} bytes, over the ${w.limit}-byte Lambda@Edge limit`);
    return over.length > 0 ? 1 : 0;
  },

  // Verified Permissions: js/lib/avp/ (the AWS SDK is loaded only here, and only for `import`).
  async import(args, out, err) {
    if (!args.policyStoreId) throw new UsageError('missing --policy-store-id <id>: the Verified Permissions policy store to read');
    if (!args.output || args.output === '-') throw new UsageError('missing -o <dir>: the new store folder to write');
    const { importPolicyStore, writeStoreFolder, readLayout } = require('../lib/avp/import.cjs');
    const layout = args.layout === undefined ? undefined : readLayout(args.layout);
    const { files, warnings, summary } = await importPolicyStore(api, {
      policyStoreId: args.policyStoreId,
      region: args.region,
      endpoint: args.endpoint,
      layout,
    });
    writeStoreFolder(args.output, files);
    for (const w of warnings) err(`warning: ${w}`);
    if (args.json) out(JSON.stringify({ ok: true, output: args.output, files: Object.keys(files).sort(), ...summary }, null, 2));
    else
      out(
        `wrote ${args.output}: ${summary.policies} policies, ${summary.templates} templates, ${summary.links} links, ${summary.identitySources} identity sources, validation ${summary.validationMode}`,
      );
    return 0;
  },

  export(args, out) {
    if (!args.cloudformation) throw new UsageError('missing --cloudformation: the only export format');
    const dir = args.positional[0];
    const files = readStore(dir);
    const { exportCloudFormation } = require('../lib/avp/export.cjs');
    const text = exportCloudFormation(api, files, { name: path.basename(path.resolve(dir)) });
    if (args.output && args.output !== '-') {
      fs.mkdirSync(path.dirname(path.resolve(args.output)), { recursive: true });
      fs.writeFileSync(args.output, text);
      out(`wrote ${args.output}: ${Buffer.byteLength(text)} bytes`);
    } else {
      out(text.trimEnd());
    }
    return 0;
  },

  // Signed bundles: js/lib/signing/ (the KMS client is loaded only for --kms-key-id).
  async sign(args, out) {
    const file = args.positional[0];
    if (!file) throw new UsageError('missing <bundle>: the bundle file to sign');
    const signing = require('../lib/signing/index.cjs');
    const signer = signerOf(args, signing);
    const revision = args.revision === undefined ? Date.now() : Number(args.revision);
    if (!Number.isSafeInteger(revision) || revision < 0)
      throw new UsageError(`--revision ${args.revision}: a whole number from 0 to 2^53 - 1`);
    const text = readFile(file, 'bundle');
    // The bundle must load as it is: a signature is never put on a bundle that would be refused anyway.
    const authorizer = api.Authorizer.loadSync(text, { fetchKeys: false, onWarning: () => {} });
    const signedAt = Math.floor(Date.now() / 1000);
    const signature = await signing.signatureFor(signer, { hash: authorizer.hash, revision, signedAt });
    const output = args.output && args.output !== '-' ? args.output : file;
    fs.writeFileSync(output, signing.withSignature(text, signature));
    const jwk = await signer.publicJwk();
    const summary = { ok: true, output, hash: authorizer.hash, revision, signedAt, kid: jwk.kid, alg: jwk.alg };
    if (args.json) out(JSON.stringify(summary, null, 2));
    else out(`signed ${output}: revision ${revision}, ${authorizer.hash}, key ${jwk.kid} (${jwk.alg})`);
    return 0;
  },

  async 'public-key'(args, out) {
    const signing = require('../lib/signing/index.cjs');
    const jwk = await signerOf(args, signing).publicJwk();
    const { d: _private, ...publicOnly } = jwk;
    out(JSON.stringify({ keys: [publicOnly] }, null, 2));
    return 0;
  },

  async init(args, out) {
    const dir = args.positional[0];
    if (!dir) throw new UsageError('missing <folder>: where to write the new store');
    if (!args.openapi) throw new UsageError('missing --openapi <file>: the API to start from');
    const list = (v) =>
      v === undefined
        ? undefined
        : v
            .split(',')
            .map((x) => x.trim())
            .filter(Boolean);
    const { init } = require('../lib/init/openapi.cjs');
    // A document that cannot be read, or a store it cannot make, fails with exit status 1 and says why.
    const made = await init(
      dir,
      args.openapi,
      {
        namespace: args.namespace,
        groups: list(args.groups),
        userPoolArn: args.userPoolArn,
        clientIds: list(args.clientId),
        issuer: args.issuer,
        audiences: list(args.audience),
      },
      api,
    );
    out(
      `wrote ${dir}: namespace ${made.namespace}, ${made.operations.length} routes, ${Object.keys(made.files).length} files; ` +
        `${made.report.passed} test cases pass (cedar-authorizer validate ${dir}; cedar-authorizer test ${dir})`,
    );
    return 0;
  },

  async serve(args, out, err) {
    const source = args.positional[0];
    if (!source)
      throw new UsageError('missing <store|bundle|source>: what to decide on (a store folder, a bundle file, s3:// or https://)');
    if (!args.policyStoreId) {
      throw new UsageError(
        'missing --policy-store-id <id>: the policy store id your callers send (their requests name it; another is refused)',
      );
    }
    const { loadable, serveAuthorizer } = require('../lib/endpoint/index.cjs');
    const { host, port } = listenOf(args.listen);
    const maxBatch = args.maxBatch === undefined ? undefined : Number(args.maxBatch);
    if (maxBatch !== undefined && !(Number.isInteger(maxBatch) && maxBatch >= 1))
      throw new UsageError('--max-batch is a whole number, 1 or more');
    const number = (v, name) => {
      if (v === undefined) return undefined;
      const n = Number(v);
      if (!Number.isFinite(n) || n <= 0) throw new UsageError(`${name} is a number of seconds above 0`);
      return n;
    };
    const options = {
      policyStoreId: args.policyStoreId,
      region: args.region,
      host,
      port,
      maxBatch,
      credentials: args.callerCredentials ? jsonFile(args.callerCredentials, 'caller credentials') : undefined,
      allowUnauthenticated: args.allowUnauthenticated,
      trustedKeys: args.trustedKeys ? jsonFile(args.trustedKeys, 'trusted keys') : undefined,
      refreshSeconds: number(args.refreshSeconds, '--refresh-seconds'),
      maxStaleSeconds: number(args.maxStaleSeconds, '--max-stale-seconds'),
      jwksUris: args.jwksUris ? jsonFile(args.jwksUris, 'JWKS URLs') : undefined,
      fallback: args.fallback ? loadable(args.fallback, api) : undefined,
      jwks: args.jwks ? jsonFile(args.jwks, 'JWKS') : undefined,
      onWarning: (w) => err(`warning: ${w}`),
      logger: (line) => out(line),
    };
    const authorizer = await api.Authorizer.load(loadable(source, api), options);
    // Decision records only when asked for (a decision service answers thousands a second); refreshes always.
    const endpoint = serveAuthorizer(authorizer, { ...options, logger: args.logDecisions ? (line) => out(line) : false }, api);
    const { url } = await endpoint.listen();
    const who = endpoint.core.authenticated ? 'SigV4 checked for the caller credentials given' : 'unsigned requests answered';
    out(
      `serving Verified Permissions for policy store ${args.policyStoreId} on ${url} (bundle ${authorizer.bundle.hash}; ${who})\n` +
        `  callers: new VerifiedPermissionsClient({ endpoint: '${url}' }), or aws verifiedpermissions ... --endpoint-url ${url}`,
    );
    return new Promise((resolve) => {
      const stop = () => endpoint.close().then(() => resolve(0));
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
  },

  verify(args, out, err) {
    const file = args.positional[0];
    if (!file) throw new UsageError('missing <bundle>: the bundle file to check');
    if (!args.trustedKeys) throw new UsageError('missing --trusted-keys <jwks>: the keys that sign bundles');
    const trustedKeys = readFile(args.trustedKeys, 'JWKS');
    let authorizer;
    try {
      authorizer = api.Authorizer.loadSync(file, { fetchKeys: false, trustedKeys, requireSignature: true, onWarning: () => {} });
    } catch (e) {
      if (e instanceof api.AuthorizerLoadError) {
        if (args.json) out(JSON.stringify({ ok: false, code: e.code, message: e.message }, null, 2));
        else err(`${file}: refused (${e.code}): ${e.message}`);
        return 1;
      }
      throw e;
    }
    const status = authorizer.status();
    if (args.json) out(JSON.stringify({ ok: true, hash: status.hash, revision: status.revision, signedAt: status.signedAt }, null, 2));
    else out(`${file}: signed, revision ${status.revision}, signed at ${status.signedAt}, ${status.hash}`);
    return 0;
  },

  test(args, out, err) {
    const dir = args.positional[0];
    const files = readStore(dir);
    let authorizer;
    try {
      authorizer = api.Authorizer.loadSync({ files });
    } catch (e) {
      if (e instanceof api.AuthorizerLoadError) {
        err(api.renderDiagnostics(prefixed(e.diagnostics, dir), filesUnder(files, dir)).trimEnd());
        return 1;
      }
      throw e;
    }
    const minimum = args.minCoverage === undefined ? undefined : Number(args.minCoverage);
    if (minimum !== undefined && !(minimum >= 0 && minimum <= 100)) throw new UsageError('--min-coverage is a percentage, 0 to 100');
    if (args.reporter !== undefined && !['junit', 'json'].includes(args.reporter)) throw new UsageError('--reporter is `junit` or `json`');
    const report = authorizer.runTests(files);
    const { coverageOf, coverageText } = require('../lib/testing/coverage.cjs');
    const coverage =
      args.coverage || minimum !== undefined ? coverageOf(report, { policies: authorizer.policies, routes: authorizer.routes }) : undefined;
    if (args.reporter) {
      const { junitXml } = require('../lib/testing/junit.cjs');
      const text =
        args.reporter === 'junit'
          ? junitXml(report, { name: `cedar-authorizer test ${dir}` })
          : `${JSON.stringify({ ...report, coverage }, null, 2)}\n`;
      if (args.output && args.output !== '-') {
        fs.mkdirSync(path.dirname(path.resolve(args.output)), { recursive: true });
        fs.writeFileSync(args.output, text);
      } else {
        out(text.trimEnd());
      }
    }
    if (args.json) {
      out(JSON.stringify(coverage ? { ...report, coverage } : report, null, 2));
    } else if (!args.reporter || (args.output && args.output !== '-')) {
      // Files or cases that could not be read, in their files under the store folder; then every case.
      if (report.diagnostics.length > 0) err(api.renderDiagnostics(prefixed(report.diagnostics, dir), filesUnder(files, dir)).trimEnd());
      out(`${dir}\n${report.casesText.trimEnd()}`);
      if (coverage) out(`\n${coverageText(coverage)}`);
    }
    if (report.cases.length === 0 && report.diagnostics.length === 0) {
      err(`${dir}: no test cases (add tests/*.json)`);
      return 1;
    }
    if (minimum !== undefined && coverage.percent < minimum) {
      err(`${dir}: coverage ${coverage.percent.toFixed(1)}% is below --min-coverage ${minimum}%`);
      return 1;
    }
    return report.failed === 0 && report.diagnostics.length === 0 ? 0 : 1;
  },
};

/** `--listen` as `{ host, port }`: `host:port`, `[v6]:port`, `:port` or a port alone. */
function listenOf(text) {
  if (text === undefined) return { host: '127.0.0.1', port: 8181 };
  const m = /^(?:\[([^\]]+)\]|([^:]*))?:?(\d+)$/.exec(text);
  const port = m ? Number(m[3]) : NaN;
  if (!m || !(port >= 0 && port <= 65535)) throw new UsageError(`--listen is \`${text}\`: give host:port, say 127.0.0.1:8181`);
  return { host: m[1] || m[2] || '127.0.0.1', port };
}

function jsonFile(file, what) {
  try {
    return JSON.parse(readFile(file, what));
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(`the ${what} \`${file}\` is not JSON: ${e.message}`);
  }
}

function main(argv, out = (s) => process.stdout.write(s + '\n'), err = (s) => process.stderr.write(s + '\n')) {
  try {
    const [command, ...rest] = argv;
    if (!command || command === '-h' || command === '--help' || command === 'help') {
      out(USAGE);
      return command ? 0 : 2;
    }
    const run = commands[command];
    if (!run) throw new UsageError(`unknown command \`${command}\``);
    const args = parseArgs(rest);
    if (args.help) {
      out(USAGE);
      return 0;
    }
    const code = run(args, out, err);
    // `import`, `sign` and `public-key` are asynchronous (they may call AWS): their failures are reported the same way.
    return typeof code?.then === 'function' ? code.catch((e) => failed(e, err)) : code;
  } catch (e) {
    return failed(e, err);
  }
}

function failed(e, err) {
  if (e instanceof UsageError) {
    err(`error: ${e.message}\n\n${USAGE}`);
    return 2;
  }
  err(`error: ${e.message}`);
  return 1;
}

if (require.main === module) {
  Promise.resolve(main(process.argv.slice(2))).then((code) => {
    process.exitCode = code;
  });
}

module.exports = { main };
