// Tiercache against the limit of each path, paired in one process (see `paired` in lib/common.mjs):
//   l2:<bytes>   L2 hit, L1 off, 64 in flight          vs raw ioredis 6 GET + JSON.parse (auto-pipelining)
//   l2-l1one     L2 hit through an L1 of one entry      vs the same (every read: L1 miss, GET, decode, fill)
//   set          write-through `set`, 64 in flight      vs raw SET of the JSON text
//   l1:<mode>    L1 hit, sequential `getOrSet`          vs lru-cache get inside an awaited async function
//   timeout      raw GET + JSON.parse with Tiercache's 500 ms commandTimeout vs without (what the timeout costs)
import { LRUCache } from 'lru-cache';
import { KEYS, KEY_COUNT, ROUNDS, ROUND_MS, inFlight, ioredis6, makeSizedValue, paired, report } from '../lib/common.mjs';
import { createContestant, TTL_MS } from '../lib/contestants.mjs';

const CONCURRENCY = 64;
const L2_PAIRS = ROUNDS * 6;
const target = process.argv[2];
const url = process.env.REDIS_URL;
const mask = KEY_COUNT - 1;
const [path, arg] = target.split(':');
const bytes = path === 'l2' ? Number(arg) : 1024;
const values = KEYS.map((_, i) => makeSizedValue(i, bytes));
const loaders = values.map((value) => async () => value);
let sink = 0;

const Redis = ioredis6();
const client = new Redis(url, { enableAutoPipelining: true });
await client.ping();
const rawKeys = KEYS.map((k) => `raw:${k}`);
const texts = values.map((value) => JSON.stringify(value));

let baseline;
let contestant;
if (path === 'l1') {
  const lru = new LRUCache({ max: 10_000 });
  for (let i = 0; i < KEY_COUNT; i++) lru.set(KEYS[i], values[i]);
  const get = async (key) => lru.get(key);
  baseline = async (n) => {
    for (let i = 0; i < n; i++) sink += (await get(KEYS[i & mask])).id;
  };
  contestant = await createContestant(arg === 'fast' ? 'tiercache-fast' : 'tiercache-safe', { url, namespace: `t-${target}` });
  for (let i = 0; i < KEY_COUNT; i++) await contestant.getOrSet(KEYS[i], loaders[i]);
} else if (path === 'set') {
  baseline = inFlight((i) => client.set(rawKeys[i & mask], JSON.stringify(values[i & mask]), 'PX', TTL_MS), CONCURRENCY);
  contestant = await createContestant('tiercache-safe', { url, namespace: `t-${target}` });
} else {
  for (let i = 0; i < KEY_COUNT; i++) await client.set(rawKeys[i], texts[i], 'PX', 600_000);
  baseline = inFlight(async (i) => {
    sink += JSON.parse(await client.get(rawKeys[i & mask])).id;
  }, CONCURRENCY);
  if (path === 'timeout') {
    const timed = new Redis(url, { enableAutoPipelining: true, commandTimeout: 500 });
    const subject = inFlight(async (i) => {
      sink += JSON.parse(await timed.get(rawKeys[i & mask])).id;
    }, CONCURRENCY);
    const result = await paired(baseline, subject);
    await Promise.all([timed.quit(), client.quit()]);
    report({ kind: target, bytes, ...result });
    process.exit(0);
  }
  const l1 = path === 'l2-l1one';
  contestant = await createContestant('tiercache-safe', { url, l1, maxEntries: 1, namespace: `t-${target}` });
  for (let i = 0; i < KEY_COUNT; i++) await contestant.getOrSet(KEYS[i], loaders[i]);
}

const { cache } = contestant;
let subject;
if (path === 'l1') {
  // The cache's own method, as a user calls it: the baseline calls its function directly too.
  subject = async (n) => {
    for (let i = 0; i < n; i++) sink += (await cache.getOrSet(KEYS[i & mask], loaders[i & mask])).id;
  };
} else if (path === 'set') {
  subject = inFlight((i) => cache.set(KEYS[i & mask], values[i & mask]), CONCURRENCY);
} else {
  subject = inFlight(async (i) => {
    sink += (await cache.getOrSet(KEYS[i & mask], loaders[i & mask])).id;
  }, CONCURRENCY);
}
const loadsBefore = cache.stats().loads;
// Batches of at most 4 096 calls and about 4 MB of values, so a round of 100 KB values stays near its budget.
// A round that shares Redis and the event loop with 64 calls in flight swings by ±25 % with when GC
// and Redis's own work land in it: L2 paths take three times the pairs, so their median settles.
// Values past 25 KB get longer rounds: after the GC that starts each half, V8 takes a few hundred
// milliseconds of such reads to grow its young generation back, and a short half measures that
// growth (which favours whichever side keeps replies alive longer) rather than the steady state.
const result = await paired(
  baseline,
  subject,
  path === 'l1'
    ? { batch: 10_000, clock: 'cpu' }
    : { batch: Math.min(4_096, Math.max(64, Math.round((4_096 * 1_024) / bytes))), pairs: L2_PAIRS, roundMs: ROUND_MS * Math.max(1, Math.round(bytes / 25_600)) },
);
const loadsDuringRun = path === 'set' ? 0 : cache.stats().loads - loadsBefore;
await contestant.close();
await client.quit();
if (sink < 0) console.log(sink);
report({ kind: target, bytes, ...result, loadsDuringRun });
process.exit(0);
