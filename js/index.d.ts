// Types for cedar-authorizer. Request and response shapes are Amazon Verified Permissions' own
// (IsAuthorized, BatchIsAuthorized), so code written against the AWS SDK ports by changing one call.

/** Verified Permissions' `EntityIdentifier`. */
export interface EntityIdentifier {
  entityType: string;
  entityId: string;
}

/** Verified Permissions' `ActionIdentifier`. */
export interface ActionIdentifier {
  actionType: string;
  actionId: string;
}

/** Cedar's own entity reference. */
export interface CedarEntityUid {
  type: string;
  id: string;
}

/** An entity written any way: Verified Permissions', Cedar's, or Cedar syntax (`App::User::"alice"`). */
export type EntityReference = EntityIdentifier | CedarEntityUid | { __entity: CedarEntityUid } | string;
export type ActionReference = ActionIdentifier | CedarEntityUid | string;

/** Verified Permissions' typed `AttributeValue`: exactly one member. */
export type AttributeValue =
  | { string: string }
  | { long: number }
  | { boolean: boolean }
  | { entityIdentifier: EntityIdentifier }
  | { set: AttributeValue[] }
  | { record: Record<string, AttributeValue> }
  | { ipaddr: string }
  | { decimal: string }
  | { datetime: string }
  | { duration: string };

/** A value in Cedar's JSON form (`{"__entity": ...}`, `{"__extn": ...}` escapes, or schema-typed plain values). */
export type CedarJsonValue = string | number | boolean | null | CedarJsonValue[] | { [key: string]: CedarJsonValue };

/** A request's context: Verified Permissions' `contextMap` or `cedarJson`, or a plain Cedar JSON object. */
export type ContextDefinition =
  | { contextMap: Record<string, AttributeValue> }
  | { cedarJson: string }
  | Record<string, CedarJsonValue>;

/** Verified Permissions' `EntityItem`. */
export interface EntityItem {
  identifier: EntityIdentifier;
  attributes?: Record<string, AttributeValue>;
  parents?: EntityIdentifier[];
  tags?: Record<string, AttributeValue>;
}

/** An entity in Cedar's entity JSON form. */
export interface CedarEntity {
  uid: CedarEntityUid;
  attrs?: Record<string, CedarJsonValue>;
  parents?: CedarEntityUid[];
  tags?: Record<string, CedarJsonValue>;
}

/** Request entities: Verified Permissions' `entityList` or `cedarJson`, or a list in either form. */
export type EntitiesDefinition =
  | { entityList: Array<EntityItem | CedarEntity> }
  | { cedarJson: string }
  | Array<EntityItem | CedarEntity>;

export interface IsAuthorizedInput {
  /** Accepted for compatibility; ignored. */
  policyStoreId?: string;
  principal: EntityReference;
  action: ActionReference;
  resource: EntityReference;
  context?: ContextDefinition;
  entities?: EntitiesDefinition;
}

export type Decision = 'ALLOW' | 'DENY';

/** Stable error codes shared by the Rust core and the JavaScript shim. */
export type ErrorCode =
  | 'request.malformed'
  | 'request.invalid'
  | 'request.invalid_context'
  | 'request.invalid_entities'
  | 'request.entity_conflict'
  | 'policy.evaluation_error'
  | 'internal.error'
  | 'token.missing'
  | 'token.malformed'
  | 'token.too_large'
  | 'token.encrypted'
  | 'token.unsupported_algorithm'
  | 'token.crit_header'
  | 'token.embedded_key'
  | 'token.wrong_issuer'
  | 'token.algorithm_mismatch'
  | 'token.bad_signature'
  | 'token.expired'
  | 'token.not_yet_valid'
  | 'token.issued_in_future'
  | 'token.wrong_use'
  | 'token.wrong_audience'
  | 'token.invalid_claim'
  | 'token.principal_mismatch'
  | 'jwks.no_matching_key'
  | 'jwks.unavailable'
  | 'mapping.missing_claim'
  | 'mapping.invalid'
  | 'route.not_found'
  | 'route.missing_value'
  | (string & {});

/** Verified Permissions' `EvaluationErrorItem`, plus a stable `code` and the policy at fault. */
export interface EvaluationErrorItem {
  errorDescription: string;
  code: ErrorCode;
  policyId?: string;
  /** For `jwks.*` codes: the issuer whose keys were missing. */
  issuer?: string;
}

export interface DeterminingPolicyItem {
  policyId: string;
}

export interface IsAuthorizedOutput {
  decision: Decision;
  determiningPolicies: DeterminingPolicyItem[];
  errors: EvaluationErrorItem[];
}

export interface BatchIsAuthorizedInputItem {
  principal: EntityReference;
  action: ActionReference;
  resource: EntityReference;
  context?: ContextDefinition;
  /** Entities for this request only, added to the batch's. */
  entities?: EntitiesDefinition;
}

export interface BatchIsAuthorizedInput {
  policyStoreId?: string;
  requests: BatchIsAuthorizedInputItem[];
  entities?: EntitiesDefinition;
}

export interface BatchIsAuthorizedOutputItem extends IsAuthorizedOutput {
  request: BatchIsAuthorizedInputItem;
}

export interface BatchIsAuthorizedOutput {
  results: BatchIsAuthorizedOutputItem[];
}

export interface Position {
  line: number;
  column: number;
}

/** One problem in a policy store. */
export interface Diagnostic {
  severity: 'error' | 'warning';
  /** Stable: `policy.parse`, `policy.validation`, `schema.parse`, `store.json`, `links.invalid`, ... */
  code: string;
  message: string;
  help?: string;
  file?: string;
  policyId?: string;
  offset?: number;
  length?: number;
  start?: Position;
  end?: Position;
}

/** Where a policy came from. */
export interface PolicyEntry {
  id: string;
  kind: 'static' | 'template' | 'link';
  effect: 'permit' | 'forbid';
  file: string;
  templateId?: string;
  offset?: number;
  length?: number;
  start?: Position;
  end?: Position;
}

/** Store files: path relative to the store's root, and text. */
export type StoreFiles = Record<string, string>;

/** A built bundle. Treat it as opaque apart from `hash` and `policies`. */
export interface Bundle {
  format: 'cedar-authorizer/bundle';
  formatVersion: number;
  hash: string;
  policies: PolicyEntry[];
  [key: string]: unknown;
}

/** A compiled bundle: the store in Cedar's JSON forms, for the Lambda@Edge build. */
export interface CompiledBundle {
  format: 'cedar-authorizer/compiled-bundle';
  formatVersion: number;
  hash: string;
  sourceHash: string;
  policies: PolicyEntry[];
  [key: string]: unknown;
}

/** A store folder or bundle file path (Node), a bundle or compiled bundle object or its JSON text, or store files. */
export type StoreSource = string | Bundle | CompiledBundle | { files: StoreFiles } | URL;

export interface PolicyTestCaseResult {
  file: string;
  name: string;
  passed: boolean;
  request: IsAuthorizedInput;
  expect: { decision: Decision; determiningPolicies?: string[]; errors?: string[] };
  actual: IsAuthorizedOutput;
  differences: string[];
}

export interface PolicyTestReport {
  cases: PolicyTestCaseResult[];
  passed: number;
  failed: number;
  diagnostics: Diagnostic[];
  /** The report as text, as `cedar-authorizer test` prints it. */
  readonly text: string;
}

/** Verified Permissions' IsAuthorizedWithToken input: one or both tokens of the same user; no principal. */
export interface IsAuthorizedWithTokenInput {
  policyStoreId?: string;
  identityToken?: string;
  accessToken?: string;
  action: ActionReference;
  resource: EntityReference;
  context?: ContextDefinition;
  /** May not include entities of the identity source's principal or group types. */
  entities?: EntitiesDefinition;
}

export interface IsAuthorizedWithTokenOutput extends IsAuthorizedOutput {
  /** The principal the token maps to (absent when the token could not be read). */
  principal?: EntityIdentifier;
  /** Not in Verified Permissions' shape: claims left out because their values did not fit the schema. */
  warnings?: EvaluationErrorItem[];
}

export interface BatchIsAuthorizedWithTokenInput {
  policyStoreId?: string;
  identityToken?: string;
  accessToken?: string;
  requests: Array<{ action: ActionReference; resource: EntityReference; context?: ContextDefinition }>;
  entities?: EntitiesDefinition;
}

export interface BatchIsAuthorizedWithTokenOutput {
  results: Array<IsAuthorizedWithTokenOutput & { request: BatchIsAuthorizedWithTokenInput['requests'][number] }>;
}

/** A JSON Web Key Set. */
export interface Jwks {
  keys: Array<Record<string, unknown>>;
}

export interface LoadOptions {
  /** Key sets given up front, by issuer: never fetched (Lambda@Edge). */
  jwks?: Record<string, Jwks>;
  /** Where to fetch an issuer's JWKS, overriding Cognito's well-known URL or OIDC discovery. */
  jwksUris?: Record<string, string>;
  /** The fetch to use (default: the global one). */
  fetch?: (url: string, init?: { signal?: AbortSignal; headers?: Record<string, string> }) => Promise<Response>;
  /** false: never fetch keys; only `jwks` is used. Default true. */
  fetchKeys?: boolean;
  /** The clock, in milliseconds since the epoch (default Date.now). */
  clock?: () => number;
  /** Longest a key fetch may take. Default 3000. */
  jwksTimeoutMs?: number;
  /** Least time between fetches for unknown `kid`s or after a failure. Default 30000. */
  jwksCooldownMs?: number;
  /** How long keys are fresh without a Cache-Control max-age. Default 3600000. */
  jwksMaxAgeMs?: number;
  /** How long the last good keys are kept while the endpoint fails. Default 86400000. */
  jwksMaxStaleMs?: number;
  /**
   * Answers of `isAuthorizedWithToken` remembered for repeated identical requests of a verified token,
   * never past its expiry, cleared when keys change; `false` to turn off. Default `{ maxEntries: 2000, ttlMs: 300000 }`.
   */
  decisionCache?: false | { maxEntries?: number; ttlMs?: number };
}

export interface TokenExplanation {
  header?: Record<string, unknown>;
  claims?: Record<string, unknown>;
  verified: boolean;
  error?: { code: string; message: string; issuer?: string };
  /** What the claims map to (also when the token did not verify: what it would map to). */
  mapping?: {
    principal: CedarEntityUid;
    groups: CedarEntityUid[];
    attributes: Record<string, CedarJsonValue>;
    accessClaims?: Record<string, unknown>;
    skipped: Array<{ claim: string; reason: string; mismatch: boolean }>;
  };
  entities?: CedarEntity[];
  mappingError?: { code: string; message: string };
}

export interface HttpAuthorizationInput {
  /** The bearer token. */
  token?: string;
  tokenKind?: 'auto' | 'identity' | 'access';
  http: {
    method: string;
    path: string;
    /** The route key or resource template API Gateway matched, when the event has one. */
    routeKey?: string;
    pathParameters?: Record<string, string>;
    query?: Record<string, string>;
    headers?: Record<string, string>;
    sourceIp?: string;
  };
  /** Added to the route's context. */
  context?: Record<string, CedarJsonValue>;
  entities?: EntitiesDefinition;
  /** Also decide every route that does not depend on the request. */
  allRoutes?: boolean;
}

export interface RouteMatch {
  routeKey: string;
  action: CedarEntityUid;
  resource: CedarEntityUid;
  context: Record<string, CedarJsonValue>;
}

export interface RouteEntry {
  routeKey: string;
  method: string;
  path: string;
  action: CedarEntityUid;
  resource: { type: string; id: string };
  context: Record<string, CedarJsonValue>;
  dependsOnRequest: boolean;
}

export interface HttpAuthorizationOutput extends IsAuthorizedWithTokenOutput {
  /** False when the token was missing or did not verify (a 401 rather than a 403). */
  authenticated: boolean;
  route?: RouteMatch;
  routes?: Array<{ routeKey: string; method: string; arnPath: string; decision: Decision }>;
}

export class AuthorizerLoadError extends Error {
  readonly name: 'AuthorizerLoadError';
  /** `store.invalid`, `store.not_found`, `bundle.invalid`, `bundle.format`, `bundle.hash_mismatch`. */
  readonly code: string;
  readonly diagnostics: Diagnostic[];
}

export class Authorizer {
  private constructor();
  /** Loads a store or bundle once: parsing, validation and indexing happen here. */
  static load(source: StoreSource, options?: LoadOptions): Promise<Authorizer>;
  /** `load` for sources that need no asynchronous I/O. */
  static loadSync(source: StoreSource, options?: LoadOptions): Authorizer;
  /** The bundle's content hash, `sha256:<hex>`. */
  readonly hash: string;
  readonly policies: PolicyEntry[];
  /** Never throws: every failure is a DENY with an error code. */
  isAuthorized(input: IsAuthorizedInput): IsAuthorizedOutput;
  batchIsAuthorized(input: BatchIsAuthorizedInput): BatchIsAuthorizedOutput;
  /** Verifies the token(s), maps them to the principal, and decides. Never rejects: failures are DENY with a code. */
  isAuthorizedWithToken(input: IsAuthorizedWithTokenInput): Promise<IsAuthorizedWithTokenOutput>;
  batchIsAuthorizedWithToken(input: BatchIsAuthorizedWithTokenInput): Promise<BatchIsAuthorizedWithTokenOutput>;
  /** Fetches every issuer's keys now: issuer to `'ok'` or the reason it failed. */
  prefetchKeys(): Promise<Record<string, string>>;
  /** Imports an issuer's key set. */
  setJwks(issuer: string, jwks: Jwks | string): { type: 'success'; issuer: string; keys: string[]; skipped: string[] } | { type: 'failure'; error: string };
  readonly issuers: Array<{ issuer: string; jwksUri?: string; discoveryUri?: string; hasKeys: boolean }>;
  explainToken(token: string, kind?: 'identity' | 'access'): TokenExplanation;
  readonly stats: {
    /** Verified tokens' mapped identities. */
    tokenCache: { hits: number; misses: number; entries: number };
    /** The store's entities merged with a request's `entities`, by the exact list. */
    entityCache: { hits: number; misses: number; entries: number };
    /** Answers to repeated requests with the same verified token. */
    answerCache: { hits: number; misses: number; entries: number } | null;
    jwksFetches: number;
    /** wasm instances replaced after a trap. */
    instancesReplaced: number;
    /** The module this authorizer runs on: `runtime` (compiled bundles, in Node) or `full`. */
    module: 'full' | 'runtime';
  };
  /** An HTTP request through its route (what the AWS handlers call). Never rejects. */
  authorizeHttp(input: HttpAuthorizationInput): Promise<HttpAuthorizationOutput>;
  /** Verifies the token and routes the request without deciding. */
  prepareHttp(input: HttpAuthorizationInput): Promise<{ authenticated: boolean; tokenDigest?: string; validUntil?: number; principal?: EntityIdentifier; route?: RouteMatch; error?: EvaluationErrorItem }>;
  /** The store's routes. */
  readonly routes: RouteEntry[];
  /** Calls `listener(issuer)` when an issuer's keys change. */
  onKeysChanged(listener: (issuer: string) => void): void;
  runTests(files?: StoreFiles): PolicyTestReport;
}

export function buildBundle(files: StoreFiles): { bundle?: Bundle; diagnostics: Diagnostic[] };
/** A bundle compiled for Lambda@Edge (Cedar policy set and schema JSON; no text parsing when loaded). */
export function compileBundle(bundle: Bundle | string): CompiledBundle;
export function checkStore(files: StoreFiles): Diagnostic[];
export function renderDiagnostics(diagnostics: Diagnostic[], files?: StoreFiles): string;
/** Node only: reads a store folder into store files. */
export function readStoreFolder(dir: string): StoreFiles;
/** Browser only: compiles the wasm module (from a URL or bytes; by default the file beside the module). */
export function initialize(source?: string | URL | BufferSource | WebAssembly.Module): Promise<void>;
export const BUNDLE_FORMAT: 'cedar-authorizer/bundle';
export const COMPILED_FORMAT: 'cedar-authorizer/compiled-bundle';
