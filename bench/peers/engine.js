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
  return engine;
}

module.exports = { startEngine };
