// Tokens from an independent Cognito: moto's user-pool server (moto[server] 5.2.5, `make moto`), started on
// a loopback port and driven through the real AWS SDK (@aws-sdk/client-cognito-identity-provider). Every
// other token test mints its own tokens, so a misreading of Cognito's token format would be shared by the
// minter and the verifier; here the tokens come from someone else's reading of it. They are verified by the
// package's own code path, keys fetched over HTTP from moto's JWKS endpoint, nothing stubbed; the clock is
// set from each token's own `iat`, never the wall clock.
//
// Where moto 5.2.5 differs from Cognito's documented tokens
// (https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-using-the-id-token.html,
// .../amazon-cognito-user-pools-using-the-access-token.html), each pinned by an assertion below:
//   - `iss` is the real Cognito issuer, `https://cognito-idp.<region>.amazonaws.com/<poolId>` (not moto's
//     own host), so the identity source is the plain Cognito configuration, the user pool ARN with moto's
//     account 123456789012; only the key location differs: `jwksUris` points the issuer at moto's
//     `http://127.0.0.1:<port>/<poolId>/.well-known/jwks.json`.
//   - User pool ids are `<region>_` and 32 hex digits (Cognito's are 9 letters and digits): the ARN
//     pattern accepts both.
//   - Groups in `cognito:groups` come in no stable order (the mapping keeps the token's order).
//   - The header has `typ: "JWT"` (Cognito's has `kid` and `alg` only).
//   - Keys: one RSA key, `kid` "dummy", the same for every user pool, its private half shipped inside the
//     moto package. Key rotation is not supported (no API changes it), so it is not tested here; a token of
//     another moto pool verifies against the same key and is refused only by its `iss`, which is tested.
//   - No `event_id` in either token; no `version` in the access token (Cognito's are `2`).
//   - `origin_jti` and `jti` are present, `auth_time` equals `iat`.
//   - `email_verified` is the string "true" (Cognito writes a JSON boolean): with the schema's
//     `email_verified?: Bool` it is left out with a `mapping.claim_skipped` warning, as docs/token-mapping.md
//     says for a value that does not fit.
//   - Standard attributes appear in the ID token only when the app client lists them in `ReadAttributes`
//     (Cognito: all readable ones when the list is empty); `custom:` attributes always, as strings (a Number
//     attribute too, as in Cognito).
//   - `cognito:groups` is a JSON list of group names, as in Cognito; absent for a user in no group.
//   - The access token's `scope` is "aws.cognito.signin.user.admin", as Cognito's for these flows.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  CognitoIdentityProviderClient,
  CreateUserPoolCommand,
  CreateUserPoolClientCommand,
  CreateGroupCommand,
  AdminCreateUserCommand,
  AdminSetUserPasswordCommand,
  AdminAddUserToGroupCommand,
  InitiateAuthCommand,
  AdminInitiateAuthCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { Authorizer, createVerifiedPermissionsServer } from 'cedar-authorizer';
import {
  VerifiedPermissionsClient,
  IsAuthorizedWithTokenCommand,
  BatchIsAuthorizedWithTokenCommand,
} from '@aws-sdk/client-verifiedpermissions';
import { createRestApiAuthorizer, createHttpApiAuthorizer, createEdgeViewerRequestHandler } from 'cedar-authorizer/aws';
import { startMoto, REGION, credentials } from './moto.mjs';

const PASSWORD = 'Correct-Horse-9';

let moto;
let endpoint;
let cognito;
const world = {}; // pool, client, tokens: filled once in `before`

const claimsOf = (token) => JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString());
const headerOf = (token) => JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString());

async function signIn(user, admin = false, clientId = world.client) {
  const parameters = { USERNAME: user, PASSWORD };
  const r = admin
    ? await cognito.send(
        new AdminInitiateAuthCommand({
          UserPoolId: world.pool,
          ClientId: clientId,
          AuthFlow: 'ADMIN_USER_PASSWORD_AUTH',
          AuthParameters: parameters,
        }),
      )
    : await cognito.send(new InitiateAuthCommand({ ClientId: clientId, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: parameters }));
  return { id: r.AuthenticationResult.IdToken, access: r.AuthenticationResult.AccessToken };
}

/** A store for the pool: groups, ID-token attributes (custom ones too), `context.token`, three routes. */
function writeStore(pool, clientIds) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ca-cognito-'));
  const group = (g) => `Shop::Group::"${pool}|${g}"`;
  fs.writeFileSync(
    path.join(dir, 'schema.cedarschema'),
    `namespace Shop {
  entity Group;
  entity User in [Group] {
    "cognito:username"?: String,
    email?: String,
    email_verified?: Bool,
    aud?: String,
    "custom:department"?: String,
    "custom:tier"?: String,
  };
  entity Application;
  type TokenContext = { client_id?: String, username?: String, scope?: Set<String>, token_use?: String };
  action "get /admin", "get /orders", "get /reports", "get /profile"
    appliesTo { principal: [User], resource: [Application], context: { token?: TokenContext } };
}
`,
  );
  fs.writeFileSync(
    path.join(dir, 'shop.cedar'),
    `@id("admins-everything")
permit (principal in ${group('admins')}, action, resource);

@id("staff-orders")
permit (principal in ${group('staff')}, action == Shop::Action::"get /orders", resource);

// From the ID token's custom attributes.
@id("finance-reports")
permit (principal, action == Shop::Action::"get /reports", resource)
when { principal has "custom:department" && principal["custom:department"] == "finance" && principal has "custom:tier" && principal["custom:tier"] == "3" };

// From the access token: context.token.
@id("signed-in-profile")
permit (principal, action == Shop::Action::"get /profile", resource)
when {
  context has token && context.token has scope && context.token.scope.contains("aws.cognito.signin.user.admin") &&
  context.token has client_id && context.token.client_id == "${world.client}" &&
  context.token has token_use && context.token.token_use == "access"
};
`,
  );
  fs.writeFileSync(
    path.join(dir, 'authorizer.json'),
    JSON.stringify({
      identitySources: [
        {
          principalEntityType: 'Shop::User',
          configuration: {
            cognitoUserPoolConfiguration: {
              userPoolArn: `arn:aws:cognito-idp:${REGION}:123456789012:userpool/${pool}`,
              clientIds,
              groupConfiguration: { groupEntityType: 'Shop::Group' },
            },
          },
        },
      ],
      routes: ['/admin', '/orders', '/reports', '/profile'].map((p) => ({ method: 'GET', path: p })),
    }),
  );
  return dir;
}

before(async () => {
  ({ child: moto, url: endpoint } = await startMoto());
  cognito = new CognitoIdentityProviderClient({ region: REGION, endpoint, credentials });
  const pool = await cognito.send(
    new CreateUserPoolCommand({
      PoolName: 'shop',
      Schema: [
        { Name: 'department', AttributeDataType: 'String', Mutable: true },
        { Name: 'tier', AttributeDataType: 'Number', Mutable: true },
      ],
    }),
  );
  world.pool = pool.UserPool.Id;
  const client = await cognito.send(
    new CreateUserPoolClientCommand({
      UserPoolId: world.pool,
      ClientName: 'shop-web',
      ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH', 'ALLOW_ADMIN_USER_PASSWORD_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH'],
      ReadAttributes: ['email', 'email_verified', 'custom:department', 'custom:tier'],
    }),
  );
  world.client = client.UserPoolClient.ClientId;
  const other = await cognito.send(
    new CreateUserPoolClientCommand({ UserPoolId: world.pool, ClientName: 'other-app', ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH'] }),
  );
  world.otherClient = other.UserPoolClient.ClientId;
  for (const g of ['admins', 'staff', 'finance']) await cognito.send(new CreateGroupCommand({ UserPoolId: world.pool, GroupName: g }));
  const users = {
    alice: { groups: ['admins', 'staff'], department: 'engineering', tier: '1' },
    bob: { groups: ['staff', 'finance'], department: 'finance', tier: '3' },
    carol: { groups: [], department: 'finance', tier: '2' },
  };
  for (const [name, u] of Object.entries(users)) {
    await cognito.send(
      new AdminCreateUserCommand({
        UserPoolId: world.pool,
        Username: name,
        MessageAction: 'SUPPRESS',
        UserAttributes: [
          { Name: 'email', Value: `${name}@example.com` },
          { Name: 'email_verified', Value: 'true' },
          { Name: 'custom:department', Value: u.department },
          { Name: 'custom:tier', Value: u.tier },
        ],
      }),
    );
    await cognito.send(new AdminSetUserPasswordCommand({ UserPoolId: world.pool, Username: name, Password: PASSWORD, Permanent: true }));
    for (const g of u.groups) await cognito.send(new AdminAddUserToGroupCommand({ UserPoolId: world.pool, Username: name, GroupName: g }));
  }
  world.tokens = {
    alice: await signIn('alice'),
    bob: await signIn('bob', true),
    carol: await signIn('carol'),
    carolOtherApp: await signIn('carol', false, world.otherClient),
  };
  world.issuer = `https://cognito-idp.${REGION}.amazonaws.com/${world.pool}`;
  world.jwksUrl = `${endpoint}/${world.pool}/.well-known/jwks.json`;
  world.store = writeStore(world.pool, [world.client]);
});

after(() => {
  moto?.kill();
});

/** Options of an authorizer on moto's keys at the time the token was issued. */
const at = (token) => ({ jwksUris: { [world.issuer]: world.jwksUrl }, clock: () => claimsOf(token).iat * 1000 + 1000 });
const action = (id) => ({ actionType: 'Shop::Action', actionId: id });
const app = { entityType: 'Shop::Application', entityId: 'Shop' };

test('moto issues tokens in the shape recorded in the header of this file', async () => {
  const { id, access } = world.tokens.alice;
  const idClaims = claimsOf(id);
  const accessClaims = claimsOf(access);
  assert.deepEqual(headerOf(id), { typ: 'JWT', kid: 'dummy', alg: 'RS256' });
  assert.equal(idClaims.iss, world.issuer);
  assert.equal(accessClaims.iss, world.issuer);
  assert.equal(idClaims.aud, world.client);
  assert.equal(accessClaims.client_id, world.client);
  assert.equal(idClaims.token_use, 'id');
  assert.equal(accessClaims.token_use, 'access');
  assert.deepEqual(idClaims['cognito:groups'].sort(), ['admins', 'staff']);
  assert.deepEqual(accessClaims['cognito:groups'].sort(), ['admins', 'staff']);
  assert.match(world.pool, /^us-east-1_[0-9a-f]{32}$/, 'a longer pool id than Cognito makes, of the same shape');
  assert.equal(idClaims['cognito:username'], 'alice');
  assert.equal(accessClaims.username, 'alice');
  assert.equal(idClaims.email_verified, 'true', 'a string, where Cognito writes a boolean');
  assert.equal(idClaims['custom:department'], 'engineering');
  assert.equal(idClaims['custom:tier'], '1', 'a Number attribute, as a string (as in Cognito)');
  assert.equal(accessClaims.scope, 'aws.cognito.signin.user.admin');
  for (const c of [idClaims, accessClaims]) {
    assert.equal(c.event_id, undefined, 'no event_id');
    assert.equal(typeof c.origin_jti, 'string');
    assert.equal(typeof c.jti, 'string');
    assert.equal(c.auth_time, c.iat);
    assert.equal(c.exp - c.iat, 3600);
  }
  assert.equal(accessClaims.version, undefined, 'no version');
  assert.equal(claimsOf(world.tokens.carol.id)['cognito:groups'], undefined, 'no groups: no claim');

  const jwks = await (await fetch(world.jwksUrl)).json();
  assert.equal(jwks.keys.length, 1);
  assert.equal(jwks.keys[0].kid, 'dummy');
  assert.equal(jwks.keys[0].kty, 'RSA');
  const discovery = await (await fetch(`${endpoint}/${world.pool}/.well-known/openid-configuration`)).json();
  assert.equal(discovery.issuer, world.issuer);
  assert.equal(discovery.jwks_uri, world.jwksUrl);
});

test('ID tokens map to the principal, its groups and attributes, custom ones included', async () => {
  for (const [name, groups, department, tier] of [
    ['alice', ['admins', 'staff'], 'engineering', '1'],
    ['bob', ['finance', 'staff'], 'finance', '3'],
    ['carol', [], 'finance', '2'],
  ]) {
    const { id } = world.tokens[name];
    const authorizer = await Authorizer.load(world.store, at(id));
    await authorizer.prefetchKeys(); // explainToken uses the keys it has
    const explained = await authorizer.explainToken(id);
    assert.equal(explained.verified, true, JSON.stringify(explained));
    const sub = claimsOf(id).sub;
    assert.deepEqual(explained.mapping.principal, { type: 'Shop::User', id: `${world.pool}|${sub}` });
    // Groups in the token's order, which moto does not keep stable.
    assert.deepEqual(
      explained.mapping.groups,
      claimsOf(id)['cognito:groups']?.map((g) => ({ type: 'Shop::Group', id: `${world.pool}|${g}` })) ?? [],
    );
    assert.deepEqual(explained.mapping.groups.map((g) => g.id.split('|')[1]).sort(), groups);
    assert.deepEqual(explained.mapping.attributes, {
      aud: world.client,
      'cognito:username': name,
      email: `${name}@example.com`,
      'custom:department': department,
      'custom:tier': tier,
    });
    const skipped = explained.mapping.skipped.find((s) => s.claim === 'email_verified');
    assert.equal(skipped.mismatch, true, 'the string "true" does not fit Bool');
    for (const claim of ['sub', 'iss', 'token_use', 'auth_time', 'iat', 'exp', 'jti', 'origin_jti']) {
      assert.ok(
        explained.mapping.skipped.some((s) => s.claim === claim && !s.mismatch),
        `${claim}: not declared, left out`,
      );
    }

    const decide = (route) => authorizer.isAuthorizedWithToken({ identityToken: id, action: action(route), resource: app });
    const admin = await decide('get /admin');
    assert.deepEqual(admin.principal, { entityType: 'Shop::User', entityId: `${world.pool}|${sub}` });
    assert.equal(admin.decision, groups.includes('admins') ? 'ALLOW' : 'DENY', name);
    assert.equal((await decide('get /orders')).decision, groups.includes('staff') || groups.includes('admins') ? 'ALLOW' : 'DENY', name);
    const reports = await decide('get /reports');
    assert.equal(reports.decision, name === 'bob' || name === 'alice' ? 'ALLOW' : 'DENY', `${name}: custom attributes`);
    if (name === 'bob') assert.deepEqual(reports.determiningPolicies, [{ policyId: 'finance-reports' }]);
    assert.ok(reports.warnings.some((w) => w.code === 'mapping.claim_skipped' && /email_verified/.test(w.errorDescription)));
    // No context.token from an ID token alone.
    const profile = await decide('get /profile');
    assert.equal(profile.decision, name === 'alice' ? 'ALLOW' : 'DENY', name);
  }
});

test('access tokens map to the same principal and groups, no attributes, and context.token', async () => {
  const { id, access } = world.tokens.bob;
  const authorizer = await Authorizer.load(world.store, at(access));
  await authorizer.prefetchKeys();
  const explained = await authorizer.explainToken(access, 'access');
  assert.equal(explained.verified, true, JSON.stringify(explained));
  const sub = claimsOf(access).sub;
  assert.deepEqual(explained.mapping.principal, { type: 'Shop::User', id: `${world.pool}|${sub}` });
  assert.deepEqual(explained.mapping.groups.map((g) => g.id).sort(), [`${world.pool}|finance`, `${world.pool}|staff`]);
  assert.deepEqual(explained.mapping.attributes, {});

  const decide = (tokens, route) => authorizer.isAuthorizedWithToken({ ...tokens, action: action(route), resource: app });
  const profile = await decide({ accessToken: access }, 'get /profile');
  assert.equal(profile.decision, 'ALLOW', JSON.stringify(profile));
  assert.deepEqual(profile.determiningPolicies, [{ policyId: 'signed-in-profile' }]);
  assert.equal((await decide({ accessToken: access }, 'get /orders')).decision, 'ALLOW', 'groups from the access token');
  assert.equal((await decide({ accessToken: access }, 'get /reports')).decision, 'DENY', 'no attributes from an access token');
  // Both tokens: attributes from the ID token, context.token from the access token.
  const both = { identityToken: id, accessToken: access };
  assert.equal((await decide(both, 'get /reports')).decision, 'ALLOW');
  assert.equal((await decide(both, 'get /profile')).decision, 'ALLOW');
  // Tokens of two users together are refused.
  const mixed = await decide({ identityToken: world.tokens.carol.id, accessToken: access }, 'get /orders');
  assert.equal(mixed.decision, 'DENY');
  assert.equal(mixed.errors[0].code, 'token.principal_mismatch');
});

test('token_use, client id, issuer and expiry are checked on moto tokens as on Cognito tokens', async () => {
  const { id, access } = world.tokens.alice;
  const authorizer = await Authorizer.load(world.store, at(id));
  const code = async (tokens) =>
    (await authorizer.isAuthorizedWithToken({ ...tokens, action: action('get /admin'), resource: app })).errors[0]?.code;
  assert.equal(await code({ identityToken: access }), 'token.wrong_use');
  assert.equal(await code({ accessToken: id }), 'token.wrong_use');
  assert.equal(await code({ identityToken: id }), undefined);

  // Another app client of the same pool: its ID token's aud and its access token's client_id are refused.
  const other = world.tokens.carolOtherApp;
  assert.equal(claimsOf(other.id).aud, world.otherClient);
  assert.equal(await code({ identityToken: other.id }), 'token.wrong_audience');
  assert.equal(await code({ accessToken: other.access }), 'token.wrong_audience');
  // With no client ids configured, any app client of the pool is accepted (with the load-time warning).
  const warnings = [];
  const anyClient = await Authorizer.load(writeStore(world.pool, []), { ...at(id), onWarning: (w) => warnings.push(w) });
  const accepted = await anyClient.isAuthorizedWithToken({ identityToken: other.id, action: action('get /orders'), resource: app });
  assert.equal(accepted.errors.length, 0, JSON.stringify(accepted));
  assert.ok(warnings.length > 0);

  // Another pool on the same moto signs with the same key: only `iss` tells them apart, and it does.
  const pool2 = (await cognito.send(new CreateUserPoolCommand({ PoolName: 'elsewhere' }))).UserPool.Id;
  const client2 = (
    await cognito.send(
      new CreateUserPoolClientCommand({ UserPoolId: pool2, ClientName: 'x', ExplicitAuthFlows: ['ALLOW_USER_PASSWORD_AUTH'] }),
    )
  ).UserPoolClient.ClientId;
  await cognito.send(new AdminCreateUserCommand({ UserPoolId: pool2, Username: 'alice', MessageAction: 'SUPPRESS' }));
  await cognito.send(new AdminSetUserPasswordCommand({ UserPoolId: pool2, Username: 'alice', Password: PASSWORD, Permanent: true }));
  const foreign = await cognito.send(
    new InitiateAuthCommand({ ClientId: client2, AuthFlow: 'USER_PASSWORD_AUTH', AuthParameters: { USERNAME: 'alice', PASSWORD } }),
  );
  assert.deepEqual(headerOf(foreign.AuthenticationResult.IdToken), headerOf(id), 'same key');
  assert.equal(await code({ identityToken: foreign.AuthenticationResult.IdToken }), 'token.wrong_issuer');

  // An hour and a bit after `iat`: expired.
  const later = await Authorizer.load(world.store, { ...at(id), clock: () => (claimsOf(id).exp + 600) * 1000 });
  const expired = await later.isAuthorizedWithToken({ identityToken: id, action: action('get /admin'), resource: app });
  assert.equal(expired.errors[0].code, 'token.expired');
});

test('every AWS handler: the same principal and decisions for moto tokens', async () => {
  const { id } = world.tokens.bob;
  const sub = claimsOf(id).sub;
  const principal = `Shop::User::"${world.pool}|${sub}"`;
  const options = { bundle: world.store, ...at(id), logger: () => {} };
  const rest = createRestApiAuthorizer(options);
  const httpApi = createHttpApiAuthorizer(options);
  // Lambda@Edge has no environment: the keys ship with it, fetched here from moto's endpoint.
  const jwks = await (await fetch(world.jwksUrl)).json();
  const edge = createEdgeViewerRequestHandler({
    bundle: world.store,
    jwks: { [world.issuer]: jwks },
    fetchKeys: false,
    clock: options.clock,
    logger: () => {},
    principalHeader: 'x-principal',
  });
  const arn = (p) => `arn:aws:execute-api:${REGION}:123456789012:abcdef123/prod/GET${p}`;
  const expected = { '/admin': false, '/orders': true, '/reports': true, '/profile': false };
  for (const [p, allowed] of Object.entries(expected)) {
    const viaToken = await rest({ type: 'TOKEN', authorizationToken: `Bearer ${id}`, methodArn: arn(p) });
    assert.equal(viaToken.principalId, principal);
    assert.equal(viaToken.policyDocument.Statement[0].Effect, allowed ? 'Allow' : 'Deny', `TOKEN ${p}`);
    const viaRequest = await rest({
      type: 'REQUEST',
      methodArn: arn(p),
      resource: p,
      path: p,
      httpMethod: 'GET',
      headers: { Authorization: `Bearer ${id}` },
      requestContext: { identity: { sourceIp: '203.0.113.9' } },
    });
    assert.equal(viaRequest.principalId, principal);
    assert.equal(viaRequest.policyDocument.Statement[0].Effect, allowed ? 'Allow' : 'Deny', `REQUEST ${p}`);
    const http = await httpApi({
      version: '2.0',
      type: 'REQUEST',
      routeKey: `GET ${p}`,
      rawPath: p,
      identitySource: [`Bearer ${id}`],
      headers: { authorization: `Bearer ${id}` },
      requestContext: { http: { method: 'GET', path: p, sourceIp: '203.0.113.9' } },
    });
    assert.equal(http.isAuthorized, allowed, `HTTP API ${p}`);
    assert.equal(http.context.principalId, `${world.pool}|${sub}`);
    const e = await edge({
      Records: [
        {
          cf: {
            config: {},
            request: {
              clientIp: '203.0.113.9',
              method: 'GET',
              uri: p,
              querystring: '',
              headers: { authorization: [{ key: 'Authorization', value: `Bearer ${id}` }] },
            },
          },
        },
      ],
    });
    if (allowed) assert.deepEqual(e.headers['x-principal'], [{ key: 'x-principal', value: principal }], `edge ${p}`);
    else assert.equal(e.status, '403', `edge ${p}`);
  }
  // The access token through a handler: context.token reaches the policy.
  const { access } = world.tokens.bob;
  const profile = await createRestApiAuthorizer({ ...options, tokenKind: 'access' })({
    type: 'TOKEN',
    authorizationToken: `Bearer ${access}`,
    methodArn: arn('/profile'),
  });
  assert.equal(profile.policyDocument.Statement[0].Effect, 'Allow');
  assert.equal(profile.context.determiningPolicies, 'signed-in-profile');
  // A token of another app client of the pool: 401 from the API Gateway handlers, 401 at the edge.
  const foreign = world.tokens.carolOtherApp.id;
  await assert.rejects(rest({ type: 'TOKEN', authorizationToken: `Bearer ${foreign}`, methodArn: arn('/orders') }), {
    message: 'Unauthorized',
  });
  await assert.rejects(
    httpApi({
      version: '2.0',
      type: 'REQUEST',
      routeKey: 'GET /orders',
      rawPath: '/orders',
      identitySource: [`Bearer ${foreign}`],
      headers: {},
      requestContext: { http: { method: 'GET', path: '/orders' } },
    }),
    { message: 'Unauthorized' },
  );
  const edgeForeign = await edge({
    Records: [
      {
        cf: {
          config: {},
          request: {
            method: 'GET',
            uri: '/orders',
            querystring: '',
            headers: { authorization: [{ key: 'Authorization', value: `Bearer ${foreign}` }] },
          },
        },
      },
    ],
  });
  assert.equal(edgeForeign.status, '401');
});

test('the Verified Permissions endpoint: moto tokens through the SDK get exactly the in-process answers', async () => {
  const actions = ['get /admin', 'get /orders', 'get /reports', 'get /profile'];
  let compared = 0;
  for (const user of ['alice', 'bob', 'carol']) {
    for (const field of ['identityToken', 'accessToken']) {
      const token = field === 'identityToken' ? world.tokens[user].id : world.tokens[user].access;
      const authorizer = await Authorizer.load(world.store, at(token));
      const endpoint = createVerifiedPermissionsServer(authorizer, { policyStoreId: 'PSmotoShopStore', port: 0, logger: false });
      const { url } = await endpoint.listen();
      try {
        const vp = new VerifiedPermissionsClient({ endpoint: url, region: REGION, credentials, maxAttempts: 1 });
        for (const actionId of actions) {
          const input = { [field]: token, action: action(actionId), resource: app };
          const { $metadata: _m, ...viaSdk } = await vp.send(
            new IsAuthorizedWithTokenCommand({ policyStoreId: 'PSmotoShopStore', ...input }),
          );
          const local = await authorizer.isAuthorizedWithToken(input);
          assert.deepEqual(viaSdk, {
            decision: local.decision,
            determiningPolicies: local.determiningPolicies,
            errors: local.errors.map(({ errorDescription }) => ({ errorDescription })),
            principal: local.principal,
          });
          compared += 1;
        }
        const batch = await vp.send(
          new BatchIsAuthorizedWithTokenCommand({
            policyStoreId: 'PSmotoShopStore',
            [field]: token,
            requests: actions.map((a) => ({ action: action(a), resource: app })),
          }),
        );
        const local = await authorizer.batchIsAuthorizedWithToken({
          [field]: token,
          requests: actions.map((a) => ({ action: action(a), resource: app })),
        });
        assert.deepEqual(
          batch.results.map((r) => r.decision),
          local.results.map((r) => r.decision),
        );
        assert.deepEqual(batch.principal, local.principal);
      } finally {
        await endpoint.close();
      }
    }
  }
  assert.equal(compared, 24);
});
