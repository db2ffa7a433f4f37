// Write path: `write-behind` (WriteBehind.write: Lua enqueue in Redis + cache.set, the flusher in the
// same process), `write-behind-queue-only` (the same call, flushed elsewhere), `direct` (one
// guarded upsert into PGlite per call), `write-through` (the steps of @CachePut: the upsert, then
// cache.set); and `flush` (rows/s the flusher moves from the stream into PGlite, in batches).
// Sequential calls (one in flight), 100 keys, a small heartbeat-sized value, embedded PGlite.
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { TieredCache, WriteBehind } from '@tiercache/core';
import { percentile, report, ROOT_DIR, silentLogger } from '../lib/common.mjs';

const mode = process.argv[2];
const CALLS = Number(process.env.BENCH_WB_CALLS ?? 3_000);
const FLUSH_ROWS = Number(process.env.BENCH_WB_FLUSH_ROWS ?? 10_000);
const KEYS = 100;

const { PGlite } = await import(createRequire(join(ROOT_DIR, 'package.json')).resolve('@electric-sql/pglite'));
const db = await PGlite.create();
await db.exec('CREATE TABLE presence (key text PRIMARY KEY, seq bigint NOT NULL, value jsonb NOT NULL)');
const UPSERT = `INSERT INTO presence (key, seq, value) VALUES ($1, $2, $3)
  ON CONFLICT (key) DO UPDATE SET seq = EXCLUDED.seq, value = EXCLUDED.value WHERE presence.seq < EXCLUDED.seq`;
let seq = 0;
const upsert = (key, value, s = ++seq) => db.query(UPSERT, [key, s, JSON.stringify(value)]);
// One statement per batch. Postgres refuses to update a row twice in one INSERT, so the batch keeps
// each key's highest sequence first: the guarded upsert would end on that one anyway.
const writer = async (batch) => {
  const last = new Map();
  for (const item of batch) if (!(last.get(item.key)?.seq > item.seq)) last.set(item.key, item);
  const rows = [...last.values()];
  await db.query(
    `INSERT INTO presence (key, seq, value) SELECT * FROM unnest($1::text[], $2::bigint[], $3::jsonb[])
     ON CONFLICT (key) DO UPDATE SET seq = EXCLUDED.seq, value = EXCLUDED.value WHERE presence.seq < EXCLUDED.seq`,
    [rows.map((r) => r.key), rows.map((r) => r.seq), rows.map((r) => JSON.stringify(r.value))],
  );
};

const cache = new TieredCache({ namespace: `bench-wb-${process.pid}`, logger: silentLogger, l2: { redis: process.env.REDIS_URL } });
await cache.ready();
const value = (i) => ({ agent: i % KEYS, session: `s${i % 7}`, lastSeen: new Date(1_700_000_000_000 + i).toISOString() });

async function timeCalls(call) {
  for (let i = 0; i < 200; i++) await call(i);
  const times = [];
  const started = performance.now();
  for (let i = 0; i < CALLS; i++) {
    const t = performance.now();
    await call(i);
    times.push(performance.now() - t);
  }
  const seconds = (performance.now() - started) / 1_000;
  return { calls: CALLS, opsPerSec: CALLS / seconds, p50: percentile(times, 50), p99: percentile(times, 99) };
}

let result;
if (mode === 'direct') {
  result = await timeCalls((i) => upsert(`presence:${i % KEYS}`, value(i)));
} else if (mode === 'write-through') {
  result = await timeCalls(async (i) => {
    await upsert(`presence:${i % KEYS}`, value(i));
    await cache.set(`presence:${i % KEYS}`, value(i));
  });
} else if (mode === 'write-behind') {
  // The flusher runs in this process too, as in an application: its cost is part of the numbers.
  const wb = new WriteBehind({ name: `bench-${process.pid}`, cache, writer, maxBatch: 500, flushEveryMs: 100, logger: silentLogger });
  await wb.ready();
  result = await timeCalls((i) => wb.write(`presence:${i % KEYS}`, value(i)));
  await wb.close(30_000);
  result.leftQueued = (await wb.stats()).depth;
} else if (mode === 'write-behind-queue-only') {
  // The call alone: flushing is another process's job (a dedicated flusher instance).
  const wb = new WriteBehind({ name: `bench-q-${process.pid}`, cache, writer, flush: false, logger: silentLogger });
  await wb.ready();
  result = await timeCalls((i) => wb.write(`presence:${i % KEYS}`, value(i)));
  await wb.close(0);
} else if (mode === 'flush') {
  const name = `bench-flush-${process.pid}`;
  const producer = new WriteBehind({ name, cache, writer, flush: false, logger: silentLogger });
  await producer.ready();
  for (let i = 0; i < FLUSH_ROWS; i++) await producer.write(`presence:${i % KEYS}`, value(i));
  let flushed = 0;
  let done;
  const all = new Promise((resolve) => (done = resolve));
  const counting = async (batch) => {
    await writer(batch);
    flushed += batch.length;
    if (flushed >= FLUSH_ROWS) done();
  };
  const started = performance.now();
  const flusher = new WriteBehind({ name, cache, writer: counting, maxBatch: 500, flushEveryMs: 5, logger: silentLogger });
  await all;
  const seconds = (performance.now() - started) / 1_000;
  result = { rows: FLUSH_ROWS, rowsPerSec: FLUSH_ROWS / seconds, batchP50Ms: (await flusher.stats()).flushDuration.p50Ms };
  await flusher.close(5_000);
  await producer.close(0);
} else {
  throw new Error(`unknown mode ${mode}`);
}
report({ mode, ...result });
await cache.close();
await db.close();
setTimeout(() => process.exit(0), 50);
