'use strict';

/**
 * `cedar-authorizer import`: a Verified Permissions policy store, read with the AWS SDK, written as a
 * store folder of this project. What Verified Permissions holds maps one to one: the schema, static
 * policies (one file each, `@id` set to the policy id unless the statement has one), templates,
 * template links (`links.json`), the identity source and the validation mode (`authorizer.json`).
 *
 * A store exported by `export --cloudformation` also carries, in the template's `Metadata`, what Verified
 * Permissions has no place for (file names, comments between policies, the schema as written, static
 * entities, routes). Given that `layout`, the import puts every statement back where it was, so the store
 * comes back byte for byte; a statement changed in Verified Permissions since then gets its own file.
 */

const fs = require('node:fs');
const path = require('node:path');
const { AvpError, loadSdk, createClient, send, explain, listAll } = require('./client.cjs');
const { annotatedId, sha256 } = require('./statements.cjs');
const { schemaKey } = require('./schema.cjs');

/** Reads everything a store holds, every list followed to its last page. */
async function readPolicyStore({ sdk, client, policyStoreId }) {
  const store = await send(client, new sdk.GetPolicyStoreCommand({ policyStoreId }), policyStoreId);
  let schema;
  try {
    schema = (await client.send(new sdk.GetSchemaCommand({ policyStoreId }))).schema;
  } catch (e) {
    // A store with no schema answers ResourceNotFoundException; anything else is a real failure.
    if (e?.name !== 'ResourceNotFoundException') throw explain(e, 'GetSchema', policyStoreId);
  }
  const items = await listAll(client, sdk.ListPoliciesCommand, { policyStoreId }, 'policies');
  const policies = [];
  for (const item of items) {
    if (item.definition?.static) {
      const got = await send(client, new sdk.GetPolicyCommand({ policyStoreId, policyId: item.policyId }), policyStoreId);
      if (!got.definition?.static) throw new AvpError(`policy \`${item.policyId}\` changed kind while it was read`, 'avp.changed');
      policies.push({ policyId: item.policyId, ...got.definition.static });
    } else if (item.definition?.templateLinked) {
      policies.push({ policyId: item.policyId, templateLinked: item.definition.templateLinked });
    } else {
      throw new AvpError(`policy \`${item.policyId}\` has a definition this version does not know`, 'avp.unsupported');
    }
  }
  const templates = [];
  for (const item of await listAll(client, sdk.ListPolicyTemplatesCommand, { policyStoreId }, 'policyTemplates')) {
    const got = await send(
      client,
      new sdk.GetPolicyTemplateCommand({ policyStoreId, policyTemplateId: item.policyTemplateId }),
      policyStoreId,
    );
    templates.push({ policyTemplateId: item.policyTemplateId, statement: got.statement, description: got.description });
  }
  const identitySources = await listAll(client, sdk.ListIdentitySourcesCommand, { policyStoreId }, 'identitySources');
  return {
    policyStoreId,
    validationMode: store.validationSettings?.mode ?? 'STRICT',
    description: store.description,
    schema,
    policies,
    templates,
    identitySources,
  };
}

/** An identity source in `authorizer.json`'s shape (`CreateIdentitySource`'s), from a list item. */
function identitySourceOf(item) {
  const { cognitoUserPoolConfiguration: cognito, openIdConnectConfiguration: oidc } = item.configuration ?? {};
  let configuration;
  if (cognito) {
    configuration = {
      cognitoUserPoolConfiguration: {
        userPoolArn: cognito.userPoolArn,
        clientIds: cognito.clientIds ?? [],
        ...(cognito.groupConfiguration?.groupEntityType
          ? { groupConfiguration: { groupEntityType: cognito.groupConfiguration.groupEntityType } }
          : {}),
      },
    };
  } else if (oidc) {
    const selection = oidc.tokenSelection ?? {};
    const tokenSelection = selection.identityTokenOnly
      ? { identityTokenOnly: defined(selection.identityTokenOnly, ['clientIds', 'principalIdClaim']) }
      : selection.accessTokenOnly
        ? { accessTokenOnly: defined(selection.accessTokenOnly, ['audiences', 'principalIdClaim']) }
        : undefined;
    if (!tokenSelection) {
      throw new AvpError(
        `identity source \`${item.identitySourceId}\` has a token selection this version does not know`,
        'avp.unsupported',
      );
    }
    configuration = {
      openIdConnectConfiguration: {
        issuer: oidc.issuer,
        ...(oidc.entityIdPrefix ? { entityIdPrefix: oidc.entityIdPrefix } : {}),
        ...(oidc.groupConfiguration ? { groupConfiguration: defined(oidc.groupConfiguration, ['groupClaim', 'groupEntityType']) } : {}),
        tokenSelection,
      },
    };
  } else if (item.details?.userPoolArn) {
    // The deprecated `details` shape of older identity sources: a Cognito user pool without groups.
    configuration = { cognitoUserPoolConfiguration: { userPoolArn: item.details.userPoolArn, clientIds: item.details.clientIds ?? [] } };
  } else {
    throw new AvpError(`identity source \`${item.identitySourceId}\` has a configuration this version does not know`, 'avp.unsupported');
  }
  return { principalEntityType: item.principalEntityType, configuration };
}

function defined(object, keys) {
  return Object.fromEntries(keys.filter((k) => object[k] !== undefined).map((k) => [k, object[k]]));
}

/** A file name for an id: its safe characters, unique among `taken`. */
function fileFor(id, taken) {
  const stem = id.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '_') || 'policy';
  let name = `${stem}.cedar`;
  for (let n = 2; taken.has(name); n += 1) name = `${stem}-${n}.cedar`;
  taken.add(name);
  return name;
}

/**
 * Where a line ends, for Cedar and for whoever reads the file: Cedar's lexer ends a `//` comment at `\n` or
 * `\r` (`//[^\n\r]*` in cedar-policy-core's grammar.lalrpop); editors and terminals also break lines at
 * `\v`, `\f`, U+0085, U+2028 and U+2029.
 */
const LINE_END = /\r\n|[\n\r\v\f\u0085\u2028\u2029]/;

/**
 * Characters that would hide or reorder text in a terminal or an editor: controls (an ANSI escape could
 * erase a line on screen), line and paragraph separators, bidirectional overrides, embeddings, isolates and
 * marks, invisible spaces that are not part of a script, the byte order mark, and lone surrogates. Shown as
 * `\u{..}`, a code point as Rust and Cedar write it.
 */
const HIDDEN = /[^\P{Cc}\t]|[\u061c\u200b\u200e\u200f\u2028-\u202e\u2060-\u2064\u2066-\u2069\ufeff\ufff9-\ufffb]|\p{Cs}/gu;

/** `text` with every HIDDEN character escaped: for comments and messages, never for policy text. */
const shown = (text) => String(text).replace(HIDDEN, (ch) => `\\u{${ch.codePointAt(0).toString(16)}}`);

/**
 * Text from the policy store (a description) as `//` comment lines: one comment line for each of its
 * lines, whatever ends them, so no part of it is ever read as policy text; hidden characters escaped.
 */
function commentLines(text) {
  return `${text
    .split(LINE_END)
    .map((line) => `// ${shown(line)}`.trimEnd())
    .join('\n')}\n`;
}

/** A statement with `@id` and its description as a comment: the file of a policy that has no place yet. */
function standaloneText(id, statement, description) {
  const comment = description ? commentLines(description) : '';
  const body = annotatedId(statement) === undefined ? `@id(${JSON.stringify(id)})\n${statement.trim()}` : statement.trim();
  return `${comment}${body}\n`;
}

/** What Cedar's lexer skips as whitespace: Rust's `\s`, Unicode's White_Space. */
const CEDAR_SPACE = /[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]/;

/**
 * How Cedar reads `text` (a layout's text between policies): `'space'` when it is only whitespace and
 * `//` comments, `'open'` when it also ends inside a comment (which would swallow what follows on that
 * line), `'text'` when anything in it would be read as policy text.
 */
function betweenPolicies(text) {
  let open = false;
  for (let i = 0; i < text.length;) {
    if (text.startsWith('//', i)) {
      while (i < text.length && text[i] !== '\n' && text[i] !== '\r') i += 1;
      open = i === text.length;
    } else if (CEDAR_SPACE.test(text[i])) {
      i += 1;
    } else {
      return 'text';
    }
  }
  return open ? 'open' : 'space';
}

/** Verified Permissions' JSON schema as a file: in Cedar form when that form says exactly the same. */
function schemaFile(api, json, layout, warnings) {
  if (json === undefined) {
    return { name: 'schema.cedarschema', text: '// Verified Permissions held no schema for this policy store.\n' };
  }
  const parsed = JSON.parse(json);
  const key = schemaKey(parsed);
  if (layout?.schema) {
    const { file, text } = layout.schema;
    if (file !== 'schema.cedarschema' && file !== 'schema.cedarschema.json') layoutName(file, 'schema file');
    const asJson = file.endsWith('.json') ? text : api.convertSchema(text, { from: 'cedar' }).text;
    if (asJson !== undefined && schemaKey(asJson) === key) return { name: file, text };
    warnings.push(`the schema changed in Verified Permissions since it was exported: written from Verified Permissions' copy`);
  }
  const cedar = api.convertSchema(json, { from: 'json' });
  const back = cedar.text === undefined ? undefined : api.convertSchema(cedar.text, { from: 'cedar' });
  if (back?.text !== undefined && schemaKey(back.text) === key) {
    return { name: 'schema.cedarschema', text: cedar.text.endsWith('\n') ? cedar.text : `${cedar.text}\n` };
  }
  // Cedar's schema syntax cannot say everything the JSON form can: keep the JSON form then.
  warnings.push('the schema does not convert to Cedar form without loss: kept in JSON form (schema.cedarschema.json)');
  return { name: 'schema.cedarschema.json', text: `${JSON.stringify(parsed, null, 2)}\n` };
}

/** Code-unit order, the same in every locale. */
const byString = (a, b) => (a < b ? -1 : a > b ? 1 : 0);

/** A file name from a layout, which must stay inside the store folder. */
function layoutName(file, kind) {
  const ok =
    typeof file === 'string' &&
    (kind !== '.cedar' || file.endsWith('.cedar')) &&
    !path.isAbsolute(file) &&
    !file.includes('\\') &&
    file.split('/').every((part) => part !== '' && part !== '.' && part !== '..');
  if (!ok) throw new AvpError(`the layout names the file \`${file}\`, which is not a ${kind} inside the store folder`, 'avp.bad_layout');
  return file;
}

const entityKey = (ref) => (ref ? `${ref.entityType}\u0000${ref.entityId}` : '');

/**
 * The files of a store folder from what `readPolicyStore` read (and, optionally, an export's layout).
 * Returns `{ files: { name: text }, warnings }`; deterministic for the same input.
 */
function storeFiles(api, store, layout) {
  const warnings = [];
  const files = {};
  const schema = schemaFile(api, store.schema, layout, warnings);
  files[schema.name] = schema.text;

  // Statements by content: a layout slot takes the statement whose hash it recorded.
  const items = [
    ...store.policies.filter((p) => p.statement !== undefined).map((p) => ({ ...p, avpId: p.policyId, isTemplate: false })),
    ...store.templates.map((t) => ({ ...t, avpId: t.policyTemplateId, isTemplate: true })),
  ];
  const byHash = new Map();
  for (const item of items) {
    const key = sha256(item.statement);
    if (!byHash.has(key)) byHash.set(key, []);
    byHash.get(key).push(item);
  }
  const localId = new Map(); // Verified Permissions' template id -> the id the store's links use
  const taken = new Set(Object.keys(files));
  const ids = new Map();
  const claim = (id, item) => {
    if (ids.has(id)) {
      throw new AvpError(
        `policies \`${shown(ids.get(id))}\` and \`${shown(item.avpId)}\` both have the id \`${shown(id)}\` (their \`@id\` annotations): make them differ in Verified Permissions`,
        'avp.duplicate_id',
      );
    }
    ids.set(id, item.avpId);
    if (item.isTemplate) localId.set(item.avpId, id);
  };
  const placed = new Map(); // file -> the statements written into it
  for (const { file, parts } of layout?.files ?? []) {
    layoutName(file, '.cedar');
    if (placed.has(file)) throw new AvpError(`the layout names the file \`${shown(file)}\` twice`, 'avp.bad_layout');
    placed.set(file, 0);
    let text = '';
    for (const [n, part] of parts.entries()) {
      if (part.text !== undefined) {
        // A layout restores the text between policies, which Cedar reads as comments and whitespace only:
        // it never adds policy text, nor hides a statement that follows in a comment.
        const read = typeof part.text === 'string' ? betweenPolicies(part.text) : 'text';
        if (read === 'text' || (read === 'open' && parts.slice(n + 1).some((p) => p.text === undefined))) {
          throw new AvpError(
            `the layout's text between policies in \`${shown(file)}\` is not only comments and whitespace: it would add to or hide policy text; pass the template as \`export --cloudformation\` wrote it`,
            'avp.bad_layout',
          );
        }
        text += part.text;
      } else {
        const item = byHash.get(part.sha256)?.shift();
        if (!item) {
          warnings.push(
            `\`${shown(part.policy)}\` (in ${shown(file)}) is no longer in the policy store, or was changed: left out of ${shown(file)}`,
          );
          continue;
        }
        item.placed = true;
        claim(part.policy, item);
        placed.set(file, placed.get(file) + 1);
        text += item.statement;
      }
    }
    taken.add(file);
    files[file] = text;
  }
  const rest = items.filter((item) => !item.placed).sort((a, b) => byString(a.avpId, b.avpId));
  for (const item of rest) {
    const id = annotatedId(item.statement) ?? item.avpId;
    claim(id, item);
    const file = fileFor(id, taken);
    files[file] = standaloneText(id, item.statement, item.description);
    placed.set(file, 1);
  }
  checkPolicyCount(api, files, placed);

  // Links: the layout's ids and order for the links it knows, Verified Permissions' ids for the rest.
  const linked = store.policies.filter((p) => p.templateLinked);
  for (const p of linked) {
    if (!localId.has(p.templateLinked.policyTemplateId)) {
      throw new AvpError(
        `template-linked policy \`${p.policyId}\` links template \`${p.templateLinked.policyTemplateId}\`, which the store does not hold`,
        'avp.dangling_link',
      );
    }
  }
  const linkKey = (templateId, principal, resource) => [templateId, entityKey(principal), entityKey(resource)].join('\u0001');
  const pending = new Map();
  for (const p of linked) {
    const { policyTemplateId, principal, resource } = p.templateLinked;
    const key = linkKey(localId.get(policyTemplateId), principal, resource);
    if (!pending.has(key)) pending.set(key, []);
    pending.get(key).push(p);
  }
  const links = [];
  const linkOf = (id, p) => ({
    id,
    templateId: localId.get(p.templateLinked.policyTemplateId),
    ...(p.templateLinked.principal ? { principal: entityIdentifier(p.templateLinked.principal) } : {}),
    ...(p.templateLinked.resource ? { resource: entityIdentifier(p.templateLinked.resource) } : {}),
  });
  for (const link of layout?.links ?? []) {
    const p = pending.get(linkKey(link.templateId, link.principal, link.resource))?.shift();
    if (p) {
      p.placed = true;
      links.push(linkOf(link.id, p));
    } else {
      warnings.push(`template link \`${shown(link.id)}\` is no longer in the policy store: left out of links.json`);
    }
  }
  for (const p of linked.filter((l) => !l.placed).sort((a, b) => byString(a.policyId, b.policyId))) {
    links.push(linkOf(p.policyId, p));
  }
  if (links.length > 0) files['links.json'] = `${JSON.stringify(links, null, 2)}\n`;

  if (layout?.entities !== undefined) files['entities.json'] = `${JSON.stringify(layout.entities, null, 2)}\n`;

  const local = layout?.authorizer ?? {};
  const authorizer = {
    ...local,
    validationSettings: { mode: store.validationMode },
    ...(store.identitySources.length > 0 ? { identitySources: store.identitySources.map(identitySourceOf) } : {}),
  };
  if (layout?.authorizer && !layout.authorizer.hasValidationSettings && store.validationMode === 'STRICT') {
    delete authorizer.validationSettings; // STRICT is the default: keep the file as it was written
  }
  delete authorizer.hasValidationSettings;
  files['authorizer.json'] = `${JSON.stringify(authorizer, null, 2)}\n`;
  return { files, warnings };
}

/**
 * Cedar's own reading of the policy files written: each holds exactly the statements put into it
 * (`placed`: file -> count), so nothing written around them (a comment, the text between policies) was
 * read as a policy or hid one. Files that do not parse are left to `validate` to explain.
 */
function checkPolicyCount(api, files, placed) {
  // The policy files alone, with an empty schema and validation off: only how Cedar parses them counts here.
  const policyFiles = Object.fromEntries(Object.entries(files).filter(([name]) => name.endsWith('.cedar')));
  const { bundle } = api.buildBundle({
    ...policyFiles,
    'schema.cedarschema': '',
    'authorizer.json': JSON.stringify({ validationSettings: { mode: 'OFF' } }),
  });
  if (!bundle) return;
  const read = new Map([...placed.keys()].map((file) => [file, 0]));
  for (const p of bundle.policies) if (p.kind !== 'link') read.set(p.file, (read.get(p.file) ?? 0) + 1);
  for (const [file, count] of read) {
    if (count !== (placed.get(file) ?? 0)) {
      throw new AvpError(
        `Cedar reads ${count} policies in \`${shown(file)}\` as it would be written, where the policy store has ${placed.get(file) ?? 0}: nothing written`,
        'avp.policy_count',
      );
    }
  }
}

const entityIdentifier = (ref) => ({ entityType: ref.entityType, entityId: ref.entityId });

/**
 * Reads policy store `policyStoreId` and returns its files. `client` (a VerifiedPermissionsClient) or
 * `region`/`endpoint` to make one; `layout` from an export's template metadata.
 */
async function importPolicyStore(api, { policyStoreId, region, endpoint, client, layout, maxAttempts }) {
  if (!policyStoreId) throw new AvpError('missing the policy store id (`--policy-store-id`)', 'avp.usage');
  const made = client ? { sdk: loadSdk(), client } : createClient({ region, endpoint, maxAttempts });
  const store = await readPolicyStore({ sdk: made.sdk, client: made.client, policyStoreId });
  const result = storeFiles(api, store, layout);
  return {
    ...result,
    summary: {
      policyStoreId,
      policies: store.policies.filter((p) => p.statement !== undefined).length,
      templates: store.templates.length,
      links: store.policies.length - store.policies.filter((p) => p.statement !== undefined).length,
      identitySources: store.identitySources.length,
      validationMode: store.validationMode,
    },
  };
}

/**
 * The layout recorded in a template written by `export --cloudformation` (YAML as written, or JSON):
 * its `Metadata.CedarAuthorizer`.
 */
function readLayout(file) {
  const { readYaml } = require('./yaml.cjs');
  let text;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new AvpError(`--layout ${file}: ${e.message}`, 'avp.usage');
  }
  let template;
  try {
    template = text.trimStart().startsWith('{') ? JSON.parse(text) : readYaml(text);
  } catch (e) {
    throw new AvpError(
      `--layout ${file}: cannot read it (${e.message}); pass the template as \`export --cloudformation\` wrote it`,
      'avp.usage',
    );
  }
  const layout = template?.Metadata?.CedarAuthorizer;
  if (!layout || layout.formatVersion !== 1) {
    throw new AvpError(
      `--layout ${file}: no \`Metadata.CedarAuthorizer\` (format 1) in it; pass a template written by \`export --cloudformation\``,
      'avp.usage',
    );
  }
  return layout;
}

/** Writes the files into `dir`, which must not exist yet or be empty: an import never overwrites a store. */
function writeStoreFolder(dir, files) {
  if (fs.existsSync(dir) && fs.readdirSync(dir).length > 0) {
    throw new AvpError(`\`${dir}\` already exists and is not empty: import into a new folder`, 'avp.output_exists');
  }
  for (const [name, text] of Object.entries(files)) {
    const full = path.join(dir, name);
    fs.mkdirSync(path.dirname(full), { recursive: true });
    fs.writeFileSync(full, text);
  }
}

module.exports = { importPolicyStore, readPolicyStore, storeFiles, identitySourceOf, readLayout, writeStoreFolder };
