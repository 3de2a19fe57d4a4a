// The engine's guard on its own (a unit test of the package's source: no build needed): a trap or a stack
// overflow inside a module replaces the instances and becomes a failure outcome that says why; anything
// else passes through.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { createEngine } = require('../../../js/lib/engine.cjs');

function engineWithCounter() {
  const loads = { full: 0 };
  const platform = { load: () => ({ id: ++loads.full }), reload: () => ({ id: ++loads.full }) };
  return { engine: createEngine(platform), loads };
}

test('a stack overflow inside the module is a failure naming the cause, and the instance is replaced', () => {
  const { engine, loads } = engineWithCounter();
  engine.full();
  const overflow = engine.guard(() => {
    throw new RangeError('Maximum call stack size exceeded');
  });
  assert.equal(overflow.type, 'failure');
  assert.equal(overflow.errors[0].code, 'internal.trap');
  assert.match(overflow.errors[0].errorDescription, /ran out of stack.*nested too deeply/);
  assert.equal(engine.generation, 1);
  assert.equal(loads.full, 2, 'a fresh instance');
  const oob = engine.guard(() => {
    throw new WebAssembly.RuntimeError('memory access out of bounds');
  });
  assert.match(oob.errors[0].errorDescription, /ran out of stack/);
  const panic = engine.guard(() => {
    throw new WebAssembly.RuntimeError('unreachable');
  });
  assert.equal(panic.errors[0].errorDescription, 'the engine failed: unreachable');
  assert.equal(engine.generation, 3);
});

test('other exceptions are not traps: they pass through and the instance stays', () => {
  const { engine } = engineWithCounter();
  assert.throws(
    () =>
      engine.guard(() => {
        throw new TypeError('bad');
      }),
    TypeError,
  );
  assert.throws(
    () =>
      engine.guard(() => {
        throw new RangeError('Invalid array length');
      }),
    RangeError,
  );
  assert.equal(engine.generation, 0);
  assert.deepEqual(
    engine.guard(() => ({ type: 'success', x: 1 })),
    { type: 'success', x: 1 },
  );
});
