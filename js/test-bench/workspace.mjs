// The policy store being edited and the authorizer built from it. Every edit is validated (debounced) by
// the wasm engine; when the store has no errors an Authorizer is loaded from it, and the key sets pasted
// into the token panel are imported into it again. Panels listen for:
//   'store'     a different store was loaded (the file list changed wholesale)
//   'pending'   an edit is waiting for validation
//   'validated' diagnostics and the authorizer are up to date
//   'keys'      the key set of an issuer changed
// It also keeps the schema's outline (entity types, attributes, actions), read by the engine's
// `schemaOutline`, for the pickers, completion and hover: the last one read, while the schema has errors.
import { Authorizer, checkStore, schemaOutline } from '../dist/web.mjs';
import { debounce } from './dom.mjs';
import { EMPTY_OUTLINE, schemaPath } from './schema-reader.mjs';

export const VALIDATION_DELAY_MS = 300;

export class Workspace extends EventTarget {
  /** @type {Record<string, string>} path to text, tests excluded (the batch panel owns those) */
  files = {};
  name = 'store';
  diagnostics = [];
  /** @type {import('../index.d.ts').Authorizer | null} */
  authorizer = null;
  validationMs = 0;
  /** issuer to the JWKS text pasted for it */
  keys = new Map();
  /** issuer to the outcome of importing its keys into the current authorizer */
  keyResults = new Map();
  /** The schema's outline: `{ entityTypes, actions }`, as `schemaOutline` gives it. */
  outline = EMPTY_OUTLINE;
  #outlineOf = null;
  #validateSoon = debounce(() => this.validate(), VALIDATION_DELAY_MS);

  /** @param {{ clock: () => number }} options the clock the authorizer checks token times against, in ms */
  constructor({ clock }) {
    super();
    this.clock = clock;
  }

  #emit(type) {
    this.dispatchEvent(new Event(type));
  }

  /** Replaces the whole store. */
  setStore(name, files) {
    this.name = name;
    this.files = { ...files };
    this.outline = EMPTY_OUTLINE;
    this.#outlineOf = null;
    this.#readOutline();
    this.#emit('store');
    this.validate();
  }

  updateFile(path, text) {
    if (this.files[path] === text) return;
    this.files[path] = text;
    this.#markPending();
  }

  addFile(path, text) {
    this.files[path] = text;
    this.#markPending();
  }

  removeFile(path) {
    delete this.files[path];
    this.#markPending();
  }

  #markPending() {
    this.#emit('pending');
    this.#validateSoon();
  }

  /** Runs a pending validation now (before a request runs, so it never sees a stale store). */
  flush() {
    this.#validateSoon.flush();
  }

  /** Validates the store strictly and, when it has no errors, loads an authorizer from it. */
  validate() {
    const started = performance.now();
    let diagnostics;
    try {
      diagnostics = checkStore(this.files);
    } catch (e) {
      diagnostics = [{ severity: 'error', code: 'internal.error', errorDescription: `validation failed: ${e.message}` }];
    }
    let authorizer = null;
    if (!diagnostics.some((d) => d.severity === 'error')) {
      try {
        authorizer = Authorizer.loadSync({ files: this.files }, { fetchKeys: false, clock: this.clock });
      } catch (e) {
        diagnostics = e.diagnostics?.length
          ? e.diagnostics
          : [{ severity: 'error', code: e.code ?? 'store.invalid', errorDescription: e.message }];
      }
    }
    this.validationMs = performance.now() - started;
    this.#readOutline();
    this.diagnostics = diagnostics;
    this.authorizer = authorizer;
    this.#importAllKeys();
    this.#emit('validated');
  }

  /** Reads the schema's outline when the schema changed; keeps the last one while the schema has errors. */
  #readOutline() {
    const path = schemaPath(this.files);
    const key = path ? `${path}\u0000${this.files[path]}` : '';
    if (key === this.#outlineOf) return;
    this.#outlineOf = key;
    if (!path) {
      this.outline = EMPTY_OUTLINE;
      return;
    }
    try {
      const { outline } = schemaOutline(this.files[path], { format: path.endsWith('.json') ? 'json' : 'cedar' });
      if (outline) this.outline = outline;
    } catch {
      // Keep the last outline: the validation reports what is wrong with the schema.
    }
  }

  /** Sets (or, with empty text, clears) the key set used to verify an issuer's tokens. */
  setKeys(issuer, jwksText) {
    if (jwksText.trim()) this.keys.set(issuer, jwksText);
    else this.keys.delete(issuer);
    this.#importKeys(issuer, jwksText);
    this.#emit('keys');
  }

  #importAllKeys() {
    this.keyResults.clear();
    for (const [issuer, text] of this.keys) this.#importKeys(issuer, text);
  }

  #importKeys(issuer, text) {
    if (!this.authorizer) {
      this.keyResults.set(issuer, failure('the store has errors: fix them to use keys'));
      return;
    }
    if (!this.authorizer.issuers.some((source) => source.issuer === issuer)) {
      this.keyResults.set(issuer, failure(`\`${issuer}\` is not an issuer of the store's identity sources`));
      return;
    }
    let result;
    try {
      result = this.authorizer.setJwks(issuer, text.trim() ? text : { keys: [] });
    } catch (e) {
      result = failure(e.message);
    }
    if (text.trim()) this.keyResults.set(issuer, result);
    else this.keyResults.delete(issuer);
  }

  /** The store's issuers, from its identity sources. */
  get issuers() {
    return this.authorizer ? this.authorizer.issuers.map((source) => source.issuer) : [];
  }
}

/** A key import's failure, in the module's shape. */
function failure(description) {
  return { type: 'failure', errors: [{ code: 'jwks.invalid', errorDescription: description }] };
}
