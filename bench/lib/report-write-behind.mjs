// Section 8 of docs/BENCHMARKS.md: the write path with and without write-behind, and the flush rate.
const fmt = (n, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

export function renderWriteBehind(results, p, note) {
  const run = (id) => results.writebehind?.[id]?.find((r) => r.ok)?.result;
  const base = run('direct');
  p('## 8. Write-behind: the write call, and the flush into PGlite');
  p();
  p('Sequential awaited calls (one in flight), 3 000 timed after 200 warm-up, over 100 keys, a heartbeat-sized value;');
  p('the database is embedded PGlite in the benchmark process, and every row is an upsert guarded by sequence.');
  p('Ratios are against the direct database write measured in the same run. With PGlite in-process the direct write');
  p('pays no network round trip, the least favourable case for write-behind, whose call never touches the database');
  p('(a Lua script in Redis, then `cache.set`). One run per contestant (no passes): treat the p99 figures as noisy.');
  if (note) p(note);
  p();
  p('| contestant | calls/s | ÷ direct | p50 ms | p99 ms |');
  p('| --- | ---: | ---: | ---: | ---: |');
  for (const [id, label] of [
    ['direct', 'direct database write (baseline)'],
    ['write-through', 'write-through: the upsert, then `cache.set` (what `@CachePut` does)'],
    ['write-behind', '`WriteBehind.write`, flusher in the same process'],
    ['write-behind-queue-only', '`WriteBehind.write`, flushed by another process'],
  ]) {
    const r = run(id);
    if (!r) p(`| ${label} | not run | | | |`);
    else p(`| ${label} | ${fmt(r.opsPerSec)} | ${base ? (r.opsPerSec / base.opsPerSec).toFixed(2) + '×' : ''} | ${fmt(r.p50, 3)} | ${fmt(r.p99, 2)} |`);
  }
  p();
  const flush = run('flush');
  if (flush) {
    p(`Flush: ${fmt(flush.rows)} queued writes taken from the stream into PGlite at **${fmt(flush.rowsPerSec)} writes/s**`);
    p(`(${base ? `${(flush.rowsPerSec / base.opsPerSec).toFixed(1)}× the direct write's calls/s` : ''}): batches of up to 500, one`);
    p(`\`INSERT … SELECT FROM unnest(…) ON CONFLICT … WHERE seq <\` statement per batch upserting each key's highest sequence`);
    p(`(100 keys: about 100 rows per batch), median batch ${fmt(flush.batchP50Ms)} ms or less. A writer running one statement`);
    p('per item in a transaction is far slower: see `bench/scenarios/write-behind.mjs` to measure yours.');
    p();
  }
}
