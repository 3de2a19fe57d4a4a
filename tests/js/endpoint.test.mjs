// The Verified Permissions endpoint (`cedar-authorizer serve`, createVerifiedPermissionsServer,
// createVerifiedPermissionsHandler) through three independent clients, each unchanged except for its
// endpoint: the AWS SDK for JavaScript v3, boto3 and the AWS CLI (both from PyPI, `make aws-clients`).
// Every answer is compared with the authorizer's own in-process answer; every error with the exception
// class the SDK raises for it; every way of getting a signature wrong is refused.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  VerifiedPermissionsClient,
  IsAuthorizedCommand,
  IsAuthorizedWithTokenCommand,
  BatchIsAuthorizedCommand,
  BatchIsAuthorizedWithTokenCommand,
  GetPolicyStoreCommand,
  GetSchemaCommand,
  ListPoliciesCommand,
  GetPolicyCommand,
  ListPolicyTemplatesCommand,
  GetPolicyTemplateCommand,
  ListIdentitySourcesCommand,
  GetIdentitySourceCommand,
  ValidationException,
  ResourceNotFoundException,
} from '@aws-sdk/client-verifiedpermissions';
import { SignatureV4 } from '@smithy/signature-v4';
import crypto from 'node:crypto';
import { Authorizer, buildBundle, readStoreFolder, createVerifiedPermissionsServer } from 'cedar-authorizer';
import { createVerifiedPermissionsHandler } from 'cedar-authorizer/aws';
import { root, store, rides, NOW, signingKey, mint, idClaims, accessClaims, COGNITO_ISSUER } from './helpers.mjs';

const AWS_CLIENTS = process.env.AWS_CLIENTS_VENV ?? path.join(os.homedir(), '.cache/cedar-authorizer/aws-clients-1.46.3');
const PYTHON = path.join(AWS_CLIENTS, 'bin/python');
const AWS_CLI = path.join(AWS_CLIENTS, 'bin/aws');
const STORE_ID = 'PSEXAMPLEabcdefg111111';
const REGION = 'us-east-1';
const caller = { accessKeyId: 'AKIAENDPOINTTEST0001', secretAccessKey: 'endpoint-test-secret-key-0001' };

/** SHA-256 for the SDK's signer, by node:crypto (the signer asks for a hash class; the signing is its own). */
class Sha256 {
  constructor(secret) {
    this.h = secret ? crypto.createHmac('sha256', Buffer.from(secret)) : crypto.createHash('sha256');
  }
  update(data) {
    this.h.update(typeof data === 'string' ? data : Buffer.from(data));
  }
  async digest() {
    return new Uint8Array(this.h.digest());
  }
}

const routes = JSON.parse(fs.readFileSync(path.join(store('rides'), 'tests/routes.json'), 'utf8'));
const key = signingKey('endpoint-key');
const jwks = { keys: [key.jwk] };
const tokens = {
  admin: mint(key, idClaims('admin-sub-0001', ['Admin'])),
  rider: mint(key, accessClaims('rider-sub-0002', ['Riders'])),
  expired: mint(key, idClaims('late-sub', ['Admin'], { exp: NOW - 10 })),
};

let authorizer;
let endpoint;
let url;
const records = [];

/** The in-process answer as a client reads it: the members Verified Permissions' model declares. */
const modelled = (answer) => ({
  decision: answer.decision,
  determiningPolicies: answer.determiningPolicies.map(({ policyId }) => ({ policyId })),
  errors: answer.errors.map(({ errorDescription }) => ({ errorDescription })),
  ...(answer.principal ? { principal: answer.principal } : {}),
});
const strip = ({ $metadata: _m, ...rest }) => rest;
const client = (overrides = {}) =>
  new VerifiedPermissionsClient({ endpoint: url, region: REGION, credentials: caller, maxAttempts: 1, ...overrides });

const requestsOf = () =>
  routes.cases.map((c) => ({
    principal: c.principal,
    action: c.action,
    resource: c.resource,
    ...(c.context ? { context: c.context } : {}),
  }));
const entities = { entityList: routes.entities };

before(async () => {
  const { bundle } = buildBundle(readStoreFolder(store('rides')));
  authorizer = await Authorizer.load(bundle, { jwks: { [COGNITO_ISSUER]: jwks }, clock: () => NOW * 1000 });
  endpoint = createVerifiedPermissionsServer(authorizer, {
    policyStoreId: STORE_ID,
    region: REGION,
    port: 0,
    credentials: [caller],
    logger: (line) => records.push(JSON.parse(line)),
  });
  ({ url } = await endpoint.listen());
});

after(async () => {
  await endpoint?.close();
});

test('the AWS SDK for JavaScript: every decision operation answers what the authorizer answers in process', async () => {
  const vp = client();
  let allowed = 0;
  for (const request of requestsOf()) {
    const got = strip(await vp.send(new IsAuthorizedCommand({ policyStoreId: STORE_ID, ...request, entities })));
    assert.deepEqual(got, modelled(authorizer.isAuthorized({ ...request, entities })), JSON.stringify(request));
    if (got.decision === 'ALLOW') allowed += 1;
  }
  assert.ok(allowed > 3 && allowed < routes.cases.length, 'both decisions are exercised');

  const batch = strip(
    await vp.send(new BatchIsAuthorizedCommand({ policyStoreId: STORE_ID, entities, requests: requestsOf().slice(0, 30) })),
  );
  const local = authorizer.batchIsAuthorized({ entities, requests: requestsOf().slice(0, 30) });
  assert.equal(batch.results.length, local.results.length);
  batch.results.forEach((r, i) => {
    const { request, ...answer } = r;
    assert.deepEqual(request, requestsOf()[i]);
    assert.deepEqual(answer, modelled(local.results[i]));
  });

  for (const [name, token] of Object.entries(tokens)) {
    const field = name === 'rider' ? 'accessToken' : 'identityToken';
    for (const actionId of ['get /riders', 'get /trainers', 'get /unicorns']) {
      const input = { [field]: token, action: rides.action(actionId), resource: rides.app };
      const got = strip(await vp.send(new IsAuthorizedWithTokenCommand({ policyStoreId: STORE_ID, ...input })));
      assert.deepEqual(got, modelled(await authorizer.isAuthorizedWithToken(input)), `${name} ${actionId}`);
    }
  }
  const withToken = {
    identityToken: tokens.admin,
    requests: ['get /riders', 'get /trainers'].map((a) => ({ action: rides.action(a), resource: rides.app })),
  };
  const viaSdk = strip(await vp.send(new BatchIsAuthorizedWithTokenCommand({ policyStoreId: STORE_ID, ...withToken })));
  const inProcess = await authorizer.batchIsAuthorizedWithToken(withToken);
  assert.deepEqual(viaSdk.principal, rides.user('admin-sub-0001'));
  assert.deepEqual(viaSdk.principal, inProcess.principal);
  // The batch names the principal once, at the top, as the service's model has it.
  viaSdk.results.forEach((r, i) => {
    const { principal: _p, ...own } = modelled(inProcess.results[i]);
    assert.deepEqual({ ...r, request: undefined }, { ...own, request: undefined });
  });
  assert.equal(viaSdk.results[0].decision, 'ALLOW');
});

test('the read operations describe the bundle: store, schema, policies, templates, identity sources', async () => {
  const vp = client();
  const storeInfo = await vp.send(new GetPolicyStoreCommand({ policyStoreId: STORE_ID }));
  assert.equal(storeInfo.policyStoreId, STORE_ID);
  assert.equal(storeInfo.validationSettings.mode, 'STRICT');
  assert.match(storeInfo.arn, /^arn:aws:verifiedpermissions::\d{12}:policy-store\/PSEXAMPLEabcdefg111111$/);
  assert.ok(storeInfo.createdDate instanceof Date);
  const schema = await vp.send(new GetSchemaCommand({ policyStoreId: STORE_ID }));
  assert.deepEqual(schema.namespaces, ['Rides']);
  assert.ok(JSON.parse(schema.schema).Rides.actions['get /riders']);

  // Every policy, one page at a time, equal to the bundle's list.
  const listed = [];
  let nextToken;
  do {
    const page = await vp.send(new ListPoliciesCommand({ policyStoreId: STORE_ID, maxResults: 2, nextToken }));
    assert.ok(page.policies.length <= 2);
    listed.push(...page.policies);
    nextToken = page.nextToken;
  } while (nextToken);
  const expected = authorizer.policies
    .filter((p) => p.kind !== 'template')
    .map((p) => p.id)
    .sort();
  assert.deepEqual(
    listed.map((p) => p.policyId),
    expected,
  );
  for (const item of listed) {
    const one = await vp.send(new GetPolicyCommand({ policyStoreId: STORE_ID, policyId: item.policyId }));
    assert.equal(one.policyId, item.policyId);
    const own = authorizer.policies.find((p) => p.id === item.policyId);
    assert.equal(one.effect, own.effect === 'forbid' ? 'Forbid' : 'Permit');
    if (one.policyType === 'STATIC') assert.match(one.definition.static.statement, /^(@[^\n]*\n)*\s*(permit|forbid)/m);
  }
  const admin = listed.find((p) => p.policyId === 'admin-all-routes');
  assert.deepEqual(admin.principal, rides.group('Admin'));
  const filtered = await vp.send(
    new ListPoliciesCommand({ policyStoreId: STORE_ID, filter: { principal: { identifier: rides.group('Admin') } } }),
  );
  assert.ok(
    filtered.policies.length >= 1 && filtered.policies.every((p) => p.principal && p.principal.entityId === rides.group('Admin').entityId),
  );
  const templates = await vp.send(new ListPolicyTemplatesCommand({ policyStoreId: STORE_ID }));
  assert.deepEqual(
    templates.policyTemplates.map((t) => t.policyTemplateId),
    authorizer.policies
      .filter((p) => p.kind === 'template')
      .map((p) => p.id)
      .sort(),
  );
  const sources = await vp.send(new ListIdentitySourcesCommand({ policyStoreId: STORE_ID }));
  assert.equal(sources.identitySources.length, 1);
  const source = sources.identitySources[0];
  assert.equal(source.principalEntityType, 'Rides::CognitoUser');
  assert.equal(source.configuration.cognitoUserPoolConfiguration.issuer, COGNITO_ISSUER);
  const one = await vp.send(new GetIdentitySourceCommand({ policyStoreId: STORE_ID, identitySourceId: source.identitySourceId }));
  assert.equal(one.configuration.cognitoUserPoolConfiguration.userPoolArn, source.configuration.cognitoUserPoolConfiguration.userPoolArn);
});

test('templates and their links: listed, filtered and read as the service shows them', async () => {
  // Loaded from the folder itself (its files, no bundle given): the read operations build it to list it.
  const photos = await Authorizer.load(store('photos'));
  const open = createVerifiedPermissionsServer(photos, { policyStoreId: 'PSphotos', port: 0, logger: false });
  const { url: openUrl } = await open.listen();
  try {
    const vp = new VerifiedPermissionsClient({ endpoint: openUrl, region: REGION, credentials: caller, maxAttempts: 1 });
    const templates = await vp.send(new ListPolicyTemplatesCommand({ policyStoreId: 'PSphotos' }));
    assert.deepEqual(
      templates.policyTemplates.map((t) => t.policyTemplateId),
      ['group-views-shared-photos'],
    );
    const template = await vp.send(
      new GetPolicyTemplateCommand({ policyStoreId: 'PSphotos', policyTemplateId: 'group-views-shared-photos' }),
    );
    assert.match(template.statement, /\?principal/);
    const links = await vp.send(new ListPoliciesCommand({ policyStoreId: 'PSphotos', filter: { policyType: 'TEMPLATE_LINKED' } }));
    assert.deepEqual(
      links.policies.map((p) => p.policyId),
      ['family-view-birthday', 'friends-view-vacation'],
    );
    const byTemplate = await vp.send(
      new ListPoliciesCommand({ policyStoreId: 'PSphotos', filter: { policyTemplateId: 'group-views-shared-photos' } }),
    );
    assert.equal(byTemplate.policies.length, 2);
    const link = await vp.send(new GetPolicyCommand({ policyStoreId: 'PSphotos', policyId: 'friends-view-vacation' }));
    assert.equal(link.policyType, 'TEMPLATE_LINKED');
    assert.equal(link.definition.templateLinked.policyTemplateId, 'group-views-shared-photos');
    assert.ok(link.definition.templateLinked.principal.entityId);
    const statics = await vp.send(new ListPoliciesCommand({ policyStoreId: 'PSphotos', filter: { policyType: 'STATIC' } }));
    assert.deepEqual(
      statics.policies.map((p) => p.policyId),
      ['locked-photos', 'owner-full-access'],
    );
    assert.ok(
      statics.policies.every((p) => p.definition.static && p.definition.static.statement === undefined),
      'a list item carries no statement',
    );
    await assert.rejects(
      vp.send(new GetPolicyTemplateCommand({ policyStoreId: 'PSphotos', policyTemplateId: 'nope' })),
      ResourceNotFoundException,
    );
  } finally {
    await open.close();
  }
});

test('errors are the exception classes the SDK raises for Verified Permissions', async () => {
  const vp = client();
  const refused = async (command, Class, pattern) => {
    await assert.rejects(vp.send(command), (e) => {
      assert.ok(e instanceof Class, `${e.name}: ${e.message}`);
      if (pattern) assert.match(e.message, pattern);
      return true;
    });
  };
  const request = requestsOf()[0];
  await refused(new IsAuthorizedCommand({ policyStoreId: 'PSsomeoneelse', ...request }), ResourceNotFoundException, /PSsomeoneelse/);
  await assert.rejects(vp.send(new IsAuthorizedCommand({ policyStoreId: 'PSsomeoneelse', ...request })), (e) => {
    assert.equal(e.resourceType, 'POLICY_STORE');
    assert.equal(e.resourceId, 'PSsomeoneelse');
    return true;
  });
  await refused(
    new IsAuthorizedCommand({ ...request }),
    ValidationException,
    /'policyStoreId' failed to satisfy constraint: Member must not be null/,
  );
  await refused(
    new IsAuthorizedCommand({ policyStoreId: STORE_ID, ...request, action: { actionType: 'Rides::Verb', actionId: 'x' } }),
    ValidationException,
    /at 'action.actionType' failed to satisfy constraint: Member must satisfy regular expression pattern/,
  );
  await refused(
    new BatchIsAuthorizedCommand({ policyStoreId: STORE_ID, requests: Array.from({ length: 31 }, () => request) }),
    ValidationException,
    /Member must have length less than or equal to 30/,
  );
  await refused(new BatchIsAuthorizedCommand({ policyStoreId: STORE_ID, requests: [] }), ValidationException, /greater than or equal to 1/);
  await refused(
    new IsAuthorizedCommand({ policyStoreId: STORE_ID, ...request, context: { contextMap: { a: { string: 'x', long: 1 } } } }),
    ValidationException,
    /exactly one of/,
  );
  await refused(
    new IsAuthorizedWithTokenCommand({ policyStoreId: STORE_ID, action: request.action, resource: request.resource }),
    ValidationException,
  );
  await refused(
    new IsAuthorizedWithTokenCommand({ policyStoreId: STORE_ID, identityToken: 'abc', action: request.action }),
    ValidationException,
    /pattern/,
  );
  await refused(new GetPolicyCommand({ policyStoreId: STORE_ID, policyId: 'no-such-policy' }), ResourceNotFoundException, /no-such-policy/);
  await refused(new ListPoliciesCommand({ policyStoreId: STORE_ID, nextToken: 'bm90LWEtdG9rZW4' }), ValidationException, /nextToken/);
  await refused(new ListPoliciesCommand({ policyStoreId: STORE_ID, maxResults: 51 }), ValidationException, /less than or equal to 50/);
  // A sensitive member's value is never written into the message.
  await assert.rejects(
    vp.send(
      new IsAuthorizedCommand({
        policyStoreId: STORE_ID,
        ...request,
        principal: { entityType: 'Rides::CognitoUser', entityId: 's'.repeat(700) },
      }),
    ),
    (e) => e instanceof ValidationException && !e.message.includes('sss'),
  );
});

/** A request signed by hand with the SDK's signer, then changed as `change` says, sent raw. */
async function signedRequest(
  body,
  {
    secret = caller.secretAccessKey,
    region = REGION,
    service = 'verifiedpermissions',
    date = new Date(),
    change,
    applyChecksum = false,
  } = {},
) {
  const { hostname, port } = new URL(url);
  const signer = new SignatureV4({ credentials: { ...caller, secretAccessKey: secret }, region, service, sha256: Sha256, applyChecksum });
  const signed = await signer.sign(
    {
      method: 'POST',
      protocol: 'http:',
      hostname,
      port: Number(port),
      path: '/',
      headers: {
        host: `${hostname}:${port}`,
        'content-type': 'application/x-amz-json-1.0',
        'x-amz-target': 'VerifiedPermissions.IsAuthorized',
      },
      body,
    },
    { signingDate: date },
  );
  const sent = change ? change(signed) : signed;
  const res = await fetch(url, { method: 'POST', headers: sent.headers, body: sent.body });
  return { status: res.status, body: await res.json() };
}

test('SigV4: a wrong secret, an unknown key, a wrong date, another region or service, a changed body are refused', async () => {
  const body = JSON.stringify({ policyStoreId: STORE_ID, ...requestsOf()[0], entities });
  const ok = await signedRequest(body);
  assert.equal(ok.status, 200, JSON.stringify(ok.body));
  assert.equal(ok.body.decision, 'ALLOW');
  const type = (r) => r.body.__type.split('#').pop();

  const wrongSecret = await signedRequest(body, { secret: 'not-the-secret-at-all-0000' });
  assert.equal(wrongSecret.status, 403);
  assert.equal(type(wrongSecret), 'InvalidSignatureException');
  const stale = await signedRequest(body, { date: new Date(Date.now() - 20 * 60 * 1000) });
  assert.equal(type(stale), 'InvalidSignatureException');
  assert.match(stale.body.message, /^Signature expired/);
  const early = await signedRequest(body, { date: new Date(Date.now() + 20 * 60 * 1000) });
  assert.match(early.body.message, /^Signature not yet current/);
  const region = await signedRequest(body, { region: 'eu-west-1' });
  assert.match(region.body.message, /scoped to a valid region/);
  const service = await signedRequest(body, { service: 'lambda' });
  assert.match(service.body.message, /scoped to correct service: 'verifiedpermissions'/);
  const tampered = await signedRequest(body, { change: (r) => ({ ...r, body: body.replace('admin-sub-0001', 'rider-sub-0002') }) });
  assert.equal(type(tampered), 'InvalidSignatureException');
  // With the payload's hash signed in x-amz-content-sha256, the body must still be the one hashed.
  const hashedOk = await signedRequest(body, { applyChecksum: true });
  assert.equal(hashedOk.status, 200, JSON.stringify(hashedOk.body));
  const hashed = await signedRequest(body, {
    applyChecksum: true,
    change: (r) => ({ ...r, body: body.replace('admin-sub-0001', 'rider-sub-0002') }),
  });
  assert.equal(type(hashed), 'InvalidSignatureException');
  const otherTarget = await signedRequest(body, {
    change: (r) => ({ ...r, headers: { ...r.headers, 'x-amz-target': 'VerifiedPermissions.IsAuthorizedWithToken' } }),
  });
  assert.equal(type(otherTarget), 'InvalidSignatureException');
  const unknownKey = await signedRequest(body, {
    change: (r) => ({
      ...r,
      headers: { ...r.headers, authorization: r.headers.authorization.replace(caller.accessKeyId, 'AKIAUNKNOWNKEY000001') },
    }),
  });
  assert.equal(type(unknownKey), 'UnrecognizedClientException');
  const unsigned = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'VerifiedPermissions.IsAuthorized' },
    body,
  });
  assert.equal(unsigned.status, 403);
  assert.equal((await unsigned.json()).__type.split('#').pop(), 'MissingAuthenticationTokenException');

  // The SDK itself with a wrong secret and with a clock an hour off (one attempt: it would otherwise correct its clock).
  await assert.rejects(
    client({ credentials: { ...caller, secretAccessKey: 'wrong-secret-wrong-secret' } }).send(
      new GetSchemaCommand({ policyStoreId: STORE_ID }),
    ),
    (e) => e.name === 'InvalidSignatureException',
  );
  await assert.rejects(
    client({ systemClockOffset: 3_600_000 }).send(new GetSchemaCommand({ policyStoreId: STORE_ID })),
    (e) => e.name === 'InvalidSignatureException' && /not yet current/.test(e.message),
  );
  await assert.rejects(
    client({ region: 'eu-west-1' }).send(new GetSchemaCommand({ policyStoreId: STORE_ID })),
    (e) => e.name === 'InvalidSignatureException',
  );
});

test('a malformed or oversized request is an error answer, never a crash; unsigned access needs saying so', async () => {
  const raw = (body, headers = {}) =>
    fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'VerifiedPermissions.IsAuthorized', ...headers },
      body,
    });
  const open = createVerifiedPermissionsServer(authorizer, { policyStoreId: STORE_ID, port: 0, logger: false });
  const { url: openUrl } = await open.listen();
  try {
    const send = (body, headers = {}) =>
      fetch(openUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'VerifiedPermissions.IsAuthorized', ...headers },
        body,
      });
    const cases = [
      ['{ not json', 'SerializationException'],
      ['[1, 2]', 'SerializationException'],
      ['"text"', 'SerializationException'],
      [JSON.stringify({ policyStoreId: 7 }), 'ValidationException'],
      [
        JSON.stringify({
          policyStoreId: STORE_ID,
          context: { contextMap: JSON.parse('{"a":'.repeat(200) + '{"string":"x"}' + '}'.repeat(200)) },
        }),
        'ValidationException',
      ],
      [`{"policyStoreId":"${STORE_ID}","context":{"contextMap":{"n":{"long":123456789012345678901}}}}`, 'ValidationException'],
      [JSON.stringify({ policyStoreId: STORE_ID, ...requestsOf()[0], entities }), null],
    ];
    for (const [body, expected] of cases) {
      const res = await send(body);
      const answer = await res.json();
      if (expected === null) assert.equal(res.status, 200);
      else assert.equal(answer.__type.split('#').pop(), expected, body.slice(0, 80));
    }
    const wrongType = await send('{}', { 'content-type': 'application/json' });
    assert.equal((await wrongType.json()).__type.split('#').pop(), 'SerializationException');
    const unknown = await send('{}', { 'x-amz-target': 'VerifiedPermissions.DeletePolicyStore' });
    assert.equal((await unknown.json()).__type.split('#').pop(), 'UnknownOperationException');
    const big = await send(JSON.stringify({ policyStoreId: STORE_ID, pad: 'x'.repeat(1024 * 1024 + 10) }));
    assert.equal(big.status, 413);
    // Still answering after all of that, on a kept-alive connection.
    assert.equal((await (await send(JSON.stringify({ policyStoreId: STORE_ID, ...requestsOf()[0], entities }))).json()).decision, 'ALLOW');
    const health = await fetch(`${openUrl}/health`);
    assert.equal(health.status, 200);
    assert.equal((await health.json()).healthy, true);
    assert.match(
      await (await fetch(`${openUrl}/metrics`)).text(),
      /cedar_authorizer_decisions_total\{handler="verified-permissions",decision="ALLOW"\} \d+/,
    );
  } finally {
    await open.close();
  }
  // The signed endpoint refuses the same malformed body before reading it: no signature, no answer.
  assert.equal((await (await raw('{ not json')).json()).__type.split('#').pop(), 'MissingAuthenticationTokenException');
  // Listening beyond loopback without credentials fails at start-up, saying what to do.
  assert.throws(
    () => createVerifiedPermissionsServer(authorizer, { policyStoreId: STORE_ID, host: '0.0.0.0', port: 0 }),
    /caller credentials|--allow-unauthenticated/,
  );
  const anyone = createVerifiedPermissionsServer(authorizer, {
    policyStoreId: STORE_ID,
    host: '0.0.0.0',
    port: 0,
    allowUnauthenticated: true,
  });
  await anyone.listen();
  await anyone.close();
  assert.throws(
    () =>
      createVerifiedPermissionsServer(authorizer, {
        policyStoreId: STORE_ID,
        port: 0,
        credentials: [{ accessKeyId: 'short', secretAccessKey: 'x' }],
      }),
    /caller credential 1/,
  );
});

test('decision records: one per decision, the answer cache layer named, no token written', async () => {
  records.length = 0;
  const vp = client();
  // An action no other test asks about with this token: the first call is not in the answer cache yet.
  const input = { policyStoreId: STORE_ID, identityToken: tokens.admin, action: rides.action('get /trainer'), resource: rides.app };
  await vp.send(new IsAuthorizedWithTokenCommand(input));
  await vp.send(new IsAuthorizedWithTokenCommand(input));
  await vp.send(new BatchIsAuthorizedCommand({ policyStoreId: STORE_ID, entities, requests: requestsOf().slice(0, 3) }));
  assert.equal(records.length, 5);
  const [first, second] = records;
  assert.equal(first.handler, 'verified-permissions');
  assert.equal(first.cache, 'none');
  assert.equal(second.cache, 'answer');
  assert.equal(first.principal, 'Rides::CognitoUser::"us-east-1_DemoPool1|admin-sub-0001"');
  assert.equal(first.action, 'Rides::Action::"get /trainer"');
  assert.equal(first.resource, 'Rides::Application::"Rides"');
  assert.match(first.bundleHash, /^sha256:/);
  assert.ok(!JSON.stringify(records).includes(tokens.admin.split('.')[2]), 'no token in any record');
  assert.deepEqual(
    records.slice(2).map((r) => r.principal),
    requestsOf()
      .slice(0, 3)
      .map((r) => `${r.principal.entityType}::"${r.principal.entityId}"`),
  );
});

test('createVerifiedPermissionsHandler: a function URL or API Gateway event answers as the server does', async () => {
  assert.throws(
    () => createVerifiedPermissionsHandler({ bundle: store('rides'), policyStoreId: STORE_ID }),
    /credentials|allowUnauthenticated/,
  );
  const handler = createVerifiedPermissionsHandler({
    bundle: store('rides'),
    policyStoreId: STORE_ID,
    credentials: [caller],
    jwks: { [COGNITO_ISSUER]: jwks },
    clock: () => NOW * 1000,
    logger: false,
  });
  const request = requestsOf()[0];
  const body = JSON.stringify({ policyStoreId: STORE_ID, ...request, entities });
  const signer = new SignatureV4({ credentials: caller, region: REGION, service: 'verifiedpermissions', sha256: Sha256 });
  const host = 'abcdefghij.lambda-url.us-east-1.on.aws';
  const signed = await signer.sign({
    method: 'POST',
    protocol: 'https:',
    hostname: host,
    path: '/',
    headers: { host, 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': 'VerifiedPermissions.IsAuthorized' },
    body,
  });
  const functionUrlEvent = {
    version: '2.0',
    rawPath: '/',
    rawQueryString: '',
    headers: signed.headers,
    requestContext: { http: { method: 'POST', path: '/' } },
    body: Buffer.from(body).toString('base64'),
    isBase64Encoded: true,
  };
  const answer = await handler(functionUrlEvent);
  assert.equal(answer.statusCode, 200, answer.body);
  assert.deepEqual(JSON.parse(answer.body), modelled(authorizer.isAuthorized({ ...request, entities })));
  const tampered = await handler({ ...functionUrlEvent, body: Buffer.from(body.replace('get /rider', 'get /trainer')).toString('base64') });
  assert.equal(tampered.statusCode, 403);
  assert.equal(JSON.parse(tampered.body).__type.split('#').pop(), 'InvalidSignatureException');
  // A REST API proxy event (headers in any case, a text body).
  const restEvent = {
    httpMethod: 'POST',
    path: '/',
    headers: Object.fromEntries(Object.entries(signed.headers).map(([k, v]) => [k.toUpperCase(), v])),
    body,
    isBase64Encoded: false,
  };
  assert.equal((await handler(restEvent)).statusCode, 200);
  const health = await handler({ action: 'cedar-authorizer.health' });
  assert.equal(health.healthy, true);
  assert.ok(health.decisions.byResult['verified-permissions ALLOW'] >= 2);
});

// ---- the other two clients, from PyPI ------------------------------------------------------------

/** Runs the boto3 client on `job` (asynchronously: the endpoint answering it runs in this process). */
function python(job) {
  return new Promise((resolve, reject) => {
    const child = spawn(PYTHON, [path.join(root, 'tests/fixtures/endpoint/boto3_client.py')]);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('error', reject);
    child.on('close', (status) =>
      status === 0 ? resolve(JSON.parse(stdout)) : reject(new Error(`boto3 client exited ${status}: ${stderr}`)),
    );
    child.stdin.end(JSON.stringify(job));
  });
}

test('boto3: every operation, answers equal to in process, modeled exceptions for errors', async () => {
  const request = requestsOf();
  const calls = [
    ...request.map((r) => ({ method: 'is_authorized', input: { policyStoreId: STORE_ID, ...r, entities } })),
    {
      method: 'is_authorized_with_token',
      input: { policyStoreId: STORE_ID, identityToken: tokens.admin, action: rides.action('get /trainers'), resource: rides.app },
    },
    { method: 'batch_is_authorized', input: { policyStoreId: STORE_ID, entities, requests: request.slice(0, 5) } },
    {
      method: 'batch_is_authorized_with_token',
      input: {
        policyStoreId: STORE_ID,
        accessToken: tokens.rider,
        requests: [{ action: rides.action('get /riders'), resource: rides.app }],
      },
    },
    { method: 'get_policy_store', input: { policyStoreId: STORE_ID } },
    { method: 'get_schema', input: { policyStoreId: STORE_ID } },
    { method: 'list_policies', input: { policyStoreId: STORE_ID, maxResults: 50 } },
    { method: 'get_policy', input: { policyStoreId: STORE_ID, policyId: 'admin-all-routes' } },
    { method: 'list_policy_templates', input: { policyStoreId: STORE_ID } },
    { method: 'list_identity_sources', input: { policyStoreId: STORE_ID } },
    { method: 'is_authorized', input: { policyStoreId: 'PSother', ...request[0] } },
    { method: 'get_policy', input: { policyStoreId: STORE_ID, policyId: 'nope' } },
  ];
  const answers = await python({ endpoint: url, region: REGION, ...caller, calls });
  request.forEach((r, i) => assert.deepEqual(answers[i], modelled(authorizer.isAuthorized({ ...r, entities })), JSON.stringify(r)));
  let at = request.length;
  assert.deepEqual(answers[at++], modelled(await authorizer.isAuthorizedWithToken(calls[request.length].input)));
  const batch = answers[at++];
  batch.results.forEach((r, i) => assert.equal(r.decision, authorizer.isAuthorized({ ...request[i], entities }).decision));
  assert.equal(answers[at++].results[0].decision, 'ALLOW');
  assert.equal(answers[at++].policyStoreId, STORE_ID);
  assert.deepEqual(answers[at++].namespaces, ['Rides']);
  assert.deepEqual(
    answers[at++].policies.map((p) => p.policyId),
    authorizer.policies
      .filter((p) => p.kind !== 'template')
      .map((p) => p.id)
      .sort(),
  );
  assert.equal(answers[at++].definition.static !== undefined, true);
  assert.ok(Array.isArray(answers[at++].policyTemplates));
  assert.equal(answers[at++].identitySources[0].principalEntityType, 'Rides::CognitoUser');
  assert.deepEqual([answers[at].error.code, answers[at++].error.class], ['ResourceNotFoundException', 'ResourceNotFoundException']);
  assert.equal(answers[at].error.class, 'ResourceNotFoundException');
  // botocore checks required members and minimums itself; with its checks off, the endpoint's are seen.
  const unchecked = await python({
    endpoint: url,
    region: REGION,
    ...caller,
    validate: false,
    calls: [{ method: 'batch_is_authorized', input: { policyStoreId: STORE_ID, requests: [] } }],
  });
  assert.equal(unchecked[0].error.class, 'ValidationException');
  const wrong = await python({ endpoint: url, region: REGION, ...caller, secretAccessKey: 'wrong-secret-wrong-secret', calls: [calls[0]] });
  assert.equal(wrong[0].error.code, 'InvalidSignatureException');
  const otherRegion = await python({ endpoint: url, region: 'eu-central-1', ...caller, calls: [calls[0]] });
  assert.equal(otherRegion[0].error.code, 'InvalidSignatureException');
});

test('the AWS CLI: is-authorized and list-policies answer as in process; a wrong secret is refused', async () => {
  const env = {
    PATH: process.env.PATH,
    HOME: os.tmpdir(),
    AWS_ACCESS_KEY_ID: caller.accessKeyId,
    AWS_SECRET_ACCESS_KEY: caller.secretAccessKey,
    AWS_DEFAULT_REGION: REGION,
    AWS_CONFIG_FILE: '/dev/null',
    AWS_SHARED_CREDENTIALS_FILE: '/dev/null',
  };
  const cli = (args, extraEnv = {}) =>
    new Promise((resolve) => {
      const child = spawn(AWS_CLI, ['verifiedpermissions', ...args, '--endpoint-url', url, '--output', 'json'], {
        env: { ...env, ...extraEnv },
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (c) => (stdout += c));
      child.stderr.on('data', (c) => (stderr += c));
      child.on('close', (status) => resolve({ status, stdout, stderr }));
    });
  for (const request of requestsOf().slice(0, 4)) {
    const input = { policyStoreId: STORE_ID, ...request, entities };
    const run = await cli(['is-authorized', '--cli-input-json', JSON.stringify(input)]);
    assert.equal(run.status, 0, run.stderr);
    assert.deepEqual(JSON.parse(run.stdout), modelled(authorizer.isAuthorized({ ...request, entities })));
  }
  const list = await cli(['list-policies', '--policy-store-id', STORE_ID]);
  assert.equal(list.status, 0, list.stderr);
  assert.deepEqual(
    JSON.parse(list.stdout).policies.map((p) => p.policyId),
    authorizer.policies
      .filter((p) => p.kind !== 'template')
      .map((p) => p.id)
      .sort(),
  );
  const wrong = await cli(['get-schema', '--policy-store-id', STORE_ID], { AWS_SECRET_ACCESS_KEY: 'wrong-secret-wrong-secret' });
  assert.notEqual(wrong.status, 0);
  assert.match(wrong.stderr, /InvalidSignatureException/);
  const missing = await cli(['get-policy', '--policy-store-id', STORE_ID, '--policy-id', 'nope']);
  assert.match(missing.stderr, /ResourceNotFoundException/);
});

test('`cedar-authorizer serve` starts from a store folder and answers the SDK; it refuses to start unguarded', async () => {
  const cli = path.join(root, 'node_modules/cedar-authorizer/bin/cedar-authorizer.cjs');
  const unguarded = spawnSync(process.execPath, [cli, 'serve', store('rides'), '--policy-store-id', STORE_ID, '--listen', '0.0.0.0:0'], {
    encoding: 'utf8',
  });
  assert.equal(unguarded.status, 1);
  assert.match(unguarded.stderr, /--caller-credentials|--allow-unauthenticated/);
  const noId = spawnSync(process.execPath, [cli, 'serve', store('rides')], { encoding: 'utf8' });
  assert.equal(noId.status, 2);
  assert.match(noId.stderr, /--policy-store-id/);
  const child = spawn(process.execPath, [cli, 'serve', store('rides'), '--policy-store-id', STORE_ID, '--listen', '127.0.0.1:0'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  try {
    const line = await new Promise((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (c) => {
        out += c;
        if (out.includes('\n')) resolve(out);
      });
      child.on('exit', (code) => reject(new Error(`serve exited ${code}`)));
    });
    const served = /on (http:\/\/127\.0\.0\.1:\d+)/.exec(line)[1];
    const vp = new VerifiedPermissionsClient({ endpoint: served, region: REGION, credentials: caller, maxAttempts: 1 });
    const request = requestsOf()[0];
    const got = strip(await vp.send(new IsAuthorizedCommand({ policyStoreId: STORE_ID, ...request, entities })));
    assert.deepEqual(got, modelled(authorizer.isAuthorized({ ...request, entities })));
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
  assert.equal(child.exitCode, 0);
});

test('the endpoint checks requests by the service model the AWS CLI carries', () => {
  const source = path.join(AWS_CLIENTS, 'lib');
  const found = spawnSync('find', [source, '-path', '*awscli/botocore/data/verifiedpermissions/2021-12-01/service-2.json*'], {
    encoding: 'utf8',
  })
    .stdout.trim()
    .split('\n')[0];
  assert.ok(found, `no Verified Permissions model under ${source}`);
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'model-')), 'model.json');
  const run = spawnSync(process.execPath, [path.join(root, 'scripts/build/avp-model.mjs'), found, out], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  assert.deepEqual(
    JSON.parse(fs.readFileSync(out, 'utf8')),
    JSON.parse(fs.readFileSync(path.join(root, 'js/lib/endpoint/model.json'), 'utf8')),
    'regenerate with: node scripts/build/avp-model.mjs <that file>',
  );
});
