'use strict';
// One engine worker of bench.js's data-parallel measurements: an engine wasm
// module in a Node worker thread (as the app would run one per Web Worker),
// answering {id, op, ...} messages with {id, result} or {id, error}.
const fs = require('fs');
const path = require('path');
const { parentPort, workerData } = require('worker_threads');
const { startEngine } = require('./engine');

(async () => {
  const e = await startEngine(workerData.wasm, workerData.goroot);
  for (const name of workerData.nets) {
    const err = e.load(name, new Uint8Array(fs.readFileSync(path.join(workerData.dir, `${name}.json`))),
      new Uint8Array(fs.readFileSync(path.join(workerData.dir, `${name}.safetensors`))));
    if (err) throw new Error(err);
  }
  const check = (r) => {
    if (typeof r === 'string' && r) throw new Error(r);
    if (r && r.error) throw new Error(r.error);
    return r;
  };
  parentPort.on('message', (m) => {
    try {
      let result;
      switch (m.op) {
        case 'ig': result = check(e.igPart(m.net, m.i, m.n)); break;
        case 'grads':
          if (m.batch != null) check(e.selectBatch(m.net, m.batch));
          result = check(e.shardGrads(m.net, m.case, m.i, m.n));
          break;
        case 'params': check(e.setParams(m.net, m.params)); result = true; break;
        case 'crosses': result = check(e.useCrosses(m.net)); break;
        default: throw new Error(`unknown op ${m.op}`);
      }
      parentPort.postMessage({ id: m.id, result }, result instanceof Float32Array ? [result.buffer] : []);
    } catch (err) {
      parentPort.postMessage({ id: m.id, error: String(err.message || err) });
    }
  });
  parentPort.postMessage({ ready: true });
})().catch((err) => parentPort.postMessage({ ready: false, error: String(err) }));
