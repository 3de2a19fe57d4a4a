'use strict';

const { AuthorizerLoadError } = require('./errors.cjs');

/**
 * The wasm modules of a platform, and the one way of talking to them.
 *
 * There are two kinds of module. `full` builds, checks and compiles stores and loads every kind of bundle;
 * `runtime`, where the platform has one, loads compiled bundles only, so it is smaller, compiles sooner and
 * takes less memory. `platform.load(kind)` gives a module's exports, or null where the platform has none;
 * `platform.reload(kind)` a fresh instance of it. Nothing is compiled before it is needed.
 *
 * Every export of a module answers a tagged outcome, `{ type: 'success', ... }` or `{ type: 'failure',
 * errors, warnings }`, and never throws: only a trap (a panic inside wasm) does, and then the instances
 * are replaced and every authorizer rebuilds from its source on its next call.
 */
function createEngine(platform, initialFull) {
  const modules = { full: initialFull ?? undefined, runtime: undefined };
  const state = { generation: 0, replacements: 0 };
  let constants;

  function loaded(kind) {
    // A platform without a runtime module says so once; the full module may appear later (in the browser,
    // once `initialize` has fetched it).
    if (modules[kind] === undefined || (modules[kind] === null && kind === 'full'))
      modules[kind] = (platform.load && platform.load(kind)) || null;
    return modules[kind];
  }

  /** The full module, or an error that says this installation has only the runtime one. */
  function full() {
    const module = loaded('full');
    if (!module) {
      throw new AuthorizerLoadError(
        'store.invalid',
        'this installation has only the module for compiled bundles: load a bundle made by `cedar-authorizer bundle --compiled`',
      );
    }
    return module;
  }

  /** The runtime module where the platform has one, else the full one. */
  function smallest() {
    return loaded('runtime') || full();
  }

  /** Whichever module is already loaded, else the smallest: for questions any module answers. */
  function any() {
    return modules.full || modules.runtime || smallest();
  }

  /** The module's constants: bundle formats, token kinds, every error code with its meaning. */
  function getConstants() {
    if (!constants) constants = success(any().constants());
    return constants;
  }

  /**
   * The module a bundle document loads on: the runtime module for a compiled bundle, where the platform
   * has one; the full module for everything else. The module reads the document's kind from its `format`.
   */
  function moduleFor(document) {
    return loaded('runtime') && any().documentKind(document) === 'compiled' ? 'runtime' : 'full';
  }

  /** Replaces the instances after a trap; authorizers notice the new generation and rebuild. */
  function replaceInstances() {
    if (typeof platform.reload !== 'function') return false;
    if (modules.full) modules.full = platform.reload('full');
    if (modules.runtime) modules.runtime = platform.reload('runtime');
    state.generation += 1;
    state.replacements += 1;
    return true;
  }

  /**
   * Runs a call into a module and answers its outcome. A trap, or the stack running out inside the module
   * (V8's RangeError), leaves the instance unusable: it is replaced, and the call answers a failure that
   * says what happened instead of throwing.
   */
  function guard(call) {
    try {
      return call();
    } catch (e) {
      if (!isTrap(e)) throw e;
      replaceInstances();
      return { type: 'failure', errors: [{ code: 'internal.trap', errorDescription: describeTrap(e) }], warnings: [] };
    }
  }

  return {
    full,
    loaded,
    guard,
    module: (kind) => (kind === 'runtime' ? loaded('runtime') || full() : full()),
    constants: getConstants,
    moduleFor,
    replaceInstances,
    get generation() {
      return state.generation;
    },
    get replacements() {
      return state.replacements;
    },
  };
}

/** Whether an exception came from inside a module in a way that leaves its instance unusable. */
function isTrap(e) {
  return e instanceof WebAssembly.RuntimeError || (e instanceof RangeError && /call stack/i.test(e.message));
}

/**
 * What a trap means for the user. Safe Rust traps on a stack overflow (V8's stack, or the module's own,
 * which shows as an out-of-bounds access): in practice an expression nested hundreds of levels deep.
 */
function describeTrap(e) {
  const message = (e && e.message) || String(e);
  if (!/call stack|memory access out of bounds/i.test(message)) return `the engine failed: ${message}`;
  return (
    `the engine ran out of stack (${message}): an expression is nested too deeply, such as hundreds of ` +
    'chained `||` or `&&`; split the policy, or test membership with a set (`["a", "b"].contains(x)`)'
  );
}

/** The value of a success, without its tag; throws an AuthorizerLoadError for a failure. */
function success(outcome, prefix) {
  if (outcome && outcome.type === 'success') {
    const { type: _type, ...value } = outcome;
    return value;
  }
  throw loadError(outcome, prefix);
}

/** A failure outcome as an AuthorizerLoadError: the first error's code, every error in the message. */
function loadError(outcome, prefix, render) {
  const errors = (outcome && outcome.errors) || [];
  const warnings = (outcome && outcome.warnings) || [];
  const first = errors[0] || { code: 'internal.error', errorDescription: 'the module gave no answer' };
  let message = errors.length > 1 ? [first.errorDescription, ...errors.slice(1).map(located)].join('\n  ') : first.errorDescription;
  if (render && errors.length > 1) {
    try {
      message = `${first.errorDescription}\n${render(errors.slice(1))}`;
    } catch {
      // Only the full module renders diagnostics: without it, the located lines above stand.
    }
  }
  return new AuthorizerLoadError(first.code, prefix ? `${prefix}: ${message}` : message, errors, warnings);
}

/** `file:line:column: description` of an error, as far as it is located. */
function located(error) {
  const place = error.file ? `${error.file}${error.start ? `:${error.start.line}:${error.start.column}` : ''}: ` : '';
  return `${place}${error.errorDescription}`;
}

module.exports = {
  isTrap,
  describeTrap,
  createEngine,
  success,
  loadError,
};
