// L2 hit with 64 requests in flight, L1 off: Tiercache and peers against raw ioredis 6 GET (and GET + JSON.parse).
import { KEYS, KEY_COUNT, inFlight, ioredis6, makeValue, report, throughput } from '../lib/common.mjs';
import { createContestant } from '../lib/contestants.mjs';

export const CONCURRENCY = 64;
const kind = process.argv[2];
const url = process.env.REDIS_URL;
const mask = KEY_COUNT - 1;
const batch = 4_096;
let result;
let sink = 0;

const raw = /^raw-(get|getparse)-(auto|noauto|tcopts)$/.exec(kind);
if (raw) {
  const Redis = ioredis6();
  // tcopts: the options Tiercache gives the clients it creates (auto-pipelining plus a 500 ms command timeout).
  const options =
    raw[2] === 'tcopts'
      ? { enableAutoPipelining: true, enableOfflineQueue: false, commandTimeout: 500, maxRetriesPerRequest: 1 }
      : { enableAutoPipelining: raw[2] === 'auto' };
  const client = new Redis(url, options);
  await client.ping().catch(async () => {
    await new Promise((r) => client.once('ready', r));
  });
  const prefixed = KEYS.map((k) => `raw:${k}`);
  const setup = new Redis(url);
  for (let i = 0; i < KEY_COUNT; i++) await setup.set(prefixed[i], JSON.stringify(makeValue(i)), 'PX', 600_000);
  await setup.quit();
  const parse = raw[1] === 'getparse';
  const op = parse
    ? async (i) => {
        sink += JSON.parse(await client.get(prefixed[i & mask])).id;
      }
    : async (i) => {
        sink += (await client.get(prefixed[i & mask])).length;
      };
  result = await throughput(inFlight(op, CONCURRENCY), { batch });
  await client.quit();
} else {
  const c = await createContestant(kind, { url, l1: false, namespace: `l2-${kind}` });
  const loaders = KEYS.map((_, i) => async () => makeValue(i));
  let loads = 0;
  for (let i = 0; i < KEY_COUNT; i++) await c.getOrSet(KEYS[i], loaders[i]);
  const counting = async () => {
    loads++;
    return makeValue(0);
  };
  const getOrSet = c.getOrSet;
  result = await throughput(
    inFlight(async (i) => {
      sink += (await getOrSet(KEYS[i & mask], counting)).id;
    }, CONCURRENCY),
    { batch },
  );
  result.loadsDuringRun = loads;
  await c.close();
}
if (sink < 0) console.log(sink);
report({ kind, concurrency: CONCURRENCY, ...result });
process.exit(0);
