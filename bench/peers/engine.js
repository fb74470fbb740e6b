'use strict';
// startEngine loads the engine's wasm module (./enginewasm) with Go's
// wasm_exec.js and returns the seEngine object its main registers. Used by
// bench.js and by worker.js in worker threads.
const fs = require('fs');
const path = require('path');
const { execFileSync } = require('child_process');

async function startEngine(wasmPath, goroot) {
  globalThis.require = require;
  globalThis.fs = fs;
  globalThis.path = path;
  globalThis.TextEncoder = require('util').TextEncoder;
  globalThis.TextDecoder = require('util').TextDecoder;
  globalThis.crypto ??= require('crypto');
  goroot ||= execFileSync('go', ['env', 'GOROOT']).toString().trim();
  require(path.join(goroot, 'lib', 'wasm', 'wasm_exec.js'));
  const go = new globalThis.Go();
  const { instance } = await WebAssembly.instantiate(fs.readFileSync(wasmPath), go.importObject);
  go.run(instance); // runs main until it blocks in select{}, having set seEngine
  if (!globalThis.seEngine) throw new Error('engine wasm did not register seEngine');
  const engine = globalThis.seEngine;
  // The module's linear memory never shrinks: its size is the peak so far.
  engine.memoryBytes = () => instance.exports.mem.buffer.byteLength;
  // forward(name, x) returns the logits of x (a Float32Array), batch 1,
  // through the module's exported forward entry rather than syscall/js: x is
  // written into the slot's input buffer in the module's memory and the
  // logits are copied out. The views are made anew each call: memory.grow
  // detaches the old buffer.
  const slots = new Map();
  engine.forward = (name, x) => {
    let s = slots.get(name);
    if (!s) {
      s = engine.forwardSlot(name);
      if (s.error) throw new Error(s.error);
      slots.set(name, s);
    }
    if (x.length !== s.inputLength) throw new Error(`engine: forward of ${name}: input of ${x.length} values, want ${s.inputLength}`);
    new Float32Array(instance.exports.mem.buffer, s.input, s.inputLength).set(x);
    if (instance.exports.forward(s.slot) !== 0) throw new Error(`engine: forward of ${name} failed`);
    return new Float32Array(instance.exports.mem.buffer, s.logits, s.logitsLength).slice();
  };
  return engine;
}

module.exports = { startEngine };
