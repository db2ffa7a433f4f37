// Runs every scenario, each contestant in its own child process, against one redis-server started
// here, and writes docs/BENCHMARKS.md. `--only=l1,l2,...` runs a subset (the report then lacks the rest).
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BENCH_DIR, ROOT_DIR, ROUNDS, ROUND_MS, WARMUP_MS, RESULT_MARKER, ioredis6, ioredis6Version, machine, startRedis, versionOf } from './lib/common.mjs';
import { renderReport } from './lib/report.mjs';

if (process.argv.includes('--render-only')) {
  const { readFileSync } = await import('node:fs');
  const { context, results } = JSON.parse(readFileSync(join(BENCH_DIR, 'results', 'latest.json'), 'utf8'));
  writeFileSync(join(ROOT_DIR, 'docs', 'BENCHMARKS.md'), renderReport(context, results));
  process.exit(0);
}
const only = process.argv.find((a) => a.startsWith('--only='))?.slice(7).split(',');
const PASSES = Number(process.env.BENCH_PASSES ?? 2);
const want = (group) => !only || only.includes(group);

const PEERS = ['bentocache', 'cacheable', 'cache-manager'];
const jobs = [];
const job = (group, id, file, args, extra = {}) => jobs.push({ group, id, file, args, ...extra });

for (let pass = 0; pass < PASSES; pass++) {
  if (want('l1')) {
    for (const k of ['raw-lru', 'noop-await', 'tiercache-fast', 'tiercache-safe', 'bentocache', 'bentocache-noserialize', 'cacheable', 'cacheable-noclone', 'cache-manager']) {
      job('l1', k, 'scenarios/l1-hit.mjs', [k]);
    }
    job('l1', 'nest-cacheable-fast', 'dist/nest-l1.js', ['fast']);
    job('l1', 'nest-cacheable-safe', 'dist/nest-l1.js', ['safe']);
  }
  if (want('l2')) {
    for (const k of ['raw-get-noauto', 'raw-get-auto', 'raw-getparse-noauto', 'raw-getparse-auto', 'raw-getparse-tcopts', 'tiercache-safe', ...PEERS]) {
      job('l2', k, 'scenarios/l2-hit.mjs', [k]);
    }
  }
}
if (want('l2')) for (const k of ['tiercache-safe', ...PEERS]) job('l2paired', k, 'scenarios/l2-paired.mjs', [k]);
if (want('targets')) {
  // The 100 KB job goes after the other Redis jobs: flushing its 100 MB leaves Redis slower for a
  // while (the L1-of-one job measured 0.90x right after it, 0.97x next, against the same Redis).
  for (const t of ['l2:100', 'l2:1024', 'l2-l1one', 'set', 'timeout', 'l2:102400', 'l1:safe', 'l1:fast']) job('targets', t, 'scenarios/targets.mjs', [t]);
  job('targets', 'cacheable', 'dist/nest-l1.js', ['paired']);
}
if (want('stampede')) {
  for (const k of ['tiercache-safe', ...PEERS]) for (const mode of ['single', 'fleet']) job('stampede', `${k}/${mode}`, 'scenarios/stampede.mjs', [k, mode]);
}
if (want('down')) for (const k of ['tiercache-safe', ...PEERS]) job('down', k, 'scenarios/redis-down.mjs', [k]);
if (want('hang')) job('hang', 'tiercache-safe', 'scenarios/redis-hang.mjs', ['tiercache-safe']);
if (want('tags')) {
  for (const k of ['tiercache-safe', 'bentocache', 'cacheable']) for (const n of [1_000, 100_000]) job('tags', `${k}/${n}`, 'scenarios/tags.mjs', [k, String(n)]);
}
if (want('bus')) for (const k of ['tiercache-safe', 'bentocache']) job('bus', k, 'scenarios/bus.mjs', [k]);
if (want('memory')) {
  for (const k of ['raw-lru-objects', 'raw-lru-json', 'tiercache-safe', 'tiercache-fast', 'bentocache', 'bentocache-noserialize', 'cacheable', 'cache-manager']) {
    job('memory', k, 'scenarios/memory.mjs', [k]);
  }
}

if (want('hotkeys')) for (const m of ['cold', 'predictive']) job('hotkeys', m, 'scenarios/predictive-warming.mjs', [m]);
if (want('writebehind')) for (const m of ['direct', 'write-through', 'write-behind', 'write-behind-queue-only', 'flush']) job('writebehind', m, 'scenarios/write-behind.mjs', [m]);

function runJob(j, env) {
  return new Promise((resolve) => {
    const started = Date.now();
    const child = spawn(process.execPath, ['--expose-gc', join(BENCH_DIR, j.file), ...j.args], {
      cwd: BENCH_DIR,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => (err += c));
    const timer = setTimeout(() => child.kill('SIGKILL'), j.timeoutMs ?? 180_000);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      const line = out.split('\n').find((l) => l.startsWith(RESULT_MARKER));
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      if (line) {
        resolve({ ok: true, result: JSON.parse(line.slice(RESULT_MARKER.length)), seconds });
      } else {
        resolve({ ok: false, error: `exit ${code ?? signal}: ${(err || out).trim().split('\n').slice(-3).join(' | ')}`, seconds });
      }
    });
  });
}

const { loadavg } = await import('node:os');
const loadBefore = loadavg().map((x) => x.toFixed(2)).join(' ');
const startedAt = new Date();
const redis = await startRedis();
const Redis = ioredis6();
const admin = new Redis(redis.url);
const results = {};
try {
  for (const [i, j] of jobs.entries()) {
    await admin.flushall();
    const outcome = await runJob(j, { ...process.env, REDIS_URL: redis.url });
    const bucket = (results[j.group] ??= {});
    const runs = (bucket[j.id] ??= []);
    runs.push(outcome);
    process.stderr.write(
      `[${String(i + 1).padStart(3)}/${jobs.length}] ${j.group.padEnd(8)} ${j.id.padEnd(28)} ${outcome.seconds.padStart(5)} s  ` +
        (outcome.ok ? summary(outcome.result) : `FAILED ${outcome.error}`) +
        '\n',
    );
  }
} finally {
  await admin.quit().catch(() => undefined);
  await redis.stop();
}
const finishedAt = new Date();

function summary(r) {
  if (r.rowsPerSec !== undefined) return `${Math.round(r.rowsPerSec).toLocaleString('en-US')} rows/s`;
  if (r.calls !== undefined) return `${Math.round(r.opsPerSec).toLocaleString('en-US')} calls/s p50 ${r.p50.toFixed(3)} ms p99 ${r.p99.toFixed(3)} ms`;
  if (r.ratio !== undefined) return `${r.ratio.toFixed(2)}× raw GET + parse (pairs ${r.ratioLow.toFixed(2)}–${r.ratioHigh.toFixed(2)})`;
  if (r.opsPerSec !== undefined) return `${Math.round(r.opsPerSec).toLocaleString('en-US')} ops/s (spread ${(r.spread * 100).toFixed(0)}%)`;
  if (r.notImplemented) return 'not implemented';
  if (r.p99 !== undefined && r.loads !== undefined) return `loads ${r.loads} p50 ${r.p50.toFixed(1)} ms p99 ${r.p99.toFixed(1)} ms`;
  if (r.firstMs !== undefined) return `first ${r.firstMs.toFixed(1)} ms, p99 ${r.p99?.toFixed(2)} ms`;
  if (r.invalidateMs !== undefined) return `invalidate ${r.invalidateMs.toFixed(2)} ms (populate ${Math.round(r.populateMs)} ms)`;
  if (r.p99 !== undefined) return `p50 ${r.p50.toFixed(2)} ms p99 ${r.p99.toFixed(2)} ms`;
  if (r.bytesPerEntry !== undefined) return `${Math.round(r.bytesPerEntry)} B/entry`;
  return JSON.stringify(r).slice(0, 120);
}

let build = { ok: true, errorCount: 0, errors: [] };
try {
  build = JSON.parse((await import('node:fs')).readFileSync(join(BENCH_DIR, 'results', 'build.json'), 'utf8'));
} catch {}
const git = (args) => spawnSync('git', args, { cwd: ROOT_DIR, encoding: 'utf8' }).stdout.trim();
const context = {
  command: 'npm run bench -w @tiercache/bench',
  startedAt: startedAt.toISOString(),
  durationS: Math.round((finishedAt - startedAt) / 1000),
  machine: machine(),
  redisVersion: redis.version,
  commit: git(['rev-parse', '--short', 'HEAD']),
  dirtyPackages: git(['status', '--porcelain', '--', '../packages']).split('\n').filter(Boolean).length,
  build,
  load: { before: loadBefore, after: loadavg().map((x) => x.toFixed(2)).join(' ') },
  settings: { rounds: ROUNDS, roundMs: ROUND_MS, warmupMs: WARMUP_MS, passes: PASSES },
  versions: {
    bentocache: versionOf('bentocache'),
    'ioredis (bench, for bentocache)': versionOf('ioredis'),
    'ioredis (root, Tiercache and baselines)': ioredis6Version(),
    'lru-cache (bench baseline)': versionOf('lru-cache'),
    'cache-manager': versionOf('cache-manager'),
    cacheable: versionOf('cacheable'),
    keyv: versionOf('keyv'),
    '@keyv/redis': versionOf('@keyv/redis'),
  },
};
mkdirSync(join(BENCH_DIR, 'results'), { recursive: true });
writeFileSync(join(BENCH_DIR, 'results', 'latest.json'), JSON.stringify({ context, results }, null, 2));
if (!only) {
  mkdirSync(join(ROOT_DIR, 'docs'), { recursive: true });
  writeFileSync(join(ROOT_DIR, 'docs', 'BENCHMARKS.md'), renderReport(context, results));
  process.stderr.write(`wrote docs/BENCHMARKS.md in ${context.durationS} s\n`);
} else {
  process.stderr.write(`partial run (--only): wrote bench/results/latest.json only\n`);
}
