'use strict';
// compare.js: two builds of the engine side by side in one Node process —
// for the before/after numbers of a kernel change. Each build is an engine
// wasm module (./enginewasm built from some commit) and optionally its native
// command (./cmd/native); every case of every network runs on all of them
// interleaved, run by run, and the CPU-time medians are printed as a
// markdown table.
//
//   node bench/peers/compare.js --dir bench/peers/out --a before.wasm --b after.wasm \
//        [--native-a before-native --native-b after-native] [--nets crosses,phantom]

const fs = require('fs');
const path = require('path');
const { spawn } = require('child_process');
const { startEngine } = require('./engine');

const args = { dir: path.join(__dirname, 'out'), nets: '', reps: '9' };
for (let i = 2; i + 1 < process.argv.length; i += 2) args[process.argv[i].replace(/^--/, '')] = process.argv[i + 1];

const cpuNow = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2; };

function nativeChild(bin) {
  const child = spawn(bin, ['-serve', '-dir', args.dir], { stdio: ['pipe', 'pipe', 'inherit'] });
  let buf = '';
  const waiting = [];
  child.stdout.on('data', (d) => {
    buf += d.toString();
    let i;
    while ((i = buf.indexOf('\n')) >= 0) { const line = buf.slice(0, i); buf = buf.slice(i + 1); waiting.shift()(line); }
  });
  const ready = new Promise((r) => waiting.push(r));
  return {
    ready,
    run: (net, c) => new Promise((resolve, reject) => {
      waiting.push((line) => (line.startsWith('error') ? reject(new Error(line)) : resolve(Number(line.split(' ')[1]))));
      child.stdin.write(`run ${net} ${c}\n`);
    }),
    close: () => child.stdin.end(),
  };
}

(async () => {
  const a = await startEngine(path.resolve(args.a));
  delete globalThis.seEngine;
  const b = await startEngine(path.resolve(args.b));
  let nets = JSON.parse(fs.readFileSync(path.join(args.dir, 'networks.json'), 'utf8'));
  if (args.nets) nets = nets.filter((n) => args.nets.split(',').includes(n.name));
  const natives = {};
  if (args['native-a']) natives.a = nativeChild(path.resolve(args['native-a']));
  if (args['native-b']) natives.b = nativeChild(path.resolve(args['native-b']));
  for (const n of Object.values(natives)) await n.ready;
  const cols = [['wasm a', a], ['wasm b', b]];
  const rows = [];
  for (const net of nets) {
    for (const e of [a, b]) {
      const err = e.load(net.name, new Uint8Array(fs.readFileSync(path.join(args.dir, net.arch))), new Uint8Array(fs.readFileSync(path.join(args.dir, net.weights))));
      if (err) throw new Error(err);
    }
    for (const c of (args.cases || 'forward,gradient,ig32,train,rrr').split(',')) {
      // The forward through the modules' exported entry when both builds
      // have it, as bench.js times it (see enginewasm); otherwise, and for
      // the other cases, through syscall/js.
      const image = a.image(net.name);
      const exported = c === 'forward' && a.forwardSlot && b.forwardSlot;
      const runner = (e) => (exported ? () => e.forward(net.name, image) : () => { const err = e.run(net.name, c); if (err) throw new Error(err); });
      const cells = [['wasm a', runner(a)], ['wasm b', runner(b)]].map(([name, run]) => ({ name, f: async () => { const t = cpuNow(); run(); return cpuNow() - t; } }));
      for (const [k, n] of Object.entries(natives)) cells.push({ name: `native ${k}`, f: () => n.run(net.name, c) });
      const runs = cells.map(() => []);
      const slow = c === 'rrr' || c === 'train' ? (net.input[1] > 32 ? 2 : 4) : +args.reps;
      const warm = c === 'rrr' || c === 'train' ? 2 : 8; // V8 tiers hot wasm up after some runs
      for (let r = 0; r < warm + slow; r++) {
        for (let i = 0; i < cells.length; i++) {
          const ms = await cells[i].f();
          if (r >= warm) runs[i].push(ms);
        }
      }
      const row = { net: net.name, case: c, ms: Object.fromEntries(cells.map((cell, i) => [cell.name, median(runs[i])])) };
      rows.push(row);
      console.error(net.name, c, JSON.stringify(row.ms));
    }
  }
  for (const n of Object.values(natives)) n.close();
  const names = Object.keys(rows[0].ms);
  const fmt = (v) => (v >= 1000 ? `${(v / 1000).toFixed(2)} s` : `${v.toFixed(2)} ms`);
  const out = [`| network | case | ${names.join(' | ')} | wasm a / wasm b |${natives.a && natives.b ? ' native a / native b |' : ''}`, `|---|---|${names.map(() => '---:').join('|')}|---:|${natives.a && natives.b ? '---:|' : ''}`];
  for (const r of rows) out.push(`| ${r.net} | ${r.case} | ${names.map((n) => fmt(r.ms[n])).join(' | ')} | ${(r.ms['wasm a'] / r.ms['wasm b']).toFixed(2)}× |${natives.a && natives.b ? ` ${(r.ms['native a'] / r.ms['native b']).toFixed(2)}× |` : ''}`);
  console.log(out.join('\n'));
  process.exit(0);
})().catch((e) => { console.error(e); process.exit(1); });
