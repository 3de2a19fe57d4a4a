'use strict';

const { createHash } = require('node:crypto');
const { SourceError } = require('./errors.cjs');

/**
 * A Verified Permissions policy store as a live source. Each check lists the store (its validation mode,
 * schema, policies, templates and identity sources) and re-reads only the policies and templates whose
 * `lastUpdatedDate` changed since the last check, or that are new; a listing equal to the last one is
 * "not modified" and nothing is built. Otherwise the store is written as a store folder by the `import`
 * code (js/lib/avp/import.cjs), with what Verified Permissions has no place for (routes, static entities,
 * the rest of `authorizer.json`) taken from the bundle deployed with the function, and built into a bundle,
 * which validates it against the refreshed schema: a policy store whose policies or routes no longer fit
 * its schema is refused like any bad bundle, and the one in place kept.
 *
 * Verified Permissions throttles its API at low rates: a check is at most every 15 s, and the SDK's own
 * retries are limited to one, so that the refresh schedule's backoff governs.
 */
function verifiedPermissionsSource({ policyStoreId, region, endpoint, client, maxAttempts = 2 }, { api, deployed }) {
  if (typeof policyStoreId !== 'string' || policyStoreId === '') {
    throw new SourceError('source.invalid', 'a Verified Permissions source is { verifiedPermissions: { policyStoreId, region? } }');
  }
  const label = `verifiedpermissions:${region ? `${region}:` : ''}${policyStoreId}`;
  const avp = require('../avp/client.cjs');
  let made;
  const ready = () => {
    if (!made) {
      try {
        made = client ? { sdk: avp.loadSdk(), client } : avp.createClient({ region, endpoint, maxAttempts });
      } catch (e) {
        throw new SourceError('source.invalid', e.message);
      }
    }
    return made;
  };
  /** Statements read, by id, with the `lastUpdatedDate` they were read at. */
  const read = { policies: new Map(), templates: new Map() };
  const when = (date) => (date instanceof Date ? date.toISOString() : String(date ?? ''));

  async function readStore({ etag, timeoutMs, maxBytes }) {
    const { sdk, client: avpClient } = ready();
    const signal = AbortSignal.timeout(timeoutMs);
    const call = async (command) => {
      try {
        return await avpClient.send(command, { abortSignal: signal });
      } catch (e) {
        throw sourceErrorOf(e, command, signal, timeoutMs);
      }
    };
    const list = async (Command, key) => {
      const items = [];
      let nextToken;
      do {
        const page = await call(new Command({ policyStoreId, nextToken }));
        items.push(...(page[key] ?? []));
        nextToken = page.nextToken;
      } while (nextToken);
      return items;
    };
    const store = await call(new sdk.GetPolicyStoreCommand({ policyStoreId }));
    let schema;
    try {
      schema = await avpClient.send(new sdk.GetSchemaCommand({ policyStoreId }), { abortSignal: signal });
    } catch (e) {
      if (e?.name !== 'ResourceNotFoundException') throw sourceErrorOf(e, { constructor: { name: 'GetSchemaCommand' } }, signal, timeoutMs);
    }
    const items = await list(sdk.ListPoliciesCommand, 'policies');
    const templates = await list(sdk.ListPolicyTemplatesCommand, 'policyTemplates');
    const identitySources = await list(sdk.ListIdentitySourcesCommand, 'identitySources');
    const listing = {
      mode: store.validationSettings?.mode ?? 'STRICT',
      schema: schema ? [when(schema.lastUpdatedDate), sha256(schema.schema)] : null,
      policies: items.map((p) => [p.policyId, when(p.lastUpdatedDate), p.definition?.templateLinked ?? null]),
      templates: templates.map((t) => [t.policyTemplateId, when(t.lastUpdatedDate)]),
      identitySources: identitySources.map((i) => [
        i.identitySourceId,
        when(i.lastUpdatedDate),
        i.principalEntityType,
        i.configuration ?? i.details ?? null,
      ]),
    };
    const fingerprint = `"${sha256(JSON.stringify(listing))}"`;
    if (etag !== undefined && fingerprint === etag) return { unchanged: true, etag };

    // Only what changed is read again.
    const policies = [];
    const seen = new Set();
    for (const item of items) {
      seen.add(item.policyId);
      if (item.definition?.templateLinked) {
        policies.push({ policyId: item.policyId, templateLinked: item.definition.templateLinked });
        continue;
      }
      let known = read.policies.get(item.policyId);
      if (!known || known.at !== when(item.lastUpdatedDate)) {
        const got = await call(new sdk.GetPolicyCommand({ policyStoreId, policyId: item.policyId }));
        if (!got.definition?.static)
          throw new SourceError('source.unavailable', `${label}: policy \`${item.policyId}\` changed kind while it was read`);
        known = { at: when(item.lastUpdatedDate), value: { policyId: item.policyId, ...got.definition.static } };
        read.policies.set(item.policyId, known);
      }
      policies.push(known.value);
    }
    for (const id of [...read.policies.keys()]) if (!seen.has(id)) read.policies.delete(id);
    const templateValues = [];
    const seenTemplates = new Set();
    for (const item of templates) {
      seenTemplates.add(item.policyTemplateId);
      let known = read.templates.get(item.policyTemplateId);
      if (!known || known.at !== when(item.lastUpdatedDate)) {
        const got = await call(new sdk.GetPolicyTemplateCommand({ policyStoreId, policyTemplateId: item.policyTemplateId }));
        known = {
          at: when(item.lastUpdatedDate),
          value: { policyTemplateId: item.policyTemplateId, statement: got.statement, description: got.description },
        };
        read.templates.set(item.policyTemplateId, known);
      }
      templateValues.push(known.value);
    }
    for (const id of [...read.templates.keys()]) if (!seenTemplates.has(id)) read.templates.delete(id);

    const { storeFiles } = require('../avp/import.cjs');
    const layout = {
      formatVersion: 1,
      authorizer: { ...(deployed.authorizer ?? {}), hasValidationSettings: true },
      ...(deployed.entities !== undefined ? { entities: deployed.entities } : {}),
    };
    delete layout.authorizer.identitySources;
    let files;
    try {
      ({ files } = storeFiles(
        api(),
        { policyStoreId, validationMode: listing.mode, schema: schema?.schema, policies, templates: templateValues, identitySources },
        layout,
      ));
    } catch (e) {
      throw new SourceError('bundle.invalid', `${label}: the policy store cannot be written as a store: ${e.message}`, { cause: e });
    }
    const built = api().buildBundle(files);
    if (!built.bundle) {
      const errors = built.diagnostics.filter((d) => d.severity === 'error');
      const first = errors[0] ?? { code: 'bundle.invalid', errorDescription: 'the policy store does not build' };
      const where = (d) => `${d.file ? `${d.file}: ` : ''}${d.errorDescription}`;
      throw new SourceError(
        first.code,
        `${label}: the policy store does not build against its schema with the deployed routes: ${errors.map(where).join('; ')}`,
      );
    }
    const text = api().bundleText(built.bundle);
    const bytes = Buffer.byteLength(text);
    if (bytes > maxBytes)
      throw new SourceError(
        'source.too_large',
        `${label}: the policy store's bundle is ${bytes} bytes, over the limit of ${maxBytes} (maxBundleBytes)`,
      );
    return { body: Buffer.from(text), etag: fingerprint };
  }

  return { kind: 'verified-permissions', label, read: readStore, minIntervalSeconds: 15, close: () => {} };
}

const sha256 = (text) => createHash('sha256').update(String(text)).digest('hex');

/** What a Verified Permissions error means for a refresh. */
function sourceErrorOf(e, command, signal, timeoutMs) {
  const operation = command.constructor.name.replace(/Command$/, '');
  const name = e?.name ?? 'Error';
  if (signal.aborted || name === 'AbortError' || name === 'TimeoutError') {
    return new SourceError(
      'source.timeout',
      `Verified Permissions' ${operation} did not answer within ${timeoutMs} ms (refreshTimeoutMs)`,
      { cause: e },
    );
  }
  if (name === 'ThrottlingException')
    return new SourceError('source.throttled', `Verified Permissions throttled ${operation} (${e.message}): backing off`, { cause: e });
  if (name === 'AccessDeniedException') {
    return new SourceError(
      'source.denied',
      `access denied to Verified Permissions' ${operation}: the function's role needs \`verifiedpermissions:${operation}\``,
      { cause: e },
    );
  }
  if (name === 'ResourceNotFoundException')
    return new SourceError('source.not_found', `Verified Permissions' ${operation}: ${e.message}`, { cause: e });
  return new SourceError('source.unavailable', `Verified Permissions' ${operation} failed (${name}: ${e?.message})`, { cause: e });
}

module.exports = { verifiedPermissionsSource };
