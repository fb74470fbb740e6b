'use strict';
// Minimal safetensors reader (F32 only, which is all the engine writes):
// 8-byte little-endian header length, a JSON header, then raw tensors.

function readSafetensors(buf) {
  const u8 = buf instanceof Uint8Array ? buf : new Uint8Array(buf);
  const dv = new DataView(u8.buffer, u8.byteOffset, u8.byteLength);
  const n = Number(dv.getBigUint64(0, true));
  const header = JSON.parse(Buffer.from(u8.subarray(8, 8 + n)).toString('utf8'));
  const base = 8 + n;
  const tensors = {};
  for (const [name, info] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    if (info.dtype !== 'F32') throw new Error(`safetensors: ${name} has dtype ${info.dtype}, want F32`);
    const [lo, hi] = info.data_offsets;
    const bytes = u8.slice(base + lo, base + hi); // copy: aligned for Float32Array
    tensors[name] = { shape: info.shape, data: new Float32Array(bytes.buffer, bytes.byteOffset, (hi - lo) / 4) };
  }
  return tensors;
}

module.exports = { readSafetensors };
