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
  | (string & {});

/** Verified Permissions' `EvaluationErrorItem`, plus a stable `code` and the policy at fault. */
export interface EvaluationErrorItem {
  errorDescription: string;
  code: ErrorCode;
  policyId?: string;
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

/** A store folder or bundle file path (Node), a bundle object or its JSON text, or store files. */
export type StoreSource = string | Bundle | { files: StoreFiles } | URL;

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

export class AuthorizerLoadError extends Error {
  readonly name: 'AuthorizerLoadError';
  /** `store.invalid`, `store.not_found`, `bundle.invalid`, `bundle.format`, `bundle.hash_mismatch`. */
  readonly code: string;
  readonly diagnostics: Diagnostic[];
}

export class Authorizer {
  private constructor();
  /** Loads a store or bundle once: parsing, validation and indexing happen here. */
  static load(source: StoreSource): Promise<Authorizer>;
  /** `load` for sources that need no asynchronous I/O. */
  static loadSync(source: StoreSource): Authorizer;
  /** The bundle's content hash, `sha256:<hex>`. */
  readonly hash: string;
  readonly policies: PolicyEntry[];
  /** Never throws: every failure is a DENY with an error code. */
  isAuthorized(input: IsAuthorizedInput): IsAuthorizedOutput;
  batchIsAuthorized(input: BatchIsAuthorizedInput): BatchIsAuthorizedOutput;
  runTests(files?: StoreFiles): PolicyTestReport;
}

export function buildBundle(files: StoreFiles): { bundle?: Bundle; diagnostics: Diagnostic[] };
export function checkStore(files: StoreFiles): Diagnostic[];
export function renderDiagnostics(diagnostics: Diagnostic[], files?: StoreFiles): string;
/** Node only: reads a store folder into store files. */
export function readStoreFolder(dir: string): StoreFiles;
/** Browser only: compiles the wasm module (from a URL or bytes; by default the file beside the module). */
export function initialize(source?: string | URL | BufferSource | WebAssembly.Module): Promise<void>;
export const BUNDLE_FORMAT: 'cedar-authorizer/bundle';
