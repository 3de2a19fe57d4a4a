// Compiled by `tsc --noEmit` in `make test`: the published types accept what the docs show and reject
// what they should (each @ts-expect-error fails the build if the line type-checks).
import {
  Authorizer,
  AuthorizerLoadError,
  buildBundle,
  type AttributeValue,
  type IsAuthorizedInput,
  type IsAuthorizedOutput,
  type BatchIsAuthorizedOutput,
} from 'cedar-authorizer';

import { createRestApiAuthorizer } from 'cedar-authorizer/aws';
const authorizer: Authorizer = await Authorizer.load('policies/rides');
const input: IsAuthorizedInput = {
  principal: { entityType: 'Rides::CognitoUser', entityId: 'us-east-1_DemoPool1|abc' },
  action: { actionType: 'Rides::Action', actionId: 'get /riders' },
  resource: { entityType: 'Rides::Application', entityId: 'Rides' },
  context: { contextMap: { ip: { ipaddr: '10.0.0.1' }, tags: { set: [{ string: 'a' }] } } },
  entities: { entityList: [{ identifier: { entityType: 'Rides::CognitoUser', entityId: 'x' }, parents: [] }] },
};
const answer: IsAuthorizedOutput = authorizer.isAuthorized(input);
const decision: 'ALLOW' | 'DENY' = answer.decision;
const ids: string[] = answer.determiningPolicies.map((p) => p.policyId);
const codes: string[] = answer.errors.map((e) => e.code + e.errorDescription);
const batch: BatchIsAuthorizedOutput = authorizer.batchIsAuthorized({ requests: [input], entities: [] });
const echoed: unknown = batch.results[0].request;
const hash: string = authorizer.hash;
const built = buildBundle({ 'schema.cedarschema': '' });
const maybeHash: string | undefined = built.bundle?.hash;
try {
  Authorizer.loadSync({ files: {} });
} catch (e) {
  if (e instanceof AuthorizerLoadError) {
    const lines: number[] = e.diagnostics.map((d) => d.start?.line ?? 0);
    void lines;
  }
}

const withToken = await authorizer.isAuthorizedWithToken({ identityToken: 'a.b.c', action: input.action, resource: input.resource });
const tokenPrincipal: string | undefined = withToken.principal?.entityId;
const loaded = await Authorizer.load({ files: {} }, { jwks: { 'https://issuer.example': { keys: [] } }, fetchKeys: false, clock: () => 0 });
const explained: boolean = loaded.explainToken('a.b.c').verified;
void [tokenPrincipal, explained];
const withPrincipal: import('cedar-authorizer').IsAuthorizedWithTokenInput = {
  // @ts-expect-error a token request takes no principal
  principal: 'A::"a"',
  identityToken: 'x',
  action: 'A::Action::"b"',
  resource: 'A::"c"',
};
void withPrincipal;

// @ts-expect-error the decision is not a boolean
const wrong: boolean = answer.decision;
// @ts-expect-error a typed value has one known member
const badValue: AttributeValue = { float: 1.5 };
// @ts-expect-error an entity item needs a whole identifier
const badEntities: IsAuthorizedInput = { ...input, entities: { entityList: [{ identifier: { entityType: 'A' } }] } };
// @ts-expect-error action is required
const noAction: IsAuthorizedInput = { principal: 'A::"b"', resource: 'A::"c"' };

void [decision, ids, codes, echoed, hash, maybeHash, wrong, badValue, badEntities, noAction];

// Live sources: an S3 object with the zip's bundle as fallback; status() and refresh().
async function live(): Promise<void> {
  const authorizer = await Authorizer.load(
    { s3: { bucket: 'b', key: 'k' } },
    { fallback: './bundle.json', trustedKeys: { keys: [] }, refreshSeconds: 30, maxStaleSeconds: 600 },
  );
  const status = authorizer.status();
  const revision: number | null = status.revision;
  const outcome: 'changed' | 'unchanged' | 'failed' = (await authorizer.refresh()).outcome;
  const handler = createRestApiAuthorizer({ bundle: 'https://example.com/bundle.json', fallback: './bundle.json' });
  const failures: number | undefined = handler.authorizer.status().consecutiveFailures;
  // @ts-expect-error an S3 source needs a key
  await Authorizer.load({ s3: { bucket: 'b' } });
  void [revision, outcome, failures];
}
void live;

// Operations: a structured logger, redaction, EMF metrics, the health answer and the status it carries.
function operations(): void {
  const logger = { info: (message: string, attributes: Record<string, unknown>) => void [message, attributes] };
  const handler = createRestApiAuthorizer({
    bundle: './bundle.json',
    logger,
    logFormat: 'ocsf',
    redact: ['sourceIp', { field: 'principal', as: 'hash' }],
    sampleAllows: 0.1,
    metrics: true,
  });
  const healthy: boolean = handler.health().healthy;
  const age: number | null = handler.authorizer.status().bundleAgeSeconds;
  const keyState: 'fresh' | 'stale' | 'dead' | 'none' | undefined = handler.authorizer.status().keys[0]?.state;
  const text: string = handler.metrics.prometheusText();
  handler.authorizer.onEvent((event) => void (event.type === 'keys' ? event.issuer : event.outcome));
  // @ts-expect-error a record has no field `token`: the token is never logged
  createRestApiAuthorizer({ bundle: './bundle.json', redact: ['token'] });
  void [healthy, age, keyState, text];
}
void operations;

// The Verified Permissions endpoint: a server over an authorizer, and the Lambda handler.
async function endpoint() {
  const { createVerifiedPermissionsServer } = await import('cedar-authorizer');
  const { createVerifiedPermissionsHandler } = await import('cedar-authorizer/aws');
  const server = createVerifiedPermissionsServer(authorizer, { policyStoreId: 'PSEXAMPLEabcdefg111111', port: 0 });
  const { url }: { url: string } = await server.listen();
  await server.close();
  const handler = createVerifiedPermissionsHandler({
    bundle: './bundle.json',
    policyStoreId: 'PSEXAMPLEabcdefg111111',
    credentials: [{ accessKeyId: 'AKIAEXAMPLE000000000', secretAccessKey: 'secret-secret-secret' }],
  });
  const status: number = (await handler({})).statusCode;
  // @ts-expect-error the policy store id callers send is required
  createVerifiedPermissionsHandler({ bundle: './bundle.json', allowUnauthenticated: true });
  void [url, status];
}
void endpoint;

// allowedActions: the actions a principal may take on a resource.
async function allowed() {
  const answer = await authorizer.allowedActions({
    principal: { entityType: 'Rides::CognitoUser', entityId: 'u' },
    resource: { entityType: 'Rides::Application', entityId: 'Rides' },
  });
  const ids: string[] = answer.actions.filter((a) => a.decision === 'ALLOW').map((a) => a.action.actionId);
  // @ts-expect-error the resource is required
  await authorizer.allowedActions({ identityToken: 'a.b.c' });
  void ids;
}
void allowed;
