// One process of the fleet stampede: connects, warms up, says it is ready, waits for the release
// message on Redis pub/sub, then fires CALLERS concurrent getOrSet calls on the one cold key.
import { ioredis6, makeValue, report } from '../lib/common.mjs';
import { createContestant, warmStampedes } from '../lib/contestants.mjs';

const [kind, key, counterKey, channel, callersArg] = process.argv.slice(2);
const callers = Number(callersArg);
const url = process.env.REDIS_URL;
const Redis = ioredis6();
const counter = new Redis(url);
const sub = new Redis(url);
const c = await createContestant(kind, { url, namespace: 'stampede' });
const counted = [];
const loader = async () => {
  counted.push(counter.incr(counterKey));
  await new Promise((r) => setTimeout(r, 50));
  return makeValue(1);
};
await warmStampedes(kind, url, c, callers);
await sub.subscribe(channel);
const released = new Promise((resolve) => sub.on('message', () => resolve(performance.now())));
process.stdout.write('READY\n');
const start = await released;
const latencies = await Promise.all(
  Array.from({ length: callers }, () => c.getOrSet(key, loader).then(() => performance.now() - start)),
);
await Promise.all(counted);
report({ latencies });
await Promise.allSettled([c.close(), counter.quit(), sub.quit()]);
process.exit(0);
