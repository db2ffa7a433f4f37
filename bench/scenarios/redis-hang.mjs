// Redis hung (its own redis-server, SIGSTOPped: connections stay open, nothing answers), default
// settings: the first 5 calls, the p99 once the breaker is open against an L1-only cache measured in
// the same run (the baseline), and how soon the breaker closes after SIGCONT. Each call uses a new
// key, so it must go past L1 to the (hung) L2.
import { makeValue, percentile, report, startRedis, withTimeout } from '../lib/common.mjs';
import { createContestant } from '../lib/contestants.mjs';

const kind = process.argv[2];
const CALL_CAP_MS = 3_000;
const CALLS = 500;
const COMMAND_TIMEOUT_MS = 500; // the default of clients Tiercache creates
const redis = await startRedis();
let wrong = 0;
const loader = (key) => async () => ({ key, value: makeValue(1) });
const timed = async (c, key) => {
  const start = performance.now();
  const outcome = await withTimeout(c.getOrSet(key, loader(key)), CALL_CAP_MS);
  if (!outcome.ok || outcome.value?.key !== key) wrong++;
  return performance.now() - start;
};

try {
  const baseline = await createContestant(kind, { l2: false });
  const base = [];
  for (let i = 0; i < CALLS; i++) base.push(await timed(baseline, `base:${i}`));
  await baseline.close();

  const c = await createContestant(kind, { url: redis.url });
  await c.getOrSet('warm', loader('warm'));
  redis.freeze();
  const firstCallsMs = [];
  for (let i = 0; i < 5; i++) firstCallsMs.push(await timed(c, `hung:${i}`));
  const open = [];
  for (let i = 0; i < CALLS; i++) open.push(await timed(c, `open:${i}`));
  const breakerWasOpen = c.cache.status().l2.breakerOpen;

  redis.thaw();
  const thawed = performance.now();
  while (c.cache.status().l2.breakerOpen && performance.now() - thawed < 10_000) await new Promise((r) => setTimeout(r, 1));
  const closedAfterThawMs = performance.now() - thawed;
  report({
    kind,
    commandTimeoutMs: COMMAND_TIMEOUT_MS,
    firstCallsMs,
    breakerWasOpen,
    p99Open: percentile(open, 99),
    p99Baseline: percentile(base, 99),
    closedAfterThawMs,
    wrong,
  });
  await c.close();
} finally {
  await redis.stop();
}
setTimeout(() => process.exit(0), 50);
