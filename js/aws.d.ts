// Types for cedar-authorizer/aws: API Gateway and CloudFront handlers built on the Authorizer.
import type { Authorizer, BundleStatus, ErrorCode, LoadOptions, StoreSource, StructuredLogger } from './index';

export interface HandlerOptions extends LoadOptions {
  /**
   * The policy store: a bundle file path (read as text, so 64-bit longs stay exact), a bundle object, a store
   * folder, or `{ files }`; or a live source (S3, HTTPS, Verified Permissions) with `fallback`, the bundle
   * in the zip, to start from.
   */
  bundle?: StoreSource;
  /** An Authorizer already loaded, instead of `bundle`. */
  authorizer?: Authorizer;
  /** Which token the bearer is: `auto` (default: Cognito's `token_use`, or what an OIDC source accepts), `identity` or `access`. */
  tokenKind?: 'auto' | 'identity' | 'access';
  /** The header the token comes in (REQUEST and HTTP API events). Default `authorization`. */
  tokenHeader?: string;
  /**
   * Decisions cached for repeated requests of a verified token, or `false`. Bounded by entries and by bytes
   * (strings counted at two bytes a character; answers kept without the request's path, resource or
   * context). Default `{ maxEntries: 10000, maxBytes: 8388608, ttlMs: 60000 }`.
   */
  decisionCache?: false | { maxEntries?: number; maxBytes?: number; ttlMs?: number };
  /**
   * Where decision records go: a function given one JSON line each (default console.log), a structured
   * logger such as a Powertools `Logger` (given the message and the record), or `false`. Never the token.
   */
  logger?: false | ((line: string) => void) | StructuredLogger;
  /** `json` (default) or `ocsf`: each decision as an OCSF 1.3.0 API Activity event (docs/operations.md). */
  logFormat?: 'json' | 'ocsf';
  /** Fields of the record to drop (a name), or to `mask` or `hash` (`{ field, as }`). */
  redact?: Array<DecisionField | { field: DecisionField; as: 'drop' | 'mask' | 'hash' }>;
  /** The share of ALLOW records written, 0 to 1 (default 1); DENYs and errors always are. */
  sampleAllows?: number;
  /** Add the context the policies saw to each record (off by default). */
  logContext?: boolean;
  /** `true`: CloudWatch EMF metrics once per invocation; or a Powertools `Metrics` instance to publish through. */
  metrics?: boolean | PowertoolsMetrics;
  /** The EMF namespace (default `CedarAuthorizer`) and the `Service` dimension (default `cedar-authorizer`). */
  metricsNamespace?: string;
  service?: string;
  /** Where EMF lines go with `metrics: true` (default console.log: in Lambda, CloudWatch Logs). */
  metricsWriter?: (line: string) => void;
}

/** The fields of a decision record (docs/operations.md). */
export type DecisionField =
  | 'requestId'
  | 'handler'
  | 'authenticated'
  | 'principal'
  | 'route'
  | 'action'
  | 'resource'
  | 'determiningPolicies'
  | 'errors'
  | 'cache'
  | 'cacheHit'
  | 'micros'
  | 'bundleHash'
  | 'bundleRevision'
  | 'tokenId'
  | 'subject'
  | 'sourceIp'
  | 'context'
  | 'entities';

/** What of a Powertools `Metrics` instance the handlers use. */
export interface PowertoolsMetrics {
  addMetric(name: string, unit: string, value: number): void;
  addDimension(name: string, value: string): void;
  singleMetric(): PowertoolsMetrics;
  publishStoredMetrics(): void;
}

/** A handler's health (`{ "action": "cedar-authorizer.health" }` invoked directly, or `handler.health()`). */
export interface Health {
  healthy: boolean;
  /** Why not, each starting with its code (`bundle.stale: ...`, `jwks.unavailable: ...`). */
  reasons: string[];
  status: BundleStatus;
  decisionCache: { entries: number; bytes: number; hits: number; misses: number } | null;
  decisions: { byResult: Record<string, number>; denialsByCode: Record<string, number>; byCacheLayer: Record<string, number> } | null;
}

/** The counters behind the metrics, process-wide. */
export interface HandlerMetrics {
  /** The totals in Prometheus' text exposition format. */
  prometheusText(): string;
}

/** A handler, with the authorizer behind it, its health and its metrics. */
export type Handler<E, R> = ((event: E, context?: { awsRequestId?: string }) => Promise<R>) & {
  readonly authorizer: Authorizer;
  health(): Health;
  readonly metrics: HandlerMetrics;
};

/** Why a request was refused, for alarms on `Denials` by `Reason`. */
export type DenialReason = ErrorCode | 'policy';

export interface RestApiAuthorizerOptions extends HandlerOptions {
  /**
   * `route` (default): the policy allows or denies only this request's method ARN; with API Gateway's
   * authorizer cache on, key it on something per route. `all-routes`: the policy lists every route of the
   * bundle for the principal, so one cached policy is right for all of them.
   */
  policyScope?: 'route' | 'all-routes';
}

export interface HttpApiAuthorizerOptions extends RestApiAuthorizerOptions {
  /** Payload 2.0 answer: `simple` (`{ isAuthorized, context }`, default) or `iam`. Payload 1.0 always gets IAM. */
  responseType?: 'simple' | 'iam';
}

export interface EdgeViewerRequestOptions extends HandlerOptions {
  /** Take the token from this cookie when there is no `Authorization` header. */
  tokenCookie?: string;
  /** Pass the principal to the origin in this header (a viewer's own copy is always removed). */
  principalHeader?: string;
  /** Remove the `Authorization` header before the request reaches the origin. */
  stripAuthorization?: boolean;
}

export interface IamPolicyResponse {
  principalId: string;
  policyDocument: {
    Version: '2012-10-17';
    Statement: Array<{ Action: 'execute-api:Invoke'; Effect: 'Allow' | 'Deny'; Resource: string[] }>;
  };
  context: { decision: 'ALLOW' | 'DENY'; principal: string; principalId: string; determiningPolicies: string; route: string };
}

export interface SimpleResponse {
  isAuthorized: boolean;
  context: IamPolicyResponse['context'];
}

export interface CloudFrontHeaders {
  [lowercaseName: string]: Array<{ key?: string; value: string }>;
}

export interface CloudFrontRequest {
  clientIp: string;
  method: string;
  uri: string;
  querystring: string;
  headers: CloudFrontHeaders;
  [key: string]: unknown;
}

export interface CloudFrontResultResponse {
  status: string;
  statusDescription: string;
  headers: CloudFrontHeaders;
  body: string;
  bodyEncoding: 'text' | 'base64';
}

export interface CloudFrontRequestEvent {
  Records: Array<{ cf: { config: Record<string, unknown>; request: CloudFrontRequest } }>;
}

/** REST API TOKEN and REQUEST events. Throws `Error('Unauthorized')` for a missing or bad token. */
export function createRestApiAuthorizer(options: RestApiAuthorizerOptions): Handler<Record<string, unknown>, IamPolicyResponse>;
/** HTTP API payload 2.0 (and 1.0) events. Throws `Error('Unauthorized')` for a missing or bad token. */
export function createHttpApiAuthorizer(
  options: HttpApiAuthorizerOptions,
): Handler<Record<string, unknown>, SimpleResponse | IamPolicyResponse>;
/** CloudFront viewer-request events: the request to forward, or a 401/403 response. */
export function createEdgeViewerRequestHandler(
  options: EdgeViewerRequestOptions,
): Handler<CloudFrontRequestEvent, CloudFrontRequest | CloudFrontResultResponse>;

/** Caller credentials whose SigV4 signatures the Verified Permissions endpoint accepts. */
export interface CallerCredential {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  name?: string;
}

export interface VerifiedPermissionsEndpointOptions extends HandlerOptions {
  /** The policy store id callers send; requests naming another are a ResourceNotFoundException. */
  policyStoreId: string;
  /** Every request's SigV4 signature is checked against these (or their JSON text). */
  credentials?: CallerCredential[] | string;
  /** Answer unsigned requests: something in front of the function decides who may call. */
  allowUnauthenticated?: boolean;
  /** The region callers sign for (default AWS_REGION, or us-east-1). */
  region?: string;
  /** Requests per batch call (default 30, the service's). */
  maxBatch?: number;
  /** The account in the policy store's ARN (default 000000000000). */
  accountId?: string;
}

export interface FunctionUrlResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
  isBase64Encoded: false;
}

/**
 * Verified Permissions' API (AWS JSON 1.0) behind a function URL or an API Gateway route: a decision-point
 * Lambda whose callers change only their endpoint (docs/endpoint.md).
 */
export function createVerifiedPermissionsHandler(
  options: VerifiedPermissionsEndpointOptions,
): Handler<Record<string, unknown>, FunctionUrlResponse>;

export class DecisionCache {
  constructor(options?: { maxEntries?: number; ttlMs?: number; clock?: () => number });
  readonly hits: number;
  readonly misses: number;
  readonly size: number;
  clear(): void;
}
