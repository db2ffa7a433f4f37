// Hit rate of a fresh instance in its first requests, with and without predictive warming (HotKeys),
// on a Zipf workload. A running instance serves WARM_REQUESTS requests (filling L2 and the fleet's
// ranking), then a new instance on the same Redis serves FIRST_REQUESTS: `cold` straight away,
// `predictive` after HotKeys.warm(). The figure is the new instance's L1 hit rate over its first
// requests (L2 holds every key either way, so loads from the database are about the same).
import { HotKeys, HOT_KEYS_LABEL, TieredCache } from '@tiercache/core';
import { makeValue, report, silentLogger } from '../lib/common.mjs';

const mode = process.argv[2];
const KEYS = Number(process.env.BENCH_PW_KEYS ?? 5_000);
const WARM_REQUESTS = Number(process.env.BENCH_PW_WARM ?? 20_000);
const FIRST_REQUESTS = Number(process.env.BENCH_PW_FIRST ?? 5_000);
const TOP_N = Number(process.env.BENCH_PW_TOP ?? 500);
const ZIPF_S = 1.0;

/** Seeded, so both contestants see the same requests. */
function mulberry32(seed) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const cdf = [];
let total = 0;
for (let k = 1; k <= KEYS; k++) cdf.push((total += 1 / k ** ZIPF_S));
function zipf(random) {
  const u = random() * total;
  let lo = 0;
  let hi = KEYS - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cdf[mid] < u) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

const namespace = `bench-pw-${process.pid}`;
const options = { namespace, ttl: 600_000, logger: silentLogger, l1: { maxEntries: 10_000 }, l2: { redis: process.env.REDIS_URL } };
let dbReads = 0;
const load = (i) => () => (dbReads++, makeValue(i));

const running = new TieredCache(options);
await running.ready();
const runningHot = new HotKeys({ cache: running, topN: TOP_N, logger: silentLogger });
runningHot.start();
const before = mulberry32(1);
for (let r = 0; r < WARM_REQUESTS; r++) {
  const i = zipf(before);
  await running.getOrSet(`item:${i}`, load(i));
}
await runningHot.publish();

const fresh = new TieredCache(options);
await fresh.ready();
let warm;
if (mode === 'predictive') {
  const started = performance.now();
  const result = await new HotKeys({ cache: fresh, topN: TOP_N, logger: silentLogger }).warm({ timeoutMs: 10_000 });
  warm = { ...result, ms: performance.now() - started };
}
let l1Hits = 0;
fresh.events.on('hit', ({ tier, label }) => {
  if (tier === 'l1' && label !== HOT_KEYS_LABEL) l1Hits++;
});
const windows = [100, 1_000, FIRST_REQUESTS];
const rates = {};
const after = mulberry32(2);
dbReads = 0;
const started = performance.now();
for (let r = 1; r <= FIRST_REQUESTS; r++) {
  const i = zipf(after);
  await fresh.getOrSet(`item:${i}`, load(i));
  if (windows.includes(r)) rates[r] = l1Hits / r;
}
const seconds = (performance.now() - started) / 1_000;
report({ mode, keys: KEYS, zipfS: ZIPF_S, topN: TOP_N, warmRequests: WARM_REQUESTS, firstRequests: FIRST_REQUESTS, rates, dbReads, seconds, warm });
await runningHot.close();
await running.close();
await fresh.close();
