// Runs ONNX models with ONNX Runtime Web (wasm backend, one thread) in Node.
//
//   node scripts/ort/run.mjs DIR
//
// For every DIR/NAME.onnx with an input DIR/NAME.input.npy (float32, the
// model's input shape) it writes the model's first output as
// DIR/NAME.ort.npy (float32). engine/onnx's export test uses it to check
// the engine's ONNX exports against an independent runtime. Install with
// `make onnx-ort` (npm ci here; onnxruntime-node's install script downloads
// binaries from outside, so the web build is used).
import { readFileSync, writeFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const ort = require('onnxruntime-web');

function readNpy(path) {
  const b = readFileSync(path);
  if (b.toString('latin1', 0, 6) !== '\x93NUMPY') throw new Error(`${path}: not a .npy file`);
  const major = b[6];
  const hlen = major === 1 ? b.readUInt16LE(8) : b.readUInt32LE(8);
  const start = major === 1 ? 10 : 12;
  const header = b.toString('latin1', start, start + hlen);
  if (!header.includes("'descr': '<f4'") || header.includes("'fortran_order': True")) {
    throw new Error(`${path}: want a C-order float32 array, header ${header}`);
  }
  const shape = header.match(/'shape': \(([^)]*)\)/)[1].split(',').map(s => s.trim()).filter(s => s).map(Number);
  const data = new Float32Array(b.buffer.slice(b.byteOffset + start + hlen, b.byteOffset + b.length));
  return { shape, data };
}

function writeNpy(path, shape, data) {
  const dims = shape.join(', ') + (shape.length === 1 ? ',' : '');
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${dims}), }`;
  const total = 10 + header.length + 1;
  header += ' '.repeat((64 - (total % 64)) % 64) + '\n';
  const h = Buffer.alloc(10);
  h.write('\x93NUMPY', 0, 'latin1');
  h[6] = 1; h[7] = 0;
  h.writeUInt16LE(header.length, 8);
  writeFileSync(path, Buffer.concat([h, Buffer.from(header, 'latin1'), Buffer.from(data.buffer, data.byteOffset, data.byteLength)]));
}

async function main() {
  const dir = process.argv[2];
  if (!dir) throw new Error('usage: node run.mjs DIR');
  ort.env.wasm.numThreads = 1;
  for (const f of readdirSync(dir).filter(f => f.endsWith('.onnx')).sort()) {
    const name = f.slice(0, -5);
    const input = readNpy(join(dir, name + '.input.npy'));
    const session = await ort.InferenceSession.create(readFileSync(join(dir, f)), { executionProviders: ['wasm'] });
    const feeds = { [session.inputNames[0]]: new ort.Tensor('float32', input.data, input.shape) };
    const t0 = performance.now();
    const out = (await session.run(feeds))[session.outputNames[0]];
    const ms = performance.now() - t0;
    writeNpy(join(dir, name + '.ort.npy'), out.dims, out.data);
    console.log(`${name}: output ${out.dims.join('×')} in ${ms.toFixed(0)} ms`);
  }
}

main().catch(e => { console.error(e.message || e); process.exit(1); });
