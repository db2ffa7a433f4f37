// Cost of invalidating one tag shared by N entries (L1 + L2). Tiercache reports "not implemented"
// until `invalidateTags` exists; the scenario then uses set(key, value, { tags }) + invalidateTags([tag]).
import { inFlight, makeValue, median, report } from '../lib/common.mjs';
import { createContestant } from '../lib/contestants.mjs';

const [kind, sizeArg] = process.argv.slice(2);
const size = Number(sizeArg);
const url = process.env.REDIS_URL;
const ROUNDS = 5;

const c = await createContestant(kind, { url, namespace: `tags-${kind}-${size}`, maxEntries: 2 * size + 1_000, tags: true });
if (!c.supportsTags) {
  report({ kind, size, notImplemented: true });
  await c.close();
  process.exit(0);
}
const value = makeValue(7);
// Every entry carries ROUNDS tags and each round invalidates one of them, so one population serves
// every round (a lazy implementation pays the same each round; an eager one finds the work in round 1).
const tags = Array.from({ length: ROUNDS }, (_, r) => `group-${r}`);
const started = performance.now();
// Written with each library's batch API where it has one (the write path is not what is measured).
if (c.setManyTagged) {
  const CHUNK = 500;
  await inFlight(async (chunk) => {
    const items = [];
    for (let i = chunk * CHUNK; i < Math.min(size, (chunk + 1) * CHUNK); i++) items.push({ key: `entry:${i}`, value, tags });
    await c.setManyTagged(items);
  }, 8)(Math.ceil(size / CHUNK));
} else {
  await inFlight((i) => c.setTagged(`entry:${i}`, value, tags), 64)(size);
}
const populateMs = performance.now() - started;
const invalidations = [];
let stale = 0;
for (let round = 0; round < ROUNDS; round++) {
  const tag = tags[round];
  // Pay the GC debt of writing N entries before timing, so a collection of the 100 000-entry heap does
  // not land inside the first invalidation.
  globalThis.gc?.();
  await new Promise((r) => setTimeout(r, 50));
  const t0 = performance.now();
  await c.invalidateTag(tag);
  invalidations.push(performance.now() - t0);
  // Sanity check: an entry carrying the invalidated tag must now be a miss.
  if (round === 0) {
    const probe = await c.getOrSet(`entry:${size >> 1}`, async () => 'reloaded');
    if (probe !== 'reloaded') stale++;
  }
}
report({ kind, size, rounds: invalidations.length, invalidateMs: median(invalidations), all: invalidations, populateMs, staleAfterInvalidate: stale });
await c.close();
process.exit(0);
