// Types for cedar-authorizer/aws: API Gateway and CloudFront handlers built on the Authorizer.
import type { Authorizer, LoadOptions, StoreSource } from './index';

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
  /** Receives one JSON line per decision (default console.log); `false` for none. Never contains the token. */
  logger?: false | ((line: string) => void);
}

/** A handler, with the authorizer behind it (`handler.authorizer.status()` for a health check). */
export type Handler<E, R> = ((event: E) => Promise<R>) & { readonly authorizer: Authorizer };

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

export class DecisionCache {
  constructor(options?: { maxEntries?: number; ttlMs?: number; clock?: () => number });
  readonly hits: number;
  readonly misses: number;
  readonly size: number;
  clear(): void;
}
