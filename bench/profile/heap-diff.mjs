// Diagnostic: what each L1 entry costs by V8 object kind (heap snapshots before and after N fills).
// node --expose-gc bench/profile/heap-diff.mjs raw | tiercache-safe | tiercache-fast
import v8 from 'node:v8';
import fs from 'node:fs';
import { LRUCache } from 'lru-cache';
const root = '../';
const { makeValue } = await import(root + 'lib/common.mjs');
const { createContestant } = await import(root + 'lib/contestants.mjs');
const kind = process.argv[2];
const N = 20000;
let holder, fill;
if (kind === 'raw') { holder = new LRUCache({ max: 2 * N }); fill = async (k, v) => void holder.set(k, v); }
else { holder = await createContestant(kind, { l2: false, maxEntries: 2 * N, namespace: 'mem' }); fill = (k, v) => holder.getOrSet(k, async () => v); }
for (let i = 0; i < 1000; i++) await fill(`warm:${i}`, JSON.parse(JSON.stringify(makeValue(i))));
function agg() {
  globalThis.gc(); globalThis.gc();
  const file = v8.writeHeapSnapshot('/tmp/wt22d/snap.heapsnapshot');
  const snap = JSON.parse(fs.readFileSync(file, 'utf8'));
  fs.unlinkSync(file);
  const f = snap.snapshot.meta.node_fields; const types = snap.snapshot.meta.node_types[0];
  const n = f.length; const ti = f.indexOf('type'), ni = f.indexOf('name'), si = f.indexOf('self_size');
  const m = new Map();
  for (let i = 0; i < snap.nodes.length; i += n) {
    const t = types[snap.nodes[i + ti]]; let name = t === 'string' || t === 'concatenated string' || t==='sliced string' ? '' : snap.strings[snap.nodes[i + ni]];
    if (name.length > 60) name = name.slice(0, 60);
    const k = t + ':' + name; const e = m.get(k) ?? [0, 0]; e[0]++; e[1] += snap.nodes[i + si]; m.set(k, e);
  }
  return m;
}
const a = agg();
for (let i = 0; i < N; i++) await fill(`item:${i}`, JSON.parse(JSON.stringify(makeValue(i))));
const b = agg();
const rows = [];
for (const [k, [c, s]] of b) { const [c0, s0] = a.get(k) ?? [0, 0]; if (Math.abs(s - s0) > N * 2) rows.push([k, (c - c0) / N, (s - s0) / N]); }
rows.sort((x, y) => y[2] - x[2]);
let tot = 0; for (const r of rows) { tot += r[2]; console.log(r[0].padEnd(60), r[1].toFixed(2), r[2].toFixed(1)); }
console.log('total/entry', tot.toFixed(1), 'size', holder.size ?? holder.cache?.status().l1);
process.exit(0);
