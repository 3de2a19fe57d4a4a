'use strict';

/**
 * `cedar-authorizer init <folder> --openapi <file>`: a policy store from an API's description, the way
 * Verified Permissions' console builds an API-linked policy store from an API Gateway API. The document
 * (OpenAPI 3.0 or 3.1, Swagger 2.0, YAML or JSON, or an API Gateway export with its
 * `x-amazon-apigateway-*` extensions) is read with `yaml` and `$ref`s resolved by
 * `@apidevtools/swagger-parser`; from its operations come
 *   - the schema: a namespace, one action per method and path named as Verified Permissions names them
 *     (`get /riders/{id}`, `any /{proxy+}` for `x-amazon-apigateway-any-method`), the user and group types of
 *     the identity source, and the `Application` resource;
 *   - `authorizer.json`: a route per operation (path parameters kept as `{id}`, greedy `{proxy+}` as the
 *     document has it), the identity source from `--user-pool-arn`/`--client-id` or `--issuer`/`--audience`;
 *   - a starter policy per group of `--groups` (the group may call every route: narrow it from there);
 *   - `tests/routes.json`: per route, an ALLOW for a member of the first group and a DENY for a user in none.
 * The store it writes passes `validate` and `test` as written (checked before anything is written).
 */

const fs = require('node:fs');
const path = require('node:path');

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
const ANY = 'x-amazon-apigateway-any-method';

class InitError extends Error {}

/** The document as an object with every `$ref` resolved. */
async function readDocument(file) {
  let text;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new InitError(`cannot read the OpenAPI document \`${file}\`: ${e.code === 'ENOENT' ? 'no such file' : e.message}`);
  }
  let document;
  try {
    document = require('yaml').parse(text, { maxAliasCount: 1000 });
  } catch (e) {
    throw new InitError(`\`${file}\` is neither YAML nor JSON: ${e.message}`);
  }
  if (!document || typeof document !== 'object' || (!document.openapi && !document.swagger)) {
    throw new InitError(`\`${file}\` is not an OpenAPI document (no \`openapi\` or \`swagger\` version field)`);
  }
  const SwaggerParser = require('@apidevtools/swagger-parser');
  try {
    // Resolved against the document's own folder, for `$ref`s to files beside it; nothing is fetched.
    return await SwaggerParser.dereference(path.resolve(file), document, { resolve: { http: false }, dereference: { circular: 'ignore' } });
  } catch (e) {
    throw new InitError(`\`${file}\`: its references cannot be resolved: ${e.message}`);
  }
}

/** Each operation: `{ method, path, summary }`, in the document's order. */
function operationsOf(document) {
  const out = [];
  for (const [route, item] of Object.entries(document.paths || {})) {
    if (!item || typeof item !== 'object') continue;
    for (const key of Object.keys(item)) {
      const method = key.toLowerCase();
      if (method === ANY) out.push({ method: 'ANY', path: route, summary: item[key] && item[key].summary });
      else if (METHODS.includes(method)) out.push({ method: method.toUpperCase(), path: route, summary: item[key] && item[key].summary });
    }
  }
  return out;
}

/** A Cedar namespace from a title: its words, capitalized and joined (`Rides API` → `RidesApi`). */
function namespaceOf(title) {
  const words = String(title || '')
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean);
  const name = words.map((w) => w[0].toUpperCase() + w.slice(1)).join('');
  return /^[A-Za-z_]/.test(name) ? name : `Api${name}`;
}

const actionName = (op) => `${op.method.toLowerCase()} ${op.path}`;
const quoted = (text) => JSON.stringify(text);

function identityOf(options, ns) {
  if (options.userPoolArn) {
    if (!/^arn:[^:]+:cognito-idp:[^:]+:\d{12}:userpool\/[\w-]+_[0-9A-Za-z]+$/.test(options.userPoolArn)) {
      throw new InitError(
        `--user-pool-arn \`${options.userPoolArn}\` is not a Cognito user pool ARN (arn:aws:cognito-idp:<region>:<account>:userpool/<id>)`,
      );
    }
    if (!options.clientIds || options.clientIds.length === 0) {
      throw new InitError('--user-pool-arn needs --client-id <id>[,<id>]: the app clients whose tokens the API accepts');
    }
    const pool = options.userPoolArn.split('/').pop();
    return {
      user: 'CognitoUser',
      group: 'CognitoUserGroup',
      groupId: (g) => `${pool}|${g}`,
      userId: (u) => `${pool}|${u}`,
      source: {
        principalEntityType: `${ns}::CognitoUser`,
        configuration: {
          cognitoUserPoolConfiguration: {
            userPoolArn: options.userPoolArn,
            clientIds: options.clientIds,
            groupConfiguration: { groupEntityType: `${ns}::CognitoUserGroup` },
          },
        },
      },
    };
  }
  if (options.issuer) {
    if (!/^https:\/\/[^\s/]+/.test(options.issuer)) throw new InitError(`--issuer \`${options.issuer}\` is not an https:// URL`);
    if (!options.audiences || options.audiences.length === 0) {
      throw new InitError('--issuer needs --audience <aud>[,<aud>]: the `aud` (client ids) its ID tokens carry for this API');
    }
    return {
      user: 'User',
      group: 'UserGroup',
      groupId: (g) => `${ns}|${g}`,
      userId: (u) => `${ns}|${u}`,
      source: {
        principalEntityType: `${ns}::User`,
        configuration: {
          openIdConnectConfiguration: {
            issuer: options.issuer,
            entityIdPrefix: ns,
            groupConfiguration: { groupClaim: 'groups', groupEntityType: `${ns}::UserGroup` },
            tokenSelection: { identityTokenOnly: { clientIds: options.audiences, principalIdClaim: 'sub' } },
          },
        },
      },
    };
  }
  return { user: 'User', group: 'UserGroup', groupId: (g) => g, userId: (u) => u, source: undefined };
}

/**
 * The store's files (`{ path: text }`) for `document`. Options: `namespace`, `groups`, `userPoolArn` and
 * `clientIds`, or `issuer` and `audiences`.
 */
function storeFromDocument(document, options = {}) {
  const ns = options.namespace ?? namespaceOf(document.info && document.info.title);
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(ns)) throw new InitError(`the namespace \`${ns}\` is not a Cedar identifier: give --namespace`);
  const operations = operationsOf(document);
  if (operations.length === 0) throw new InitError('the document has no operations under `paths`: nothing to route');
  const seen = new Set();
  for (const op of operations) {
    const name = actionName(op);
    if (seen.has(name)) throw new InitError(`two operations are both \`${name}\``);
    seen.add(name);
  }
  const identity = identityOf(options, ns);
  const groups = options.groups ?? [];
  for (const g of groups) if (!/^[\w.+=,@-]{1,128}$/.test(g)) throw new InitError(`--groups: \`${g}\` is not a group name`);
  const actions = operations.map(actionName);

  const schema = `// ${document.info && document.info.title ? `${document.info.title}: ` : ''}written by \`cedar-authorizer init --openapi\` from its
// ${operations.length} operation${operations.length === 1 ? '' : 's'}, one action per method and path.
namespace ${ns} {
  entity ${identity.group};
  entity ${identity.user} in [${identity.group}];

  // The API itself: one entity named after the namespace.
  entity Application;

  action ${actions.map(quoted).join(',\n    ')}
    appliesTo {
      principal: [${identity.user}],
      resource: [Application],
    };
}
`;
  const authorizer = {
    namespace: ns,
    ...(identity.source ? { identitySources: [identity.source] } : {}),
    routes: operations.map((op) => ({ method: op.method, path: op.path })),
  };
  const policies = groups
    .map(
      (g) => `// Members of ${g} may call every route: narrow this to what the group needs.
@id(${quoted(`${g}-routes`)})
permit (
  principal in ${ns}::${identity.group}::${quoted(identity.groupId(g))},
  action in [
    ${actions.map((a) => `${ns}::Action::${quoted(a)}`).join(',\n    ')}
  ],
  resource
);
`,
    )
    .join('\n');
  // A member of each group, and a user in none.
  const memberOf = (g) => identity.userId(`member-of-${g}`);
  const outsider = identity.userId('in-no-group');
  const user = (id) => ({ entityType: `${ns}::${identity.user}`, entityId: id });
  const entities = [
    ...groups.map((g) => ({
      identifier: user(memberOf(g)),
      parents: [{ entityType: `${ns}::${identity.group}`, entityId: identity.groupId(g) }],
    })),
    { identifier: user(outsider), parents: [] },
  ];
  const resource = { entityType: `${ns}::Application`, entityId: ns };
  const action = (a) => ({ actionType: `${ns}::Action`, actionId: a });
  const allow = (g, a) => ({
    name: `${g} may ${a}`,
    principal: user(memberOf(g)),
    action: action(a),
    resource,
    expect: { decision: 'ALLOW', determiningPolicies: [`${g}-routes`] },
  });
  const cases = [];
  for (const a of actions) {
    if (groups.length > 0) cases.push(allow(groups[0], a));
    cases.push({
      name: `a user in no group may not ${a}`,
      principal: user(outsider),
      action: action(a),
      resource,
      expect: { decision: 'DENY', determiningPolicies: [] },
    });
  }
  // Every other group's starter policy made determining once, so the tests cover every policy.
  for (const g of groups.slice(1)) cases.push(allow(g, actions[0]));
  const member = groups.length > 0;
  const files = {
    'schema.cedarschema': schema,
    'authorizer.json': `${JSON.stringify(authorizer, null, 2)}\n`,
    'tests/routes.json': `${JSON.stringify({ description: `every route: ${member ? `a member of ${groups[0]} is allowed, ` : ''}a user in no group is denied`, entities, cases }, null, 2)}\n`,
  };
  if (policies) files['policies.cedar'] = policies;
  return { files, namespace: ns, operations };
}

/**
 * Reads `file`, builds the store, checks that it validates and its tests pass (with `api`), and writes it
 * into `dir` (which must not exist or be empty). Returns `{ files, namespace, operations, report }`.
 */
async function init(dir, file, options, api) {
  if (fs.existsSync(dir) && fs.readdirSync(dir).length > 0) throw new InitError(`\`${dir}\` is not empty: init writes a new store folder`);
  const document = await readDocument(file);
  const made = storeFromDocument(document, options);
  const diagnostics = api.checkStore(made.files);
  const errors = diagnostics.filter((d) => d.severity === 'error');
  if (errors.length > 0) {
    throw new InitError(
      `the store made from \`${file}\` does not validate (please report this):\n${api.renderDiagnostics(errors, made.files)}`,
    );
  }
  const authorizer = api.Authorizer.loadSync({ files: made.files });
  const report = authorizer.runTests(made.files);
  if (report.failed > 0 || report.diagnostics.length > 0)
    throw new InitError(`the generated tests fail (please report this):\n${report.text}`);
  for (const [name, text] of Object.entries(made.files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
  return { ...made, report };
}

module.exports = { init, storeFromDocument, readDocument, operationsOf, namespaceOf, InitError };
