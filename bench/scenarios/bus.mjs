// Delay before an L1 invalidation made on instance A reaches instance B (both L1 + L2 + bus on the
// same loopback Redis, in this process). Measured from the call to A.delete() until B applies it
// (Tiercache's `remote` event; bentocache's `bus:message:received`, emitted as it applies it).
import { EventEmitter } from 'node:events';
import { makeValue, percentile, report, withTimeout } from '../lib/common.mjs';
import { createContestant } from '../lib/contestants.mjs';

const kind = process.argv[2];
const url = process.env.REDIS_URL;
const SAMPLES = Number(process.env.BENCH_BUS_SAMPLES ?? 300);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

let a;
let b;
let onApplied; // (key|undefined) => void, set per sample
if (kind.startsWith('tiercache')) {
  a = await createContestant(kind, { url, namespace: 'bus' });
  b = await createContestant(kind, { url, namespace: 'bus' });
  b.cache.events.on('remote', () => onApplied?.());
} else if (kind === 'bentocache') {
  const emitter = new EventEmitter();
  a = await createContestant(kind, { url, namespace: 'bus', bus: true });
  b = await createContestant(kind, { url, namespace: 'bus', bus: true, emitter });
  emitter.on('bus:message:received', () => onApplied?.());
} else {
  throw new Error(`no bus scenario for ${kind}`);
}
await sleep(300); // let both subscriptions settle

const sample = async (i) => {
  const key = `bus:${i}`;
  await a.getOrSet(key, async () => makeValue(i));
  await sleep(10); // A's write notice reaches B and is spent before we listen
  await b.getOrSet(key, async () => makeValue(i)); // an L2 hit, now in B's L1
  await sleep(10);
  let t0 = 0;
  const applied = new Promise((resolve) => {
    onApplied = () => resolve(performance.now() - t0);
  });
  t0 = performance.now();
  const del = kind === 'bentocache' ? a.cache.delete({ key }) : a.cache.delete(key);
  const outcome = await withTimeout(applied, 1_000);
  await del;
  onApplied = undefined;
  return outcome.ok ? outcome.value : undefined;
};

// A probe first: if nothing arrives, this library version has no bus.
const probe = await sample(-1);
if (probe === undefined) {
  report({ kind, notImplemented: true });
  await Promise.allSettled([a.close(), b.close()]);
  process.exit(0);
}
for (let i = 0; i < 20; i++) await sample(1_000_000 + i); // warm-up
const delays = [];
let lost = 0;
for (let i = 0; i < SAMPLES; i++) {
  const d = await sample(i);
  if (d === undefined) lost++;
  else delays.push(d);
}
report({ kind, samples: delays.length, lost, p50: percentile(delays, 50), p99: percentile(delays, 99), max: Math.max(...delays) });
await Promise.allSettled([a.close(), b.close()]);
process.exit(0);
