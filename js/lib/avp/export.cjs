'use strict';

/**
 * `cedar-authorizer export --cloudformation`: a store folder as a CloudFormation template that creates the
 * same policy store in Verified Permissions: `AWS::VerifiedPermissions::PolicyStore` (schema, validation
 * mode), a `PolicyTemplate` per template, a `Policy` per static policy and per template link, and an
 * `IdentitySource`. What Verified Permissions cannot hold is refused, naming the quota
 * (https://docs.aws.amazon.com/verifiedpermissions/latest/userguide/quotas.html). Property shapes follow the
 * CloudFormation reference (https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/
 * aws-resource-verifiedpermissions-policystore.html, -policy.html, -policytemplate.html,
 * -identitysource.html) and are checked by cfn-lint's copy of the resource schemas in the tests.
 *
 * What it has no place for (file names and the text between policies, the schema as written, static
 * entities, routes and the other local settings of `authorizer.json`) goes into the template's
 * `Metadata.CedarAuthorizer`, which CloudFormation keeps and ignores; `import` given that layout puts the
 * store back exactly (see import.cjs).
 */

const { AvpError } = require('./client.cjs');
const { cutPolicyFiles } = require('./statements.cjs');
const { yamlText } = require('./yaml.cjs');
const { resolveSchema } = require('./schema.cjs');

const QUOTAS_URL = 'https://docs.aws.amazon.com/verifiedpermissions/latest/userguide/quotas.html';
const QUOTAS = { identitySources: 1, templates: 40, policyBytes: 10_000, schemaBytes: 100_000 };

const bytes = (text) => Buffer.byteLength(text, 'utf8');

/** A CloudFormation logical id (alphanumeric) for `id`, unique among `taken`. */
function logicalId(prefix, id, taken) {
  const words = id.split(/[^A-Za-z0-9]+/).filter(Boolean);
  const base = prefix + words.map((w) => w[0].toUpperCase() + w.slice(1)).join('');
  let name = base.slice(0, 240);
  for (let n = 2; taken.has(name); n += 1) name = `${base.slice(0, 240)}${n}`;
  taken.add(name);
  return name;
}

const storeId = { 'Fn::GetAtt': ['PolicyStore', 'PolicyStoreId'] };
const entityIdentifier = (ref) => ref && { EntityType: ref.type ?? ref.entityType, EntityId: ref.id ?? ref.entityId };

/** An identity source of `authorizer.json` as the resource's `Configuration`. */
function configurationOf(source) {
  const { cognitoUserPoolConfiguration: cognito, openIdConnectConfiguration: oidc } = source.configuration;
  if (cognito) {
    return {
      CognitoUserPoolConfiguration: {
        UserPoolArn: cognito.userPoolArn,
        ClientIds: cognito.clientIds,
        GroupConfiguration: cognito.groupConfiguration && { GroupEntityType: cognito.groupConfiguration.groupEntityType },
      },
    };
  }
  const selection = oidc.tokenSelection;
  return {
    OpenIdConnectConfiguration: {
      Issuer: oidc.issuer,
      EntityIdPrefix: oidc.entityIdPrefix,
      GroupConfiguration: oidc.groupConfiguration && {
        GroupClaim: oidc.groupConfiguration.groupClaim,
        GroupEntityType: oidc.groupConfiguration.groupEntityType,
      },
      TokenSelection: selection.identityTokenOnly
        ? {
            IdentityTokenOnly: {
              ClientIds: selection.identityTokenOnly.clientIds,
              PrincipalIdClaim: selection.identityTokenOnly.principalIdClaim,
            },
          }
        : {
            AccessTokenOnly: {
              Audiences: selection.accessTokenOnly.audiences,
              PrincipalIdClaim: selection.accessTokenOnly.principalIdClaim,
            },
          },
    },
  };
}

/** Everything in the store that Verified Permissions cannot hold, refused with the quota it breaks. */
function checkQuotas({ identitySources, policies, schemaJson }) {
  const problems = [];
  if (identitySources.length > QUOTAS.identitySources) {
    problems.push(
      `the store has ${identitySources.length} identity sources; Verified Permissions allows ${QUOTAS.identitySources} per policy store (quota "Identity sources per policy store", not adjustable): export a store per issuer`,
    );
  }
  const templates = policies.filter((p) => p.kind === 'template');
  if (templates.length > QUOTAS.templates) {
    problems.push(
      `the store has ${templates.length} templates; Verified Permissions allows ${QUOTAS.templates} per policy store (quota "Policy templates per policy store", adjustable through Service Quotas)`,
    );
  }
  for (const p of policies) {
    if (bytes(p.statement) > QUOTAS.policyBytes) {
      problems.push(
        `${p.kind} \`${p.id}\` (${p.file}) is ${bytes(p.statement)} bytes; Verified Permissions allows ${QUOTAS.policyBytes} bytes per policy (quota "Policy size", not adjustable)`,
      );
    }
  }
  if (bytes(schemaJson) > QUOTAS.schemaBytes) {
    problems.push(
      `the schema is ${bytes(schemaJson)} bytes in JSON form; Verified Permissions allows ${QUOTAS.schemaBytes} bytes (quota "Schema size", not adjustable)`,
    );
  }
  const namespaces = Object.keys(JSON.parse(schemaJson));
  if (namespaces.length > 1) {
    problems.push(
      `the schema has ${namespaces.length} namespaces (${namespaces.map((n) => `\`${n}\``).join(', ')}); Verified Permissions allows one per policy store`,
    );
  }
  if (problems.length > 0) {
    throw new AvpError(`Verified Permissions cannot hold this store (${QUOTAS_URL}):\n  - ${problems.join('\n  - ')}`, 'avp.quota');
  }
}

/**
 * The CloudFormation template (as an object) for the store `files` (`{ path: text }`, as
 * `readStoreFolder` reads them). `name` labels the store in descriptions.
 */
function exportTemplate(api, files, { name = 'store' } = {}) {
  const { bundle, diagnostics } = api.buildBundle(files);
  if (!bundle) {
    const first = diagnostics.find((d) => d.severity === 'error') ?? diagnostics[0];
    throw new AvpError(
      `the store does not build (${first?.file ?? ''} ${first?.errorDescription ?? first?.message ?? ''}): run \`cedar-authorizer validate\` first`,
      'avp.invalid_store',
    );
  }
  // Verified Permissions gets the schema in JSON form with every type resolved (see schema.cjs).
  const schemaJson = JSON.stringify(
    resolveSchema(bundle.schema.format === 'json' ? bundle.schema.text : api.convertSchema(bundle.schema.text, { from: 'cedar' }).text),
    null,
    2,
  );
  const authorizerFile = files['authorizer.json'] === undefined ? {} : JSON.parse(files['authorizer.json']);
  const identitySources = authorizerFile.identitySources ?? [];
  const { files: layoutFiles, policies } = cutPolicyFiles(bundle);
  checkQuotas({ identitySources, policies, schemaJson });

  const taken = new Set(['PolicyStore', 'IdentitySource']);
  const resources = {
    PolicyStore: {
      Type: 'AWS::VerifiedPermissions::PolicyStore',
      Properties: {
        Description: `cedar-authorizer store ${name}`.slice(0, 150),
        ValidationSettings: { Mode: bundle.authorizer.validationSettings?.mode ?? 'STRICT' },
        Schema: { CedarJson: `${schemaJson}\n` },
      },
    },
  };
  const templateResource = new Map();
  for (const p of policies.filter((x) => x.kind === 'template')) {
    const id = logicalId('Template', p.id, taken);
    templateResource.set(p.id, id);
    resources[id] = {
      Type: 'AWS::VerifiedPermissions::PolicyTemplate',
      Properties: { PolicyStoreId: storeId, Description: p.description || undefined, Statement: p.statement },
    };
  }
  for (const p of policies.filter((x) => x.kind === 'static')) {
    resources[logicalId('Policy', p.id, taken)] = {
      Type: 'AWS::VerifiedPermissions::Policy',
      Properties: {
        PolicyStoreId: storeId,
        Definition: { Static: { Description: p.description || undefined, Statement: p.statement } },
      },
    };
  }
  for (const link of bundle.links) {
    resources[logicalId('Link', link.id, taken)] = {
      Type: 'AWS::VerifiedPermissions::Policy',
      Properties: {
        PolicyStoreId: storeId,
        Definition: {
          TemplateLinked: {
            PolicyTemplateId: { 'Fn::GetAtt': [templateResource.get(link.templateId), 'PolicyTemplateId'] },
            Principal: entityIdentifier(link.principal),
            Resource: entityIdentifier(link.resource),
          },
        },
      },
    };
  }
  for (const source of identitySources) {
    resources.IdentitySource = {
      Type: 'AWS::VerifiedPermissions::IdentitySource',
      Properties: {
        PolicyStoreId: storeId,
        PrincipalEntityType: source.principalEntityType,
        Configuration: configurationOf(source),
      },
    };
  }

  const local = { ...authorizerFile };
  delete local.identitySources;
  delete local.validationSettings;
  const layout = {
    formatVersion: 1,
    schema: { file: bundle.schema.file, text: bundle.schema.text },
    files: layoutFiles,
    links: bundle.links.map((l) => ({
      id: l.id,
      templateId: l.templateId,
      principal: l.principal && { entityType: l.principal.type, entityId: l.principal.id },
      resource: l.resource && { entityType: l.resource.type, entityId: l.resource.id },
    })),
    entities: files['entities.json'] === undefined ? undefined : JSON.parse(files['entities.json']),
    authorizer: { ...local, hasValidationSettings: authorizerFile.validationSettings !== undefined },
  };
  return {
    AWSTemplateFormatVersion: '2010-09-09',
    Description: `Verified Permissions policy store from cedar-authorizer store ${name}`,
    Metadata: { CedarAuthorizer: layout },
    Resources: resources,
    Outputs: { PolicyStoreId: { Description: 'the policy store id', Value: storeId } },
  };
}

/** The template as YAML text. */
function exportCloudFormation(api, files, options) {
  return yamlText(stripUndefined(exportTemplate(api, files, options)));
}

function stripUndefined(value) {
  if (Array.isArray(value)) return value.map(stripUndefined);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([, v]) => v !== undefined)
        .map(([k, v]) => [k, stripUndefined(v)]),
    );
  }
  return value;
}

/** The layout `import` takes, from a template object (as read back from its YAML or JSON). */
function layoutOf(template) {
  return template?.Metadata?.CedarAuthorizer;
}

module.exports = { exportTemplate, exportCloudFormation, layoutOf, QUOTAS };
