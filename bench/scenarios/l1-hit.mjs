// L1 hit: sequential awaited reads of 1 024 keys that are all in L1. One contestant per process.
import { LRUCache } from 'lru-cache';
import { KEYS, KEY_COUNT, makeValue, report, throughput } from '../lib/common.mjs';
import { createContestant } from '../lib/contestants.mjs';

const kind = process.argv[2];
const url = process.env.REDIS_URL;
const mask = KEY_COUNT - 1;
let result;

if (kind === 'raw-lru') {
  const lru = new LRUCache({ max: 10_000 });
  for (let i = 0; i < KEY_COUNT; i++) lru.set(KEYS[i], makeValue(i));
  let sink = 0;
  result = await throughput(async (n) => {
    for (let i = 0; i < n; i++) sink += lru.get(KEYS[i & mask]).id;
  }, { clock: 'cpu' });
  if (sink < 0) console.log(sink);
} else if (kind === 'noop-await') {
  const value = makeValue(0);
  const noop = async () => value;
  let sink = 0;
  result = await throughput(async (n) => {
    for (let i = 0; i < n; i++) sink += (await noop()).id;
  }, { clock: 'cpu' });
  if (sink < 0) console.log(sink);
} else {
  const c = await createContestant(kind, { url, namespace: `l1-${kind}` });
  let loads = 0;
  const loaders = KEYS.map((_, i) => async () => (loads++, makeValue(i)));
  for (let i = 0; i < KEY_COUNT; i++) await c.getOrSet(KEYS[i], loaders[i]);
  const loadsBefore = loads;
  let sink = 0;
  const getOrSet = c.getOrSet;
  result = await throughput(async (n) => {
    for (let i = 0; i < n; i++) sink += (await getOrSet(KEYS[i & mask], loaders[i & mask])).id;
  }, { clock: 'cpu' });
  if (sink < 0) console.log(sink);
  result.loadsDuringRun = loads - loadsBefore;
  await c.close();
}
report({ kind, ...result });
process.exit(0);
