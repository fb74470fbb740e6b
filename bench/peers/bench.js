'use strict';
// make bench-peers: the engine (Go, GOOS=js GOARCH=wasm) against TensorFlow.js
// 4.22 (wasm backend with SIMD, 1 thread; cpu backend) on the same networks
// with the same weights, in one Node process, interleaved run by run so that
// machine drift cancels; plus the engine compiled natively (a child process
// asked for one run at a time, in the same rounds) for the wasm-overhead
// column. Correctness first: logits, input gradients,
// Integrated Gradients and the baseline weight gradient must agree (relative
// error < 1e-4) before anything is timed; a mismatch exits non-zero.
//
// ONNX Runtime Web 1.30 (wasm backend, one thread) is the forward-pass peer
// on ONNX files: the harness's networks as engine/onnx exports them, and
// torchvision's ResNet-18 and MobileNetV2 at 224×224 from `make
// onnx-fixtures` (--onnx-fixtures DIR); the engine imports the same files
// (engine/onnx, graph engine); a fresh engine module per network gives the
// case's peak memory; ORT's logits must match the engine's.
//
//   node bench/peers/bench.js --dir bench/peers/out [--doc docs/performance.md]
//        [--nets crosses,phantom,resnet64] [--cases forward,gradient,ig32,train,rrr]
//        [--full] [--quick] [--no-native] [--no-workers]
//        [--onnx-fixtures .cache/onnx] [--onnx crosses,resnet18,...] [--no-ort]
//
// A subset, e.g. only the ONNX Runtime table on the 224×224 networks:
//   --nets none --no-native --no-workers --onnx resnet18,mobilenet_v2
//
// --full also times the 64×64 TF.js-cpu training steps at batch 32 (about
// 80 s each, more for RRR); by default they are estimated from a batch-2 step
// and marked as estimates. --quick shortens every plan (for trying changes).

const fs = require('fs');
const path = require('path');
const os = require('os');
const zlib = require('zlib');
const { execFileSync } = require('child_process');

const tf = require('@tensorflow/tfjs');
require('@tensorflow/tfjs-backend-wasm');
const { readSafetensors } = require('./safetensors');
const { startEngine } = require('./engine');
const { makeNet, logSoftmaxHand } = require('./tfnet');

// ---- arguments ----------------------------------------------------------------

const args = { dir: path.join(__dirname, 'out'), doc: '', nets: '', cases: '', full: false, quick: false, native: true, workers: true, ort: true, onnx: '', 'onnx-fixtures': '' };
for (let i = 2; i < process.argv.length; i++) {
  const a = process.argv[i];
  if (a === '--full') args.full = true;
  else if (a === '--quick') args.quick = true;
  else if (a === '--no-native') args.native = false;
  else if (a === '--no-workers') args.workers = false;
  else if (a === '--no-ort') args.ort = false;
  else if (a.startsWith('--') && i + 1 < process.argv.length) args[a.slice(2)] = process.argv[++i];
  else throw new Error(`unknown argument ${a}`);
}

const CASES = ['forward', 'gradient', 'ig32', 'train', 'rrr'];
const CASE_LABEL = {
  forward: 'forward, batch 1',
  gradient: 'forward + input gradient, batch 1',
  ig32: 'Integrated Gradients, 32 steps (one batch)',
  train: 'training step, baseline, batch 32',
  rrr: 'training step, RRR, batch 32',
};
const TOL = 1e-4;
const STEPS = 32;
const BATCH = 32;
// The plan of every cell (same rules as package cases): warm-up runs (stopping
// after a run slower than slowMs; a first run slower than capMs is taken as
// the single measurement), then runs until maxReps or budgetMs, at least one.
const PLAN = args.quick
  ? { warm: 1, maxReps: 3, budgetMs: 1000, slowMs: 500, capMs: 5000 }
  : { warm: 3, maxReps: 15, budgetMs: 4000, slowMs: 1500, capMs: 10000 };

const log = (...a) => console.error(...a);

// ---- ONNX Runtime Web: forward passes on ONNX files ---------------------------------

// readNpy reads a C-order float32 or float64 .npy file as float32.
function readNpy(file) {
  const b = fs.readFileSync(file);
  if (b.toString('latin1', 0, 6) !== '\x93NUMPY') throw new Error(`${file}: not a .npy file`);
  const hlen = b[6] === 1 ? b.readUInt16LE(8) : b.readUInt32LE(8);
  const start = b[6] === 1 ? 10 : 12;
  const header = b.toString('latin1', start, start + hlen);
  const f8 = header.includes("'descr': '<f8'");
  if (!(f8 || header.includes("'descr': '<f4'")) || header.includes("'fortran_order': True")) throw new Error(`${file}: want C-order float32 or float64, header ${header}`);
  const shape = header.match(/'shape': \(([^)]*)\)/)[1].split(',').map((v) => v.trim()).filter((v) => v).map(Number);
  const body = b.buffer.slice(b.byteOffset + start + hlen, b.byteOffset + b.length);
  return { shape, data: f8 ? Float32Array.from(new Float64Array(body)) : new Float32Array(body) };
}

// seededImage returns n values in [0, 1) from a fixed linear congruential
// sequence: the input of the harness networks' ONNX case.
function seededImage(n) {
  const x = new Float32Array(n);
  let s = 12345;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    x[i] = (s >>> 8) / 16777216;
  }
  return x;
}

// The 224×224 fixtures, with their multiply-adds per image as torchvision's
// documentation gives them (1.81 and 0.30 G), for the nominal GFLOP/s.
const ONNX_FIXTURES = {
  resnet18: { label: 'ResNet-18 224×224 (torchvision)', macs: 1.81e9 },
  mobilenet_v2: { label: 'MobileNetV2 224×224 (torchvision)', macs: 0.30e9 },
};

// measureONNX times the forward pass, batch 1, of the engine (importing the
// file) and ONNX Runtime Web (wasm, one thread) on each ONNX case,
// interleaved, after checking ORT's logits against the engine's. The timing
// runs in engine, the module the other tables ran in (a fresh module's code
// would still be in V8's baseline tier for the first runs); the memory
// comes from a fresh module per case that imports the file and runs one
// forward pass, so its linear memory (which never shrinks) is that case's
// peak alone. That module is started after the timing, and both sides run
// for ONNX_WARM_MS each before it: V8 first runs wasm in its baseline
// compiler (Liftoff) and compiles hot functions again (TurboFan) on
// background threads, whose CPU time process.cpuUsage() counts; the graph
// engine's functions are new to the module here, and with three warm-up
// runs the small networks' medians moved from 2.4 to 15 ms between runs of
// the same build.
const ONNX_WARM_MS = 1500;

async function measureONNX(engine, dir, allNets, fail) {
  const ort = require('onnxruntime-web');
  ort.env.wasm.numThreads = 1;
  ort.env.wasm.proxy = false;
  const want = args.onnx ? args.onnx.split(',') : null;
  const list = [];
  for (const n of allNets) {
    if (n.onnx && (!want || want.includes(n.name))) list.push({ name: n.name, label: `${n.label} (engine/onnx export)`, file: path.join(dir, n.onnx), macs: n.macs });
  }
  const fixtures = args['onnx-fixtures'];
  for (const [name, { label, macs }] of Object.entries(ONNX_FIXTURES)) {
    if (want && !want.includes(name)) continue;
    const file = fixtures && path.join(fixtures, name + '.onnx');
    if (!file || !fs.existsSync(file)) {
      log(`onnx: ${name} skipped: no ${file || '--onnx-fixtures DIR'} (make onnx-fixtures)`);
      continue;
    }
    list.push({ name, label, file, macs, input: readNpy(path.join(fixtures, name + '.input.npy')), ref: readNpy(path.join(fixtures, name + '.logits.npy')).data });
  }
  const rows = [];
  for (const c of list) {
    const bytes = fs.readFileSync(c.file);
    const eng = engine;
    const loaded = eng.loadONNX(c.name, new Uint8Array(bytes));
    if (loaded.error) {
      rows.push({ ...c, error: `engine: ${loaded.error}` });
      fail.push(`${c.name}: engine cannot import the ONNX file: ${loaded.error}`);
      continue;
    }
    const shape = [1, ...loaded.input];
    const x = c.input ? c.input.data : seededImage(shape.reduce((a, b) => a * b, 1));
    const engLogits = eng.onnxForward(c.name, x);
    if (engLogits.error) throw new Error(`${c.name}: engine: ${engLogits.error}`);
    const session = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'] });
    const feeds = { [session.inputNames[0]]: new ort.Tensor('float32', x, shape) };
    const ortLogits = (await session.run(feeds))[session.outputNames[0]].data;
    const check = relErr(ortLogits, engLogits);
    const ok = check.err < TOL;
    const row = { name: c.name, label: c.label, macs: c.macs, fileBytes: bytes.length, relErr: check.err, ok };
    if (c.ref) {
      row.engineVsTorch = relErr(engLogits, c.ref).err;
      row.ortVsTorch = relErr(ortLogits, c.ref).err;
    }
    log(`check ${c.name} logits ONNX Runtime Web vs engine: relative error ${check.err.toExponential(2)} ${ok ? 'ok' : 'FAIL'}` +
      (c.ref ? ` (vs PyTorch: engine ${row.engineVsTorch.toExponential(2)}, ORT ${row.ortVsTorch.toExponential(2)})` : ''));
    if (!ok) {
      fail.push(`${c.name} logits ONNX Runtime Web vs engine: ${check.err.toExponential(2)}`);
      rows.push(row);
      await session.release();
      break;
    }
    for (let t0 = now(); now() - t0 < ONNX_WARM_MS;) eng.onnxRun(c.name);
    for (let t0 = now(); now() - t0 < ONNX_WARM_MS;) await session.run(feeds);
    const [e, o] = await measureInterleaved([
      { label: 'engine', run: () => { eng.onnxRun(c.name); } },
      { label: 'ort', run: () => session.run(feeds) },
    ]);
    const fresh = await startEngine(path.join(dir, 'engine.wasm'));
    const base = fresh.memoryBytes();
    const loadedFresh = fresh.loadONNX(c.name, new Uint8Array(bytes));
    if (loadedFresh.error || fresh.onnxForward(c.name, x).error) throw new Error(`${c.name}: the fresh engine module failed`);
    const engineMemory = fresh.memoryBytes();
    row.engine = e;
    row.ort = o;
    row.engineMemory = engineMemory;
    row.engineBase = base;
    log(`${c.name} forward: engine ${e.ms.toFixed(2)} ms, ONNX Runtime Web ${o.ms.toFixed(2)} ms (CPU medians); engine module memory ${(row.engineMemory / 2 ** 20).toFixed(0)} MiB`);
    rows.push(row);
    await session.release();
  }
  return { rows, version: ort.env.versions ? ort.env.versions.web || ort.env.versions.common : '' };
}

// ---- engine workers (data-parallel measurements) ----------------------------------

class Workers {
  constructor(n, dir, nets) {
    const { Worker } = require('worker_threads');
    const goroot = execFileSync('go', ['env', 'GOROOT']).toString().trim();
    this.seq = 0;
    this.pending = new Map();
    this.ws = [];
    const ready = [];
    for (let i = 0; i < n; i++) {
      const w = new Worker(path.join(__dirname, 'worker.js'), { workerData: { wasm: path.join(dir, 'engine.wasm'), dir, nets, goroot } });
      ready.push(new Promise((resolve, reject) => {
        w.on('message', (m) => {
          if ('ready' in m) return m.ready ? resolve() : reject(new Error(m.error));
          const p = this.pending.get(m.id);
          this.pending.delete(m.id);
          m.error ? p.reject(new Error(m.error)) : p.resolve(m.result);
        });
        w.on('error', reject);
      }));
      this.ws.push(w);
    }
    this.ready = Promise.all(ready);
  }
  call(i, msg, transfer = []) {
    const id = ++this.seq;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.ws[i].postMessage({ ...msg, id }, transfer);
    });
  }
  // each sends msg(i) to worker i and resolves with all results.
  each(msg) {
    return Promise.all(this.ws.map((_, i) => this.call(i, msg(i))));
  }
  close() {
    return Promise.all(this.ws.map((w) => w.terminate()));
  }
}

function sumInto(dst, parts) {
  dst.fill(0);
  for (const p of parts) for (let i = 0; i < p.length; i++) dst[i] += p[i];
  return dst;
}

// ---- engine (native, a child process answering one request per line) --------

class Native {
  constructor(bin, dir) {
    const { spawn } = require('child_process');
    this.child = spawn(bin, ['-serve', '-dir', dir], { stdio: ['pipe', 'pipe', 'inherit'] });
    this.buf = '';
    this.waiting = [];
    this.child.stdout.on('data', (d) => {
      this.buf += d.toString();
      let i;
      while ((i = this.buf.indexOf('\n')) >= 0) {
        const line = this.buf.slice(0, i);
        this.buf = this.buf.slice(i + 1);
        const w = this.waiting.shift();
        if (w) w(line);
      }
    });
    this.ready = new Promise((resolve) => this.waiting.push(resolve));
  }
  request(line) {
    return new Promise((resolve) => {
      this.waiting.push(resolve);
      this.child.stdin.write(line + '\n');
    });
  }
  async run(net, c) {
    const r = await this.request(`run ${net} ${c}`);
    if (r.startsWith('error')) throw new Error(r.slice(6));
    const [wall, cpu] = r.split(' ').map(Number);
    return { wall, cpu };
  }
  async gemm(m, k, n, reps) {
    return Number(await this.request(`gemm ${m} ${k} ${n} ${reps}`));
  }
  close() {
    this.child.stdin.end();
  }
}

// ---- helpers ---------------------------------------------------------------------

function relErr(got, want) {
  let maxDiff = 0, maxRef = 0, at = -1;
  for (let i = 0; i < want.length; i++) {
    const d = Math.abs(got[i] - want[i]);
    if (!(d <= maxDiff)) { maxDiff = d; at = i; }
    maxRef = Math.max(maxRef, Math.abs(want[i]));
  }
  return { err: maxRef > 0 ? maxDiff / maxRef : maxDiff, at };
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  if (!s.length) return NaN;
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

const now = () => performance.now();

// A cell is one implementation of one case: an async-free function run()
// that throws on failure, and the backend it needs.
async function useBackend(name) {
  if (name && tf.getBackend() !== name) await tf.setBackend(name);
}

// cpuNow returns this process's CPU time (user + system, all threads) in ms.
// The machine's cores are shared with other jobs, so wall-clock time
// includes waiting for a core, and more of it the longer a run is; CPU time
// does not, so it is what the tables compare. (TF.js and the engine each run
// on this thread; the process's other threads are V8's compiler and garbage
// collector helpers, whose work the runs cause.)
function cpuNow() {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

// measureInterleaved runs the cells round-robin by PLAN and returns, per
// cell, {runs, walls, ms, wall} (CPU and wall-clock ms of each recorded run
// and their medians) or {error}.
async function measureInterleaved(cells) {
  const res = cells.map(() => ({ runs: [], walls: [], total: 0, warm: 0, done: false }));
  const once = async (i) => {
    const c = cells[i];
    if (c.time) return c.time(); // timed elsewhere (the native child)
    await useBackend(c.backend);
    const c0 = cpuNow();
    const t0 = now();
    const p = c.run();
    if (p && typeof p.then === 'function') await p; // ONNX Runtime's run is async
    const wall = now() - t0;
    return { wall, cpu: cpuNow() - c0 };
  };
  // Warm-up, interleaved.
  for (let w = 0; w < PLAN.warm; w++) {
    for (let i = 0; i < cells.length; i++) {
      const r = res[i];
      if (r.done || r.warmDone || r.error) continue;
      try {
        const t = await once(i);
        r.warm++;
        if (r.warm === 1 && t.wall > PLAN.capMs) { r.runs.push(t.cpu); r.walls.push(t.wall); r.done = true; r.note = 'one cold run'; continue; }
        if (t.wall > PLAN.slowMs) r.warmDone = true;
      } catch (e) {
        r.error = String(e.message || e).split('\n')[0];
        r.done = true;
      }
    }
  }
  // Recorded runs, interleaved.
  for (;;) {
    let any = false;
    for (let i = 0; i < cells.length; i++) {
      const r = res[i];
      if (r.done) continue;
      if (r.runs.length >= PLAN.maxReps || (r.runs.length > 0 && r.total >= PLAN.budgetMs)) { r.done = true; continue; }
      any = true;
      try {
        const t = await once(i);
        r.runs.push(t.cpu);
        r.walls.push(t.wall);
        r.total += t.wall;
      } catch (e) {
        r.error = String(e.message || e).split('\n')[0];
        r.done = true;
      }
    }
    if (!any) break;
  }
  return res.map((r) => (r.error ? { error: r.error } : { runs: r.runs, walls: r.walls, ms: median(r.runs), wall: median(r.walls), note: r.note }));
}

// ---- the peer: one network on one TF.js backend -------------------------------------

class Peer {
  constructor(backend, net, spec, tensors, data) {
    this.backend = backend;
    this.name = net.name;
    this.spec = spec;
    const [C, H, W] = net.input;
    this.shape = [H, W, C];
    this.classes = net.classes;
    this.inf = makeNet(tf, spec, tensors, `${backend}/${net.name}/inf`);
    this.tensors = tensors;
    this.data = data;
    // Inputs, NHWC. The engine's images are CHW; for C = 1 the layouts agree,
    // otherwise transpose.
    this.x = this.image(data.image, 1);
    this.class = 0;
  }
  image(chw, n) {
    const [H, W, C] = this.shape;
    return tf.tidy(() => tf.transpose(tf.tensor(chw, [n, C, H, W]), [0, 2, 3, 1]));
  }
  toCHW(t) {
    return tf.tidy(() => tf.transpose(t, [0, 3, 1, 2]).dataSync());
  }
  logits() {
    return tf.tidy(() => this.inf.forward(this.x).dataSync());
  }
  forward() {
    tf.tidy(() => this.inf.forward(this.x).dataSync());
  }
  classLogitSum(x, o) {
    const f = this.inf.forward(x, o);
    return tf.sum(tf.slice(f, [0, this.class], [-1, 1]));
  }
  gradient() {
    return tf.tidy(() => this.toCHW(tf.grad((x) => this.classLogitSum(x))(this.x)));
  }
  ig() {
    return tf.tidy(() => {
      const alphas = tf.reshape(tf.tensor1d(Array.from({ length: STEPS }, (_, k) => (k + 0.5) / STEPS)), [STEPS, 1, 1, 1]);
      const xs = tf.mul(alphas, this.x); // zero baseline
      const g = tf.grad((x) => this.classLogitSum(x))(xs);
      return this.toCHW(tf.mul(tf.mean(g, 0, true), this.x));
    });
  }
  // Training: variables and optimizer built on first use, at batch n.
  setupTrain(n) {
    if (!this.tr) {
      this.tr = makeNet(tf, this.spec, this.tensors, `${this.backend}/${this.name}/train${Peer.serial++}`, { trainable: true });
      this.opt = tf.train.adam(1e-4);
    }
    if (this.trN !== n) {
      tf.dispose([this.xb, this.onehot, this.outside]);
      const [H, W] = this.shape;
      const S = this.data.image.length;
      this.xb = this.image(this.data.batch.x.subarray(0, n * S), n);
      const labels = Array.from(this.data.batch.labels.subarray(0, n));
      this.onehot = tf.oneHot(tf.tensor1d(labels, 'int32'), this.classes).toFloat();
      this.outside = tf.tidy(() => tf.sub(1, tf.tensor(this.data.batch.masks.subarray(0, n * H * W), [n, H, W, 1])));
      this.trN = n;
    }
  }
  ceLoss(o) {
    const f = this.tr.forward(this.xb, o);
    return tf.losses.softmaxCrossEntropy(this.onehot, f);
  }
  trainStep(n = BATCH) {
    this.setupTrain(n);
    tf.tidy(() => {
      const loss = this.opt.minimize(() => this.ceLoss({ train: true }), true);
      loss.dataSync();
    });
  }
  // RRR: CE + λ Σ ((1−M) ⊙ ∇x Σ log softmax(f(x)))², λ = 1, by nested
  // gradients. stock = true uses tf.maxPool and tf.logSoftmax.
  rrrStep(n = BATCH, stock = false) {
    this.setupTrain(n);
    const o = { train: true, handPool: !stock };
    const lsm = (z) => (stock ? tf.logSoftmax(z) : logSoftmaxHand(tf, z));
    tf.tidy(() => {
      const loss = this.opt.minimize(() => {
        const f = this.tr.forward(this.xb, o);
        const ce = tf.neg(tf.mean(tf.sum(tf.mul(this.onehot, lsm(f)), -1)));
        const g = tf.grad((x) => tf.sum(lsm(this.tr.forward(x, o))))(this.xb);
        const pen = tf.sum(tf.square(tf.mul(g, this.outside)));
        return tf.add(ce, pen);
      }, true);
      loss.dataSync();
    });
  }
  // The baseline gradient on n examples at the loaded weights, in the
  // engine's parameter order and layout (CHW, OC×C×KH×KW).
  baselineGrads(n, names) {
    const net = makeNet(tf, this.spec, this.tensors, `${this.backend}/${this.name}/grads${Peer.serial++}`, { trainable: true });
    const [H, W] = this.shape;
    const S = this.data.image.length;
    const xb = this.image(this.data.batch.x.subarray(0, n * S), n);
    const onehot = tf.oneHot(tf.tensor1d(Array.from(this.data.batch.labels.subarray(0, n)), 'int32'), this.classes).toFloat();
    const { grads } = tf.variableGrads(() => tf.losses.softmaxCrossEntropy(onehot, net.forward(xb, { train: true })));
    const out = [];
    for (const name of names) {
      const v = net.variables.find((e) => e.name === name);
      if (!v) throw new Error(`peer has no variable ${name}`);
      let g = grads[v.variable.name];
      if (g.rank === 4) g = tf.transpose(g, [3, 2, 0, 1]); // KH×KW×C×OC → OC×C×KH×KW
      out.push(...g.dataSync());
    }
    tf.dispose([xb, onehot, ...Object.values(grads)]);
    net.variables.forEach((e) => e.variable.dispose());
    return Float32Array.from(out);
  }
}
Peer.serial = 0;

// ---- several engine workers ---------------------------------------------------------

// measureWorkers times the data-parallel splits with N = 1 and 2 engine
// workers (worker threads, one engine module each): Integrated Gradients
// steps split with saliency.Options.Parts, training batches split with
// train.Batch.Shard (gradients summed here, one Adam step on this thread's
// engine, weights sent back to every worker), and a whole RRR epoch over
// the 500 Crosses training images done that way.
async function measureWorkers(engine, dir, nets) {
  const names = nets.map((n) => n.name);
  const rows = [];
  // Each worker compiles the module anew and V8 tiers its hot functions up
  // only after some runs, so the warm-up is longer than for the main table.
  const plan = args.quick ? { warm: 2, reps: 2, budget: 1500 } : { warm: 4, reps: 7, budget: 5000 };
  // f returns wall-clock ms; repeat also takes the process's CPU time over
  // each run (all threads: the workers' work plus this thread's summing).
  const repeat = async (f, reps = plan.reps) => {
    for (let w = 0; w < plan.warm; w++) await f();
    const walls = [];
    const cpus = [];
    let total = 0;
    while (walls.length < reps && (walls.length === 0 || total < plan.budget)) {
      const c0 = cpuNow();
      const ms = await f();
      cpus.push(cpuNow() - c0);
      walls.push(ms);
      total += ms;
    }
    return { wall: median(walls), cpu: median(cpus) };
  };
  const record = (net, what, n, m) => {
    let r = rows.find((x) => x.net === net && x.what === what);
    if (!r) rows.push((r = { net, what, ms: {}, cpu: {} }));
    r.ms[n] = m.wall;
    r.cpu[n] = m.cpu;
    log(`workers N=${n} ${net} ${what}: ${m.wall.toFixed(1)} ms wall, ${m.cpu.toFixed(1)} ms CPU`);
  };
  const crosses = names.includes('crosses');
  for (const N of [1, 2]) {
    const pool = new Workers(N, dir, names);
    await pool.ready;
    for (const net of names) {
      const ig = async () => {
        const t = now();
        const parts = await pool.each((i) => ({ op: 'ig', net, i, n: N }));
        sumInto(new Float32Array(parts[0].length), parts);
        return now() - t;
      };
      record(net, 'ig32', N, await repeat(ig));
      for (const c of ['train', 'rrr']) {
        const step = async (batch) => {
          const t = now();
          const grads = await pool.each((i) => ({ op: 'grads', net, case: c, i, n: N, batch }));
          const params = engine.applyGrads(net, sumInto(new Float32Array(grads[0].length), grads));
          if (params.error) throw new Error(params.error);
          await pool.each(() => ({ op: 'params', net, params }));
          return now() - t;
        };
        record(net, c, N, await repeat(() => step(undefined), c === 'rrr' && net !== 'crosses' ? 3 : plan.reps));
        if (net === 'crosses' && c === 'rrr') {
          const [batches] = await pool.each(() => ({ op: 'crosses', net }));
          const epoch = async () => {
            const t = now();
            for (let k = 0; k < batches; k++) await step(k);
            return now() - t;
          };
          const warm = plan.warm;
          plan.warm = 1; // the step runs above have warmed the workers up
          record(net, `rrr-epoch`, N, await repeat(epoch, 2));
          plan.warm = warm;
        }
      }
    }
    await pool.close();
  }
  let trainerEpoch = null;
  if (crosses) {
    const b = engine.useCrosses('crosses');
    if (b.error) throw new Error(b.error);
    const runs = [];
    for (let r = 0; r < 3; r++) {
      const t = now();
      const err = engine.trainerEpoch('crosses');
      if (err) throw new Error(err);
      runs.push(now() - t);
    }
    trainerEpoch = median(runs.slice(1));
    log(`train.Trainer RRR epoch over Crosses in this thread: ${trainerEpoch.toFixed(0)} ms`);
  }
  return { rows, trainerEpoch, cpus: os.cpus().length };
}

// ---- sizes, machine -----------------------------------------------------------------

function sizeOf(file) {
  const b = fs.readFileSync(file);
  return { raw: b.length, gzip: zlib.gzipSync(b, { level: 9 }).length };
}

function machine() {
  const cpus = os.cpus();
  let goVersion = '';
  try { goVersion = execFileSync('go', ['version']).toString().trim(); } catch { /* reported empty */ }
  return {
    cpu: `${cpus[0].model} (${cpus.length} cores as seen by the OS, shared with other builds)`,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    memory: `${Math.round(os.totalmem() / 2 ** 30)} GiB`,
    node: process.version,
    v8: process.versions.v8,
    go: goVersion,
    tfjs: tf.version.tfjs,
    load: os.loadavg().map((v) => v.toFixed(2)).join(' '),
  };
}

// ---- main -----------------------------------------------------------------------------

async function main() {
  const t0 = now();
  const dir = path.resolve(args.dir);
  let nets = JSON.parse(fs.readFileSync(path.join(dir, 'networks.json'), 'utf8'));
  if (args.nets) nets = nets.filter((n) => args.nets.split(',').includes(n.name));
  const loadStart = os.loadavg()[0];

  // The engine natively, in a child process that the interleaved rounds ask
  // for one run at a time (this process waits meanwhile).
  let native = null;
  if (args.native) {
    native = new Native(path.join(dir, 'native'), dir);
    await native.ready;
  }

  // The engine as wasm and TF.js in this process.
  const engine = await startEngine(path.join(dir, 'engine.wasm'));
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false); // 1 thread, as the issue specifies
  await tf.setBackend('wasm');
  await tf.ready();
  const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
  await tf.setBackend('cpu');
  await tf.ready();

  const results = { machine: machine(), simd, plan: PLAN, nets: [], checks: [], gemm: {}, sizes: {} };
  const fail = [];

  // The engine's own GEMM rate in wasm (best of 20) on the shapes native reports.
  for (const s of ['256x256x256', '32x144x1024', '64x288x256']) {
    const [m, k, n] = s.split('x').map(Number);
    results.gemm[s] = { wasm: engine.gemm(m, k, n, 20), native: native ? await native.gemm(m, k, n, 20) : null };
  }
  const peakWasm = Math.max(...Object.values(results.gemm).map((g) => g.wasm));
  const peakNative = native ? Math.max(...Object.values(results.gemm).map((g) => g.native)) : NaN;
  log(`engine GEMM peak: wasm ${peakWasm.toFixed(2)} GFLOP/s, native ${peakNative.toFixed(2)} GFLOP/s`);

  for (const net of nets) {
    const arch = fs.readFileSync(path.join(dir, net.arch));
    const weights = fs.readFileSync(path.join(dir, net.weights));
    const err = engine.load(net.name, new Uint8Array(arch), new Uint8Array(weights));
    if (err) throw new Error(`engine: loading ${net.name}: ${err}`);
    const spec = JSON.parse(arch.toString('utf8')).spec;
    const tensors = readSafetensors(weights);
    const data = { image: engine.image(net.name), batch: engine.batch(net.name) };
    const peers = {};
    for (const b of ['wasm', 'cpu']) {
      await useBackend(b);
      peers[b] = new Peer(b, net, spec, tensors, data);
    }

    // Correctness first.
    await useBackend('wasm');
    // The timed forward enters the module through its exported entry
    // (engine.forward); its logits must be those of the syscall/js path bit
    // for bit, and are the ones checked against TF.js.
    const want = { logits: engine.forward(net.name, data.image), gradient: engine.gradient(net.name), ig32: engine.ig(net.name) };
    {
      const { err: e } = relErr(want.logits, engine.logits(net.name));
      log(`check ${net.name} logits through the exported forward entry vs syscall/js: relative error ${e.toExponential(2)} ${e === 0 ? 'ok' : 'FAIL'}`);
      if (e !== 0) fail.push(`${net.name} logits through the exported forward entry differ from syscall/js's: ${e.toExponential(2)}`);
    }
    for (const b of ['wasm', 'cpu']) {
      await useBackend(b);
      const p = peers[b];
      const got = { logits: p.logits(), gradient: p.gradient(), ig32: p.ig() };
      for (const what of ['logits', 'gradient', 'ig32']) {
        const { err: e, at } = relErr(want[what], got[what]);
        const ok = e < TOL;
        results.checks.push({ net: net.name, backend: b, what, relErr: e, ok });
        log(`check ${net.name} ${what} engine vs TF.js-${b}: relative error ${e.toExponential(2)} ${ok ? 'ok' : `FAIL (first worst index ${at})`}`);
        if (!ok) fail.push(`${net.name} ${what} vs TF.js-${b}: ${e.toExponential(2)}`);
      }
    }
    {
      // First-order weight gradient of the baseline loss (training mode) on 4
      // examples, against the cpu backend (the wasm backend cannot compute it).
      const eg = engine.grads(net.name, 4);
      await useBackend('cpu');
      const pg = peers.cpu.baselineGrads(4, eg.names);
      const { err: e } = relErr(pg, eg.grads);
      const ok = e < TOL;
      results.checks.push({ net: net.name, backend: 'cpu', what: 'weight gradient (baseline, batch 4)', relErr: e, ok });
      log(`check ${net.name} baseline weight gradient engine vs TF.js-cpu: relative error ${e.toExponential(2)} ${ok ? 'ok' : 'FAIL'}`);
      if (!ok) fail.push(`${net.name} weight gradient vs TF.js-cpu: ${e.toExponential(2)}`);
    }
    if (fail.length) break;

    // Timing, case by case, engine and peers interleaved.
    const big = net.input[1] * net.input[2] > 32 * 32;
    const row = { name: net.name, label: net.label, source: net.source, macs: net.macs, flops: net.flops, cases: {} };
    for (const c of CASES.filter((x) => !args.cases || args.cases.split(',').includes(x))) {
      // The forward enters the engine as TF.js-wasm's cell enters its
      // module, through a WebAssembly export, and includes writing the image
      // in and copying the logits out (TF.js's cell reads its logits out
      // too); the other cases go through syscall/js (engine.run), whose
      // 0.02–0.16 ms a call is a small share of their time.
      const cells = [{ label: 'engine', run: c === 'forward' ? () => engine.forward(net.name, data.image) : () => { const e = engine.run(net.name, c); if (e) throw new Error(e); } }];
      const peerCell = (b) => {
        const p = peers[b];
        switch (c) {
          case 'forward': return () => p.forward();
          case 'gradient': return () => p.gradient();
          case 'ig32': return () => p.ig();
          case 'train': return () => p.trainStep();
          case 'rrr': return () => p.rrrStep();
        }
      };
      if (native) cells.push({ label: 'native', time: () => native.run(net.name, c) });
      const out = { engine: null, wasm: null, cpu: null, native: null };
      const training = c === 'train' || c === 'rrr';
      if (training) {
        // The wasm backend has no Conv2DBackpropFilter: show the failure on a
        // batch of one rather than time it.
        await useBackend('wasm');
        try {
          c === 'train' ? peers.wasm.trainStep(1) : peers.wasm.rrrStep(1);
          cells.push({ label: 'wasm', backend: 'wasm', run: peerCell('wasm') });
        } catch (e) {
          out.wasm = { error: String(e.message || e).split('\n')[0] };
        }
        if (c === 'rrr') {
          // Stock TF.js (tf.maxPool, tf.logSoftmax) on a batch of one.
          await useBackend('cpu');
          try { peers.cpu.rrrStep(1, true); out.stock = { ok: true }; } catch (e) { out.stock = { error: String(e.message || e).split('\n')[0] }; }
        }
        if (big && !args.full) {
          // Minutes a step at batch 32: estimate from one batch-2 step.
          await useBackend('cpu');
          const t = cpuNow();
          c === 'train' ? peers.cpu.trainStep(2) : peers.cpu.rrrStep(2);
          const ms2 = cpuNow() - t;
          out.cpu = { ms: (ms2 * BATCH) / 2, estimate: true, note: `estimated: one batch-2 step (${(ms2 / 1000).toFixed(1)} s) × 16; --full times batch 32` };
        } else {
          cells.push({ label: 'cpu', backend: 'cpu', run: peerCell('cpu') });
        }
      } else {
        cells.push({ label: 'wasm', backend: 'wasm', run: peerCell('wasm') });
        cells.push({ label: 'cpu', backend: 'cpu', run: peerCell('cpu') });
      }
      const measured = await measureInterleaved(cells);
      cells.forEach((cell, i) => { out[cell.label] = measured[i]; });
      row.cases[c] = out;
      const fmt = (r) => (!r ? '—' : r.error ? `fails: ${r.error}` : `${r.ms.toFixed(2)} ms${r.estimate ? ' (est.)' : ''}`);
      log(`${net.name} ${c}: engine ${fmt(out.engine)}, native ${fmt(out.native)}, TF.js-wasm ${fmt(out.wasm)}, TF.js-cpu ${fmt(out.cpu)}`);
    }
    results.nets.push(row);
    for (const p of Object.values(peers)) {
      tf.dispose(Object.values(p.inf.params));
      if (p.tr) p.tr.variables.forEach((e) => e.variable.dispose());
    }
  }

  if (!fail.length && args.ort) results.onnx = await measureONNX(engine, dir, JSON.parse(fs.readFileSync(path.join(dir, 'networks.json'), 'utf8')), fail);

  if (!fail.length && args.workers) results.workers = await measureWorkers(engine, dir, nets.filter((n) => n.name !== 'resnet64'));

  // Bundle sizes.
  const tfDir = path.dirname(require.resolve('@tensorflow/tfjs/package.json'));
  const wasmDir = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json'));
  results.sizes = {
    'engine worker, wasm/worker (Go wasm, -s -w)': fs.existsSync(path.join(dir, 'worker.wasm')) ? sizeOf(path.join(dir, 'worker.wasm')) : null,
    'this harness\'s engine module (Go wasm, -s -w)': sizeOf(path.join(dir, 'engine.wasm')),
    'TF.js: tf.min.js (core, layers, converter, cpu + webgl backends)': sizeOf(path.join(tfDir, 'dist', 'tf.min.js')),
    'TF.js: tf-backend-wasm.min.js': sizeOf(path.join(wasmDir, 'dist', 'tf-backend-wasm.min.js')),
    'TF.js: tfjs-backend-wasm-simd.wasm': sizeOf(path.join(wasmDir, 'dist', 'tfjs-backend-wasm-simd.wasm')),
  };
  results.peak = { wasm: peakWasm, native: peakNative };
  results.machine.loadStart = loadStart.toFixed(2);
  results.machine.loadEnd = os.loadavg()[0].toFixed(2);
  results.seconds = (now() - t0) / 1000;
  results.failed = fail;
  fs.writeFileSync(path.join(dir, 'results.json'), JSON.stringify(results, null, 1));
  const md = render(results);
  fs.writeFileSync(path.join(dir, 'results.md'), md);
  // Only a whole run replaces the table in the doc.
  const subset = args.nets || args.cases || args.onnx || args.quick || !args.native || !args.workers || !args.ort;
  if (args.doc && subset) log(`a subset of the cases ran: ${args.doc} is left as it was (results in ${dir}/results.md)`);
  if (args.doc && !subset && !fail.length) updateDoc(path.resolve(args.doc), md);
  console.log(md);
  if (fail.length) {
    log(`\nCORRECTNESS FAILED, nothing timed past the first failing network:\n  ${fail.join('\n  ')}`);
    process.exit(1);
  }
  if (native) native.close();
  process.exit(0); // the Go program never returns
}

// ---- output ---------------------------------------------------------------------------

function render(r) {
  const L = [];
  const ms = (c) => (!c ? '—' : c.error ? `fails: ${c.error}` : c.ms >= 1000 ? `${(c.ms / 1000).toFixed(2)} s` : `${c.ms < 10 ? c.ms.toFixed(2) : c.ms.toFixed(1)} ms`);
  const est = (c) => (c && c.estimate ? ' (est.¹)' : c && c.note === 'one cold run' ? ' (1 run)' : '');
  const ratio = (a, b) => (!a || !b || a.error || b.error || !a.ms || !b.ms ? '—' : `${(a.ms / b.ms).toFixed(2)}${b.estimate ? ' (est.)' : ''}`);
  L.push(`Run: \`make bench-peers\` (${r.seconds.toFixed(0)} s), ${new Date().toISOString().slice(0, 10)}. Machine: ${r.machine.cpu}, ${r.machine.memory}; ${r.machine.os}; Node ${r.machine.node} (V8 ${r.machine.v8}); ${r.machine.go}; TensorFlow.js ${r.machine.tfjs} (wasm backend: SIMD ${r.simd ? 'on' : 'off'}, 1 thread). Load average ${r.machine.loadStart} at the start, ${r.machine.loadEnd} at the end.`);
  L.push('');
  L.push(`Times are medians of CPU time after warm-up (up to ${r.plan.maxReps} runs or ${r.plan.budgetMs / 1000} s per cell; engine-in-wasm, engine native (a child process, asked for one run at a time), TF.js-wasm and TF.js-cpu interleaved run by run). CPU time rather than wall-clock time because the two cores are shared with other jobs: wall-clock medians are in bench/peers/out/results.json. The engine's forward is entered through a WebAssembly export (\`//go:wasmexport\`; writing the image in and copying the logits out included), as TF.js-wasm's module is; its other cases through \`syscall/js\`. Ratio = engine-in-wasm time / the other's time: below 1 the engine is faster. GFLOP/s are nominal (forward F = 2·multiply-adds; gradient 2F; IG 64F; training step 32·3F; RRR step 32·9F), against the engine's own GEMM peak in wasm of ${r.peak.wasm.toFixed(2)} GFLOP/s (native ${r.peak.native.toFixed(2)}).`);
  L.push('');
  for (const n of r.nets) {
    L.push(`**${n.label}** — ${(n.macs / 1e6).toFixed(2)} M multiply-adds per example; ${n.source}`);
    L.push('');
    L.push('| case | engine wasm | engine native | wasm / native | TF.js wasm | engine / TF.js-wasm | TF.js cpu | engine / TF.js-cpu | engine wasm GFLOP/s | % of wasm GEMM peak |');
    L.push('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
    for (const c of CASES) {
      const x = n.cases[c];
      if (!x) continue;
      const gf = x.engine && x.engine.ms ? n.flops[c] / (x.engine.ms / 1e3) / 1e9 : NaN;
      L.push(`| ${CASE_LABEL[c]} | ${ms(x.engine)} | ${ms(x.native)} | ${ratio(x.engine, x.native)} | ${ms(x.wasm)} | ${ratio(x.engine, x.wasm)} | ${ms(x.cpu)}${est(x.cpu)} | ${ratio(x.engine, x.cpu)} | ${isNaN(gf) ? '—' : gf.toFixed(2)} | ${isNaN(gf) ? '—' : ((100 * gf) / r.peak.wasm).toFixed(0) + ' %'} |`);
    }
    const stock = n.cases.rrr && n.cases.rrr.stock;
    if (stock) L.push('', `Stock TF.js RRR (tf.maxPool, tf.logSoftmax, cpu, batch 1): ${stock.error ? 'fails: ' + stock.error.replace(/\.+$/, '') : 'runs (this network has no max-pool), but its second-order gradient through tf.logSoftmax is wrong (ARCHITECTURE.md), so the timed peer uses the hand-written log-softmax'}.`);
    L.push('');
  }
  if (r.nets.some((n) => Object.values(n.cases).some((x) => x.cpu && x.cpu.estimate))) {
    L.push('¹ 64×64 TF.js-cpu training steps take minutes at batch 32; they are estimated as 16 × the CPU time of one batch-2 step (`make bench-peers PEERS_FLAGS=--full` times them at batch 32).');
    L.push('');
  }
  if (r.onnx && r.onnx.rows.length) {
    L.push(`ONNX Runtime Web ${r.onnx.version || ''} (npm onnxruntime-web, wasm backend, 1 thread) against the engine on the same ONNX files, forward at batch 1: the engine imports the file (engine/onnx → graph engine, as the app does). Medians of CPU time, interleaved; ratio = engine / ORT. The gate: ORT's logits against the engine's, relative error < 1e-4 (and both against PyTorch's logits where the fixture has them). Engine memory: the linear memory of a fresh engine module after importing the file and one forward pass (it never shrinks, so this is the peak; about ${(r.onnx.rows[0].engineBase / 2 ** 20).toFixed(0)} MiB of it is there before the model is loaded). ORT's own memory is not measured.`);
    L.push('');
    L.push('| network | engine forward | ORT forward | engine / ORT | engine GFLOP/s | ORT vs engine logits | engine, ORT vs PyTorch | engine wasm memory |');
    L.push('|---|---:|---:|---:|---:|---:|---:|---:|');
    for (const o of r.onnx.rows) {
      if (o.error) { L.push(`| ${o.label} | ${o.error} | | | | | | |`); continue; }
      const gf = o.macs && o.engine && o.engine.ms ? (2 * o.macs) / (o.engine.ms / 1e3) / 1e9 : NaN;
      const torch = o.engineVsTorch === undefined ? '—' : `${o.engineVsTorch.toExponential(1)}, ${o.ortVsTorch.toExponential(1)}`;
      L.push(`| ${o.label} | ${ms(o.engine)} | ${ms(o.ort)} | ${ratio(o.engine, o.ort)} | ${isNaN(gf) ? '—' : gf.toFixed(2)} | ${o.relErr.toExponential(1)}${o.ok ? '' : ' FAIL'} | ${torch} | ${o.engineMemory ? (o.engineMemory / 2 ** 20).toFixed(0) + ' MiB' : '—'} |`);
    }
    L.push('');
  }
  if (r.workers) {
    const w = r.workers;
    L.push(`Several engine workers (Node worker threads, one engine wasm module each, as the app would run one per Web Worker): Integrated Gradients split by steps (\`saliency.Options.Parts\`); training steps split by examples (\`train.Batch.Shard\`), gradients summed and one Adam step taken on the main thread, weights sent back to every worker; the epoch is 16 such steps over the 500 Crosses training images. Wall-clock medians, and the CPU time of all threads together: the split's extra work is CPU(N=2)/CPU(N=1). This machine's ${w.cpus} cores are shared, and Linux divides them between sessions (autogroup scheduling is on), so while other sessions are busy a second worker thread gets no extra CPU and the measured speed-up stays near 1; with a free core per worker it would approach N divided by that overhead.`);
    L.push('');
    L.push('| network | case | N = 1 | N = 2 | measured speed-up | CPU, N = 1 | CPU, N = 2 | split overhead |');
    L.push('|---|---|---:|---:|---:|---:|---:|---:|');
    const label = { ig32: 'Integrated Gradients, 32 steps', train: 'training step, baseline, batch 32', rrr: 'training step, RRR, batch 32', 'rrr-epoch': 'RRR epoch, 500 Crosses images' };
    const t = (v) => (v >= 1000 ? `${(v / 1000).toFixed(2)} s` : `${v.toFixed(1)} ms`);
    for (const row of w.rows) L.push(`| ${row.net} | ${label[row.what]} | ${t(row.ms[1])} | ${t(row.ms[2])} | ${(row.ms[1] / row.ms[2]).toFixed(2)}× | ${t(row.cpu[1])} | ${t(row.cpu[2])} | ${(row.cpu[2] / row.cpu[1]).toFixed(2)}× |`);
    if (w.trainerEpoch) L.push('', `One \`train.Trainer\` RRR epoch over the 500 Crosses training images (λ = 10, batch 32, validation on 128 images included) in one engine module, as the app's worker runs it today: ${t(w.trainerEpoch)}.`);
    L.push('');
  }
  L.push('Correctness checks (before timing; relative error = max |engine − TF.js| / max |TF.js|, must be < 1e-4):');
  L.push('');
  L.push('| network | TF.js backend | quantity | relative error |');
  L.push('|---|---|---|---:|');
  for (const c of r.checks) L.push(`| ${c.net} | ${c.backend} | ${c.what} | ${c.relErr.toExponential(1)}${c.ok ? '' : ' FAIL'} |`);
  L.push('');
  L.push('Engine GEMM (kernels.MatMul, best of 20):');
  L.push('');
  L.push('| M×K×N | wasm GFLOP/s | native GFLOP/s |');
  L.push('|---|---:|---:|');
  for (const [s, g] of Object.entries(r.gemm)) L.push(`| ${s} | ${g.wasm.toFixed(2)} | ${g.native == null ? '—' : g.native.toFixed(2)} |`);
  L.push('');
  L.push('Bundle sizes:');
  L.push('');
  L.push('| file | bytes | gzip -9 |');
  L.push('|---|---:|---:|');
  const kb = (n) => `${(n / 1024 / 1024).toFixed(2)} MB`;
  for (const [f, s] of Object.entries(r.sizes)) if (s) L.push(`| ${f} | ${kb(s.raw)} | ${kb(s.gzip)} |`);
  return L.join('\n') + '\n';
}

// updateDoc replaces the text between the bench-peers markers of doc.
function updateDoc(doc, md) {
  const begin = '<!-- bench-peers:begin (written by make bench-peers) -->';
  const end = '<!-- bench-peers:end -->';
  let text = fs.existsSync(doc) ? fs.readFileSync(doc, 'utf8') : `# Performance\n\n${begin}\n${end}\n`;
  const i = text.indexOf(begin), j = text.indexOf(end);
  if (i < 0 || j < i) text += `\n${begin}\n${end}\n`;
  const a = text.indexOf(begin), b = text.indexOf(end);
  text = text.slice(0, a + begin.length) + '\n' + md + text.slice(b);
  fs.writeFileSync(doc, text);
  log(`updated ${doc}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
