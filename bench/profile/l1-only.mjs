// Diagnostic: Tiercache L1 hits with and without an L2 configured (argv[2] = 'l2' to add one).
import { TieredCache } from '@tiercache/core';
import { KEYS, makeValue, throughput } from '../lib/common.mjs';
const withL2 = process.argv[2] === 'l2';
const cache = new TieredCache({
  namespace: 'b', ttl: 600_000, l1: { maxEntries: 10_000, mutationSafe: process.argv[3] === 'safe' },
  l2: withL2 ? { redis: process.env.REDIS_URL } : false,
  logger: { log() {}, warn() {}, error() {} },
});
for (let i = 0; i < 1024; i++) await cache.getOrSet(KEYS[i], async () => makeValue(i));
const l = () => undefined;
let sink = 0;
const r = await throughput(async (n) => {
  for (let i = 0; i < n; i++) sink += (await cache.getOrSet(KEYS[i & 1023], l)).id;
}, { clock: 'cpu' });
console.log(`@@ ${withL2 ? 'L1+L2' : 'L1 only'} ${process.argv[3] ?? 'fast'}: ${(r.opsPerSec / 1e6).toFixed(2)} M ops/CPU-s, rounds ${r.rounds.map((x) => (x / 1e6).toFixed(2)).join(' ')}`);
await cache.close();
process.exit(0);
