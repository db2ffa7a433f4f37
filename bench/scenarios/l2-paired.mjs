// L2 hit, paired: raw ioredis 6 GET + JSON.parse (auto-pipelining) and a contestant (L1 off) in the
// same process, measured in alternating rounds at 64 in flight. The ratio of each pair of rounds
// cancels most of the drift a shared machine adds; the figure is the median of those ratios.
import { KEYS, KEY_COUNT, ROUNDS, inFlight, ioredis6, makeValue, paired, report } from '../lib/common.mjs';
import { createContestant } from '../lib/contestants.mjs';

const CONCURRENCY = 64;
const kind = process.argv[2];
const url = process.env.REDIS_URL;
const mask = KEY_COUNT - 1;
const PAIRS = Number(process.env.BENCH_PAIRS ?? ROUNDS * 2);
let sink = 0;

const Redis = ioredis6();
const client = new Redis(url, { enableAutoPipelining: true });
await client.ping();
const prefixed = KEYS.map((k) => `raw:${k}`);
for (let i = 0; i < KEY_COUNT; i++) await client.set(prefixed[i], JSON.stringify(makeValue(i)), 'PX', 600_000);
const raw = inFlight(async (i) => {
  sink += JSON.parse(await client.get(prefixed[i & mask])).id;
}, CONCURRENCY);

const c = await createContestant(kind, { url, l1: false, namespace: `l2p-${kind}` });
const loaders = KEYS.map((_, i) => async () => makeValue(i));
for (let i = 0; i < KEY_COUNT; i++) await c.getOrSet(KEYS[i], loaders[i]);
const getOrSet = c.getOrSet;
const subject = inFlight(async (i) => {
  sink += (await getOrSet(KEYS[i & mask], loaders[i & mask])).id;
}, CONCURRENCY);

const result = await paired(raw, subject, { pairs: PAIRS });
await c.close();
await client.quit();
if (sink < 0) console.log(sink);
report({ kind, concurrency: CONCURRENCY, ...result });
process.exit(0);
