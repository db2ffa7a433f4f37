// Redis down (a loopback port nobody listens on), default settings: the first call's time and the
// p99 of the next calls, each on a new key so that every call goes past L1 to the (dead) L2.
import { freePort, makeValue, percentile, report, withTimeout } from '../lib/common.mjs';
import { createContestant } from '../lib/contestants.mjs';

const kind = process.argv[2];
const CALL_CAP_MS = 2_000;
const NEXT_CALLS = 200;
const TOTAL_CAP_MS = 4_000;
const port = await freePort();
const url = `redis://127.0.0.1:${port}`;
let errors = 0;
const swallow = (error) => {
  errors++;
  void error;
};
process.on('unhandledRejection', swallow);

const loader = async () => makeValue(1);
const created = performance.now();
const c = await createContestant(kind, {
  url,
  waitReady: false,
  // Keep @keyv/redis from throwing on a failed connection in the constructor's background connect.
  keyvRedisOptions: undefined,
});
const constructMs = performance.now() - created;
const call = async (key) => {
  const start = performance.now();
  const outcome = await withTimeout(Promise.resolve().then(() => c.getOrSet(key, loader)), CALL_CAP_MS);
  return { ms: performance.now() - start, ok: outcome.ok, timedOut: !!outcome.timedOut, error: outcome.error?.message };
};
const first = await call('down:0');
const next = [];
const deadline = performance.now() + TOTAL_CAP_MS;
for (let i = 1; i <= NEXT_CALLS && performance.now() < deadline; i++) next.push(await call(`down:${i}`));
const times = next.map((r) => r.ms);
// The first calls after the first one can still wait on the connection attempt it started; the steady
// state is what comes after them. (Over 100 calls a p99 is the second-slowest call.)
const SETTLING_CALLS = 5;
const settled = [first, ...next].slice(SETTLING_CALLS).map((r) => r.ms);
report({
  kind,
  constructMs,
  firstMs: first.ms,
  firstOk: first.ok,
  firstTimedOut: first.timedOut,
  firstError: first.error,
  nextCalls: next.length,
  nextFailed: next.filter((r) => !r.ok).length,
  nextTimedOut: next.filter((r) => r.timedOut).length,
  p50: percentile(times, 50),
  p99: percentile(times, 99),
  settledCalls: settled.length,
  settledP99: percentile(settled, 99),
  capMs: CALL_CAP_MS,
});
void Promise.resolve(c.close()).catch(swallow);
setTimeout(() => process.exit(0), 50);
