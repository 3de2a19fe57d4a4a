'use strict';

/**
 * The read operations a Verified Permissions client uses to look around (GetPolicyStore, GetSchema,
 * ListPolicies, GetPolicy, ListPolicyTemplates, GetPolicyTemplate, ListIdentitySources,
 * GetIdentitySource), answered from the bundle deciding now. Policy ids are the store's own (`@id`
 * annotations or the ids `cedar-authorizer bundle` gave); principal, resource and actions come from each
 * policy's scope in Cedar's JSON form, as Verified Permissions lists them. A compiled bundle has no policy
 * text: its policies are listed, and GetPolicy answers without `statement`.
 */

const { cutPolicyFiles } = require('../avp/statements.cjs');

const DEFAULT_PAGE = { ListPolicies: 10, ListPolicyTemplates: 10, ListIdentitySources: 10 };

class EndpointError extends Error {
  /** `type` is the exception's name (`ValidationException`, ...); `fields` its other members. */
  constructor(type, message, fields = {}, status = 400) {
    super(message);
    this.type = type;
    this.fields = fields;
    this.status = status;
  }
}

const notFound = (resourceType, resourceId, message) =>
  new EndpointError('ResourceNotFoundException', message, { resourceId, resourceType }, 404);

/** An entity of Cedar's JSON form (`{type, id}` or `{__entity: ...}`) as Verified Permissions' identifier. */
function identifierOf(entity) {
  const uid = entity && entity.__entity ? entity.__entity : entity;
  return uid && typeof uid.type === 'string' ? { entityType: uid.type, entityId: uid.id } : undefined;
}

/** The entity a scope constraint names (`==`, `in`, `is ... in`), or undefined. */
function scopeEntity(constraint) {
  if (!constraint || constraint.op === 'All' || constraint.slot) return undefined;
  return identifierOf(constraint.entity);
}

/** The actions an action constraint names. */
function scopeActions(constraint) {
  if (!constraint) return undefined;
  const entities =
    constraint.op === '==' ? [constraint.entity] : constraint.op === 'in' ? (constraint.entities ?? [constraint.entity]) : [];
  const actions = entities
    .map(identifierOf)
    .filter(Boolean)
    .map(({ entityType, entityId }) => ({ actionType: entityType, actionId: entityId }));
  return actions.length > 0 ? actions : undefined;
}

/** A Cognito user pool's issuer URL, from its ARN. */
function cognitoIssuer(arn) {
  const m = /^arn:[^:]+:cognito-idp:([^:]+):[^:]*:userpool\/(.+)$/.exec(String(arn));
  return m ? `https://cognito-idp.${m[1]}.amazonaws.com/${m[2]}` : undefined;
}

/**
 * The view of one bundle: `bundle` the text bundle (or undefined for a compiled one), `compiled` the
 * compiled bundle (Cedar's JSON forms), `api` for converting a schema, `policyStoreId`, `arn`,
 * `loadedAt` (the dates every item carries).
 */
function createStoreView({ bundle, compiled, api, policyStoreId, arn, loadedAt }) {
  const date = new Date(loadedAt).toISOString();
  const stamp = { policyStoreId, createdDate: date, lastUpdatedDate: date };
  const policySet = compiled.policySet || {};
  const statics = policySet.staticPolicies || {};
  const templates = policySet.templates || {};
  const links = policySet.templateLinks || [];
  const text = bundle ? textsOf(bundle) : new Map();
  const config = (bundle || compiled).authorizer || {};

  const policies = [];
  for (const [id, json] of Object.entries(statics)) {
    const own = text.get(id);
    policies.push({
      ...stamp,
      policyId: id,
      policyType: 'STATIC',
      principal: scopeEntity(json.principal),
      resource: scopeEntity(json.resource),
      actions: scopeActions(json.action),
      effect: json.effect === 'forbid' ? 'Forbid' : 'Permit',
      definition: { static: { description: own ? own.description || undefined : undefined, statement: own && own.statement } },
    });
  }
  for (const link of links) {
    const template = templates[link.templateId] || {};
    const principal = identifierOf(link.values && link.values['?principal']);
    const resource = identifierOf(link.values && link.values['?resource']);
    policies.push({
      ...stamp,
      policyId: link.newId,
      policyType: 'TEMPLATE_LINKED',
      principal: principal ?? scopeEntity(template.principal),
      resource: resource ?? scopeEntity(template.resource),
      actions: scopeActions(template.action),
      effect: template.effect === 'forbid' ? 'Forbid' : 'Permit',
      definition: { templateLinked: { policyTemplateId: link.templateId, principal, resource } },
    });
  }
  policies.sort((a, b) => (a.policyId < b.policyId ? -1 : a.policyId > b.policyId ? 1 : 0));

  const policyTemplates = Object.keys(templates)
    .sort()
    .map((id) => {
      const own = text.get(id);
      return {
        ...stamp,
        policyTemplateId: id,
        description: own ? own.description || undefined : undefined,
        statement: own && own.statement,
      };
    });

  const identitySources = (config.identitySources || []).map((source, i) => {
    const { cognitoUserPoolConfiguration: cognito, openIdConnectConfiguration: oidc } = source.configuration || {};
    const configuration = cognito
      ? { cognitoUserPoolConfiguration: { ...cognito, issuer: cognitoIssuer(cognito.userPoolArn) } }
      : { openIdConnectConfiguration: oidc };
    return {
      ...stamp,
      identitySourceId: source.identitySourceId ?? `identity-source-${i + 1}`,
      principalEntityType: source.principalEntityType,
      configuration,
      details: cognito
        ? {
            clientIds: cognito.clientIds,
            userPoolArn: cognito.userPoolArn,
            discoveryUrl: `${cognitoIssuer(cognito.userPoolArn)}/.well-known/openid-configuration`,
          }
        : undefined,
    };
  });

  let schemaText;
  function schema() {
    if (schemaText === undefined) {
      if (!bundle) schemaText = JSON.stringify(compiled.schema);
      else if (bundle.schema.format === 'json') schemaText = bundle.schema.text;
      else {
        const converted = api.convertSchema(bundle.schema.text, { from: 'cedar' });
        schemaText = converted.text ?? JSON.stringify(compiled.schema);
      }
    }
    return schemaText;
  }

  /** One page of `items`: `nextToken` is the offset of the next item and the bundle it belongs to. */
  function page(operation, items, input, key) {
    const size = input.maxResults ?? DEFAULT_PAGE[operation];
    let start = 0;
    if (input.nextToken !== undefined) {
      const m = /^([0-9]+)\.([0-9a-f]{16})$/.exec(Buffer.from(input.nextToken, 'base64url').toString('latin1'));
      if (!m || m[2] !== tokenTag || Number(m[1]) > items.length) {
        throw new EndpointError(
          'ValidationException',
          `Invalid nextToken: it was not given by this ${operation} on the bundle in place now`,
          {
            fieldList: [{ path: 'nextToken', message: 'The nextToken is not valid' }],
          },
        );
      }
      start = Number(m[1]);
    }
    const end = start + size;
    const answer = { [key]: items.slice(start, end) };
    if (end < items.length) answer.nextToken = Buffer.from(`${end}.${tokenTag}`, 'latin1').toString('base64url');
    return answer;
  }
  const tokenTag = String((bundle || compiled).hash || '')
    .replace(/^sha256:/, '')
    .slice(0, 16)
    .padEnd(16, '0');

  const matches = (reference, entity) => {
    if (!reference) return true;
    if (reference.unspecified) return entity === undefined;
    return Boolean(entity && entity.entityType === reference.identifier.entityType && entity.entityId === reference.identifier.entityId);
  };

  return {
    GetPolicyStore() {
      return {
        policyStoreId,
        arn,
        validationSettings: { mode: (config.validationSettings && config.validationSettings.mode) || 'STRICT' },
        description: `cedar-authorizer bundle ${(bundle || compiled).hash}`,
        cedarVersion: 'CEDAR_4',
        deletionProtection: 'DISABLED',
        createdDate: date,
        lastUpdatedDate: date,
      };
    },
    GetSchema() {
      const text = schema();
      let namespaces = [];
      try {
        namespaces = Object.keys(JSON.parse(text)).filter((n) => n !== '');
      } catch {
        // A schema the module loaded is JSON here; nothing to list otherwise.
      }
      return { ...stamp, schema: text, namespaces };
    },
    ListPolicies(input) {
      const filter = input.filter || {};
      const items = policies.filter(
        (p) =>
          (!filter.policyType || p.policyType === filter.policyType) &&
          (!filter.policyTemplateId ||
            (p.definition.templateLinked && p.definition.templateLinked.policyTemplateId === filter.policyTemplateId)) &&
          matches(filter.principal, p.principal) &&
          matches(filter.resource, p.resource),
      );
      // A list item's static definition carries no statement.
      const listed = items.map((p) =>
        p.definition.static ? { ...p, definition: { static: { description: p.definition.static.description } } } : p,
      );
      return page('ListPolicies', listed, input, 'policies');
    },
    GetPolicy(input) {
      const policy = policies.find((p) => p.policyId === input.policyId);
      if (!policy) throw notFound('POLICY', input.policyId, `The policy ${input.policyId} was not found in policy store ${policyStoreId}`);
      return policy;
    },
    ListPolicyTemplates(input) {
      const items = policyTemplates.map(({ statement: _statement, ...item }) => item);
      return page('ListPolicyTemplates', items, input, 'policyTemplates');
    },
    GetPolicyTemplate(input) {
      const template = policyTemplates.find((t) => t.policyTemplateId === input.policyTemplateId);
      if (!template) {
        throw notFound(
          'POLICY_TEMPLATE',
          input.policyTemplateId,
          `The policy template ${input.policyTemplateId} was not found in policy store ${policyStoreId}`,
        );
      }
      return template;
    },
    ListIdentitySources(input) {
      const wanted = (input.filters || []).map((f) => f.principalEntityType).filter(Boolean);
      const items = identitySources.filter((s) => wanted.length === 0 || wanted.includes(s.principalEntityType));
      return page('ListIdentitySources', items, input, 'identitySources');
    },
    GetIdentitySource(input) {
      const source = identitySources.find((s) => s.identitySourceId === input.identitySourceId);
      if (!source) {
        throw notFound(
          'IDENTITY_SOURCE',
          input.identitySourceId,
          `The identity source ${input.identitySourceId} was not found in policy store ${policyStoreId}`,
        );
      }
      return source;
    },
  };
}

/** Each policy's and template's statement and description, by id, from a text bundle's files. */
function textsOf(bundle) {
  const texts = new Map();
  try {
    for (const p of cutPolicyFiles(bundle).policies) texts.set(p.id, p);
  } catch {
    // A bundle without places for its policies: listed without statements.
  }
  return texts;
}

module.exports = { createStoreView, EndpointError, notFound, cognitoIssuer };
