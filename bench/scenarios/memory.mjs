// Heap retained per 100 000 L1 entries of 1 KB JSON values (L1 only), from heap deltas around a full GC.
import { LRUCache } from 'lru-cache';
import { inFlight, makeValue, report } from '../lib/common.mjs';
import { createContestant } from '../lib/contestants.mjs';

const kind = process.argv[2];
const N = 100_000;
// Values as a database driver or JSON body hands them over (flat strings, own arrays), which is also
// how Tiercache keeps them. makeValue's template literals, 'x'.repeat and array literals build
// rope strings and copy-on-write arrays that take less heap than the same data in any real value,
// so holding them unchanged made the raw baseline cheaper than "the same values".
const valueOf = (i) => JSON.parse(JSON.stringify(makeValue(i)));
if (typeof globalThis.gc !== 'function') throw new Error('run with --expose-gc');
const settle = async () => {
  for (let i = 0; i < 3; i++) {
    globalThis.gc();
    await new Promise((r) => setImmediate(r));
  }
  return process.memoryUsage().heapUsed;
};

let holder;
let fill;
if (kind === 'raw-lru-objects') {
  holder = new LRUCache({ max: 2 * N });
  fill = async (key, value) => void holder.set(key, value);
} else if (kind === 'raw-lru-json') {
  holder = new LRUCache({ max: 2 * N });
  fill = async (key, value) => void holder.set(key, JSON.stringify(value));
} else {
  holder = await createContestant(kind, { l2: false, maxEntries: 2 * N, namespace: 'mem' });
  // cacheable and cache-manager are filled with set(): their getOrSet is slow enough to blow the time budget.
  fill = kind === 'cacheable' || kind === 'cache-manager' ? (key, value) => holder.cache.set(key, value, 60_000) : (key, value) => holder.getOrSet(key, async () => value);
}
// Warm the code paths (and lazily created structures) before the baseline measurement.
for (let i = 0; i < 1_000; i++) await fill(`warm:${i}`, valueOf(i));
const before = await settle();
// 64 writes in flight: the fill path is not what is measured, and some peers are slow one at a time.
await inFlight((i) => fill(`item:${i}`, valueOf(i)), 64)(N);
const after = await settle();
const l1 = kind.startsWith('raw') ? { entries: holder.size } : holder.cache.status?.().l1;
// Tiercache's own estimate (what `l1.maxBytes` bounds), per entry, next to the measured heap.
const estimatedPerEntry = l1?.bytes === undefined ? undefined : l1.bytes / l1.entries;
report({ kind, entries: N, bytes: after - before, bytesPerEntry: (after - before) / N, l1Entries: l1?.entries, estimatedPerEntry });
process.exit(0);
