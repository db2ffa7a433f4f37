// Diagnostic: splits the cost of a Tiercache L1 hit into its steps, each timed in this process.
// Imports package internals from dist on purpose; not part of the benchmark report.
import { LRUCache } from 'lru-cache';
import { TieredCache } from '@tiercache/core';
import { KEYS, KEY_COUNT, makeValue, throughput } from '../lib/common.mjs';

const mask = KEY_COUNT - 1;
const values = KEYS.map((_, i) => makeValue(i));
const lru = new LRUCache({ max: 10_000 });
const prefixed = KEYS.map((k) => `bench:${k}`);
KEYS.forEach((k, i) => lru.set(`bench:${k}`, { value: values[i], until: Infinity, size: 1 }));
const lruSized = new LRUCache({ max: 10_000, maxSize: 2 ** 30, sizeCalculation: (s) => s.size });
KEYS.forEach((k, i) => lruSized.set(`bench:${k}`, { value: values[i], until: Infinity, size: 1 }));
const cache = new TieredCache({ namespace: 'bench', ttl: 60_000, l1: { maxEntries: 10_000, mutationSafe: false }, logger: { log() {}, warn() {}, error() {} } });
for (let i = 0; i < KEY_COUNT; i++) await cache.getOrSet(KEYS[i], async () => values[i]);
let sink = 0;
const steps = {
  'lru.get(prebuilt key)': async (n) => {
    for (let i = 0; i < n; i++) sink += lru.get(prefixed[i & mask]).size;
  },
  'lru.get(prefix + key, built per call)': async (n) => {
    for (let i = 0; i < n; i++) sink += lru.get('bench:' + KEYS[i & mask]).size;
  },
  'lru(maxSize).get(prefix + key) + Date.now()': async (n) => {
    for (let i = 0; i < n; i++) {
      const s = lruSized.get('bench:' + KEYS[i & mask]);
      if (s.until > Date.now()) sink += s.size;
    }
  },
  'cache.keyFor(key)': async (n) => {
    for (let i = 0; i < n; i++) sink += cache.keyFor(KEYS[i & mask]).length;
  },
  'await cache.getOrSet(key) (L1 only, fast mode)': async (n) => {
    for (let i = 0; i < n; i++) sink += (await cache.getOrSet(KEYS[i & mask], () => undefined)).id;
  },
  'await cache.get(key) (L1 only, fast mode)': async (n) => {
    for (let i = 0; i < n; i++) sink += (await cache.get(KEYS[i & mask])).id;
  },
};
const only = process.argv[2];
for (const [name, fn] of Object.entries(steps)) {
  if (only && !name.startsWith(only)) continue;
  const r = await throughput(fn);
  console.log(`${(r.opsPerSec / 1e6).toFixed(2).padStart(7)} M ops/s  ${name}`);
}
if (sink < 0) console.log(sink);
