// Types for cedar-authorizer. The shapes of requests, answers, errors, bundles and reports are generated
// from the Rust types (./types/wasm.d.ts); this file declares only the JavaScript API over them.
// Request and answer shapes are Amazon Verified Permissions' own (IsAuthorized, BatchIsAuthorized and
// their WithToken twins), so code written against the AWS SDK ports by changing one call.
import type * as wasm from './types/wasm';

export type {
  ActionReference,
  AttributeValue,
  AuthorizerConfig,
  BatchIsAuthorizedInput,
  BatchIsAuthorizedWithTokenInput,
  Bundle,
  CachePolicy,
  CompiledBundle,
  ContextInput,
  Decision,
  EntitiesInput,
  EntityItem,
  EntityReference,
  HttpInput,
  IsAuthorizedInput,
  IsAuthorizedWithTokenInput,
  KeysImported,
  PolicyEntry,
  Position,
  RouteInfo,
  RouteMatch,
  TestReport,
  TokenExplanation,
  Value,
} from './types/wasm';

/** Every stable error code (generated from the Rust list). */
export type ErrorCode = wasm.Code;
/** The one error record: a DENY's reason, a refused token, a diagnostic of a store (with its place). */
export type DetailedError = wasm.Error;
/** One problem of a policy store: an error or a warning, with its file, line and column. */
export type Diagnostic = wasm.Error;

/** Verified Permissions' IsAuthorized output, plus `principal` and `warnings` for token requests. */
export type IsAuthorizedOutput = wasm.Answer;
export type BatchIsAuthorizedOutput = wasm.BatchAnswer;
export type IsAuthorizedWithTokenOutput = wasm.Answer;
/** With the principal the token maps to, once (as Verified Permissions answers), when the token verified. */
export type BatchIsAuthorizedWithTokenOutput = wasm.BatchAnswer & { principal?: { entityType: string; entityId: string } };
/** An HTTP request's answer: the decision, `authenticated` (false: a 401), the normal `path`, the route, `validUntil` (seconds: when the verified token stops being accepted), and with `allRoutes` the `cachePolicy`. */
export type HttpAuthorizationOutput = wasm.HttpAnswer;
export type HttpAuthorizationInput = wasm.HttpInput;

/** Store files: path relative to the store's root, and text. */
export type StoreFiles = Record<string, string>;

/**
 * Node: a live source, read again while the authorizer runs: an S3 object (`s3://bucket/key`), an HTTPS URL
 * (a signed bundle), or a Verified Permissions policy store.
 */
export type LiveSource =
  | { s3: { bucket: string; key: string; region?: string; endpoint?: string; forcePathStyle?: boolean; client?: unknown } }
  | { url: string | URL; ca?: string | Buffer | Array<string | Buffer>; headers?: Record<string, string> }
  | {
      verifiedPermissions: {
        policyStoreId: string;
        region?: string;
        endpoint?: string;
        client?: unknown;
        /** authorizer.json (an object or its file) for the routes; default: the fallback's. */
        authorizer?: string | Record<string, unknown>;
        /** Static entities (a list or its file); default: the fallback's. */
        entities?: string | unknown[];
      };
    };

/** A store folder or bundle file path (Node), a bundle or compiled bundle or its JSON text, store files, a live source (Node), or a URL (browser). */
export type StoreSource = string | wasm.Bundle | wasm.CompiledBundle | { files: StoreFiles } | URL | LiveSource;

/** Where the bundle came from and how its refreshes go (`authorizer.status()`). */
export interface BundleStatus {
  /** The file, `bundle`, `files`, or the live source's label (`s3://...`, the URL, `verifiedpermissions:<id>`). */
  source: string;
  kind: 'static' | 's3' | 'https' | 'verified-permissions';
  hash: string;
  /** The signed revision, or null for an unsigned bundle. */
  revision: number | null;
  signedAt: string | null;
  module: 'full' | 'runtime';
  /** Live sources only: */
  origin?: 'source' | 'fallback' | null;
  loadedAt?: string | null;
  lastCheck?: { at: string | null; outcome: 'changed' | 'unchanged' | 'failed'; how: string } | null;
  lastSuccessAt?: string | null;
  lastError?: { code: ErrorCode; message: string; at: string | null } | null;
  consecutiveFailures?: number;
  checks?: number;
  swaps?: number;
  nextCheckAt?: string | null;
  etag?: string | null;
  intervalSeconds?: number;
  maxStaleSeconds?: number | null;
  stale?: boolean;
  /** Seconds since the bundle in place was loaded or swapped in. */
  bundleAgeSeconds: number | null;
  /** Every issuer's key set: fresh, stale (past max-age, still used), dead (past the stale limit) or none. */
  keys: KeySetStatus[];
  caches: {
    verifiedTokens: CacheStatus;
    mergedEntities: CacheStatus;
    answers: (CacheStatus & { bytes: number }) | null;
  };
  jwksFetches: number;
  instancesReplaced: number;
  /** The process's memory in bytes (Node), or null. */
  memory: { rss: number; heapUsed: number; heapTotal: number; external: number } | null;
}

export interface KeySetStatus {
  issuer: string;
  state: 'fresh' | 'stale' | 'dead' | 'none';
  static: boolean;
  keys: number;
  fetchedAt: string | null;
  ageSeconds: number | null;
  expiresAt: string | null;
  lastError: { code: ErrorCode; message: string; at: string | null } | null;
}

export interface CacheStatus {
  hits: number;
  misses: number;
  entries: number;
  hitRate: number | null;
}

/** What `onEvent` listeners receive: each JWKS fetch, and each check of a live source. */
export type OperationalEvent =
  | { type: 'keys'; issuer: string; ok: boolean; code?: ErrorCode }
  | { type: 'bundle'; outcome: 'changed' | 'unchanged' | 'failed'; code?: ErrorCode };

/** A logger with levels, such as a Powertools for AWS Lambda `Logger`: given the message and an object. */
export interface StructuredLogger {
  info(message: string, attributes: Record<string, unknown>): void;
  warn?(message: string, attributes: Record<string, unknown>): void;
  error?(message: string, attributes: Record<string, unknown>): void;
}

/** A JSON Web Key Set. */
export interface Jwks {
  keys: Array<Record<string, unknown>>;
}

export interface LoadOptions {
  /**
   * Key sets given up front, never fetched (Lambda@Edge): by issuer, or one key set for a store with one
   * identity source.
   */
  jwks?: Jwks | Record<string, Jwks>;
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
   * never past its expiry, cleared when keys change; `false` to turn off. Bounded by entries and by bytes (strings
   * counted at two bytes a character; a request longer than 256 characters is kept as its SHA-256). Default
   * `{ maxEntries: 2000, maxBytes: 8388608, ttlMs: 300000 }`.
   */
  decisionCache?: false | { maxEntries?: number; maxBytes?: number; ttlMs?: number };
  /** Called with each warning about the configuration (it loaded all the same). Default: `console.warn`. */
  onWarning?: (warning: string) => void;
  /** Live sources: seconds between checks (default 60; at least 15 for Verified Permissions), jittered by 10%. */
  refreshSeconds?: number;
  /** Live sources: the longest a check may take, in ms. Default 5000. */
  refreshTimeoutMs?: number;
  /** Live sources: the largest bundle read, refused while reading. Default 10485760. */
  maxBundleBytes?: number;
  /** Live sources: past this many seconds without a successful check, every decision is DENY `bundle.stale`. Off by default. */
  maxStaleSeconds?: number;
  /** The public keys that sign bundles (a JWKS, or its JSON text): a refreshed bundle must be signed by one, at a revision not older than the running one. */
  trustedKeys?: Jwks | string;
  /** A bundle read over HTTPS without `trustedKeys`: only with this. */
  allowUnsigned?: boolean;
  /** With `trustedKeys`: the bundle loaded now must be signed too. */
  requireSignature?: boolean;
  /** Live sources: the bundle shipped with the function, loaded first (the floor of revisions) and kept when the source fails. */
  fallback?: StoreSource;
  /** Where refresh lines go: a function of one JSON line, a structured logger (Powertools), or false. Default `console.log`. */
  logger?: ((line: string) => void) | StructuredLogger | false;
  /** The jitter's random numbers in [0, 1) (default Math.random). */
  random?: () => number;
}

/** A policy test report, with `text` as `cedar-authorizer test` prints it. */
export type PolicyTestReport = wasm.TestReport & { readonly text: string };

export class AuthorizerLoadError extends Error {
  readonly name: 'AuthorizerLoadError';
  /** The first error's code: `store.invalid`, `store.not_found`, `bundle.invalid`, `bundle.hash_mismatch`, `config.invalid`, ... */
  readonly code: ErrorCode;
  /** Every error, located where it can be. */
  readonly errors: DetailedError[];
  /** The errors and any warnings. */
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
  readonly policies: wasm.PolicyEntry[];
  /** The store's routes. */
  readonly routes: wasm.RouteInfo[];
  readonly issuers: wasm.IssuerInfo[];
  /** Never throws: every failure is a DENY with an error code. */
  isAuthorized(input: wasm.IsAuthorizedInput): IsAuthorizedOutput;
  batchIsAuthorized(input: wasm.BatchIsAuthorizedInput): BatchIsAuthorizedOutput;
  /** Verifies the token(s), maps them to the principal, and decides. Never rejects: failures are DENY with a code. */
  isAuthorizedWithToken(input: wasm.IsAuthorizedWithTokenInput): Promise<IsAuthorizedWithTokenOutput>;
  batchIsAuthorizedWithToken(input: wasm.BatchIsAuthorizedWithTokenInput): Promise<BatchIsAuthorizedWithTokenOutput>;
  /**
   * Which actions may this principal take on this resource: every action of the schema that applies to the
   * principal's (or the token's principal's) and the resource's types, each decided exactly. Never throws.
   */
  allowedActions(input: AllowedActionsInput): Promise<AllowedActionsOutput>;
  /** Fetches every issuer's keys now: issuer to `'ok'` or the reason it failed. */
  prefetchKeys(): Promise<Record<string, string>>;
  /** Imports an issuer's key set. */
  setJwks(issuer: string, jwks: Jwks | string): wasm.Outcome<wasm.KeysImported>;
  explainToken(token: string, kind?: 'identity' | 'access'): wasm.TokenExplanation | { verified: false; error: DetailedError };
  readonly stats: {
    /** Verified tokens' mapped identities. */
    tokenCache: wasm.CacheStats;
    /** The store's entities merged with a request's `entities`, by the exact list. */
    entityCache: wasm.CacheStats;
    /** Answers to repeated requests with the same verified token. */
    answerCache: { hits: number; misses: number; entries: number; bytes: number } | null;
    jwksFetches: number;
    /** wasm instances replaced after a trap. */
    instancesReplaced: number;
    /** The module this authorizer runs on: `runtime` (compiled bundles, in Node) or `full`. */
    module: 'full' | 'runtime';
  };
  /** An HTTP request through its route (what the AWS handlers call). Never rejects. */
  authorizeHttp(input: wasm.HttpInput): Promise<HttpAuthorizationOutput>;
  /** Verifies the token and routes the request without deciding. */
  prepareHttp(input: wasm.HttpInput): Promise<wasm.Prepared>;
  /** Calls `listener(issuer)` when an issuer's keys change. */
  onKeysChanged(listener: (issuer: string) => void): void;
  /** Where the bundle came from, its revision, and how refreshes of a live source go. */
  status(): BundleStatus;
  /** When the bundle in place was loaded or swapped in (ms since the epoch). */
  readonly loadedAt: number;
  /** Calls `listener` after each JWKS fetch and each check of a live source. */
  onEvent(listener: (event: OperationalEvent) => void): void;
  /** Checks a live source now (or waits for the check in flight). */
  refresh(): Promise<{ outcome: 'changed' | 'unchanged' | 'failed'; code?: ErrorCode; hash?: string; revision?: number }>;
  /** The bundle deciding now. */
  readonly bundle: { hash: string; revision: number | null };
  /** Calls `listener` after every bundle swap. */
  onBundleChanged(listener: (description: unknown) => void): void;
  /** A check a refreshed bundle must pass (it throws) before it replaces the one in place. */
  addBundleCheck(check: (description: { routes: wasm.RouteInfo[] }) => void): void;
  runTests(files?: StoreFiles): PolicyTestReport;
}

/** Validates a store's files and builds its bundle: the bundle, and every diagnostic (errors and warnings). */
export function buildBundle(files: StoreFiles): { bundle?: wasm.Bundle; diagnostics: Diagnostic[] };
/** A bundle compiled for the runtime builds (Cedar policy set and schema JSON; no text parsing when loaded). */
export function compileBundle(bundle: wasm.Bundle | string): wasm.CompiledBundle;
export function checkStore(files: StoreFiles): Diagnostic[];
export function renderDiagnostics(diagnostics: Diagnostic[], files?: StoreFiles): string;
/** A bundle or compiled bundle as JSON text, every number exact (64-bit longs included). */
export function bundleText(bundle: wasm.Bundle | wasm.CompiledBundle, options?: { pretty?: boolean }): string;
/** Policies as Cedar's formatter writes them (comments kept); only diagnostics when they do not parse. */
export function formatPolicies(
  text: string,
  options?: { lineWidth?: number; indent?: number },
): { text?: string; diagnostics: Diagnostic[] };
/** A schema in the other form, by Cedar's own conversion: `from: 'cedar'` gives JSON, `from: 'json'` gives Cedar text. */
export function convertSchema(text: string, options: { from: 'cedar' | 'json' }): { text?: string; diagnostics: Diagnostic[] };
/** A schema's outline for completion and hover: entity types (attributes, parents, enum ids), actions (principal, resource and context types). */
export function schemaOutline(
  text: string,
  options?: { format?: 'cedar' | 'json' },
): { outline?: wasm.SchemaOutline; diagnostics: Diagnostic[] };
/** The module's constants: bundle formats, token kinds, every error code with what it means. */
export function constants(): wasm.Constants;
/** Node only: reads a store folder into store files. */
export function readStoreFolder(dir: string): StoreFiles;
/** Browser only: compiles the wasm module (from a URL or bytes; by default the file beside the module). */
/** `allowedActions`' question: a principal (or a token) and a resource, with the request's context and entities. */
export interface AllowedActionsInput {
  principal?: wasm.IsAuthorizedInput['principal'];
  identityToken?: string;
  accessToken?: string;
  resource: wasm.IsAuthorizedInput['resource'];
  context?: wasm.IsAuthorizedInput['context'];
  entities?: wasm.IsAuthorizedInput['entities'];
}

export interface AllowedActionsOutput {
  actions: Array<{ action: { actionType: string; actionId: string } } & IsAuthorizedOutput>;
  principal: { entityType: string; entityId: string } | null;
  errors: Array<{ code: ErrorCode; errorDescription: string }>;
}

/** Options of `createVerifiedPermissionsServer` (docs/endpoint.md). */
export interface VerifiedPermissionsServerOptions {
  policyStoreId: string;
  /** Default 127.0.0.1; another address needs `credentials` or `allowUnauthenticated`. */
  host?: string;
  /** Default 8181; 0 picks a free port. */
  port?: number;
  credentials?: Array<{ accessKeyId: string; secretAccessKey: string; sessionToken?: string; name?: string }> | string;
  allowUnauthenticated?: boolean;
  region?: string;
  maxBatch?: number;
  maxBodyBytes?: number;
  accountId?: string;
  /** Decision records: a function of a JSON line, a structured logger, or false (default console.log). */
  logger?: false | ((line: string) => void) | StructuredLogger;
}

/** An HTTP server speaking Verified Permissions' API over `authorizer`: point an AWS SDK client's `endpoint` at it. */
export function createVerifiedPermissionsServer(
  authorizer: Authorizer,
  options: VerifiedPermissionsServerOptions,
): { listen(): Promise<{ host: string; port: number; url: string }>; close(): Promise<void> };

export function initialize(source?: string | URL | BufferSource | WebAssembly.Module): Promise<void>;
