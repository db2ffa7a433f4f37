// Shared helpers for the benchmark scenarios: a throwaway redis-server, the 1 KB value, timing and stats.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer, Socket } from 'node:net';
import { cpus, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BENCH_DIR = join(dirname(fileURLToPath(import.meta.url)), '..');
export const ROOT_DIR = join(BENCH_DIR, '..');

/** ioredis 6 as the packages use it (root node_modules); `import 'ioredis'` from bench gets bentocache's ioredis 5. */
export function ioredis6() {
  const require = createRequire(join(ROOT_DIR, 'package.json'));
  const mod = require('ioredis');
  return mod.Redis ?? mod.default ?? mod;
}

export function ioredis6Version() {
  return JSON.parse(readFileSync(join(ROOT_DIR, 'node_modules/ioredis/package.json'), 'utf8')).version;
}

export function versionOf(name, from = BENCH_DIR) {
  const require = createRequire(join(from, 'package.json'));
  let dir = dirname(require.resolve(name));
  for (;;) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
      if (pkg.name === name) return pkg.version;
    } catch {}
    const up = dirname(dir);
    if (up === dir) return 'unknown';
    dir = up;
  }
}

export async function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function waitForPort(port, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise((resolve) => {
      const socket = new Socket();
      socket.once('connect', () => (socket.destroy(), resolve(true)));
      socket.once('error', () => (socket.destroy(), resolve(false)));
      socket.connect(port, '127.0.0.1');
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`redis-server did not listen on 127.0.0.1:${port} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** A redis-server on a free loopback port, without persistence; `stop()` kills it and removes its directory. */
export async function startRedis() {
  const found = spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' });
  const binary = found.stdout.trim();
  if (found.status !== 0 || binary === '') throw new Error('redis-server is not on PATH (apt-get install redis-server)');
  const dir = mkdtempSync(join(tmpdir(), 'tiercache-bench-redis-'));
  const port = await freePort();
  const child = spawn(binary, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], {
    stdio: 'ignore',
  });
  await waitForPort(port);
  const version = spawnSync(binary, ['--version'], { encoding: 'utf8' }).stdout.match(/v=(\S+)/)?.[1] ?? 'unknown';
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    version,
    /** SIGSTOP: the server hangs with its connections open (what a frozen VM or a long script looks like). */
    freeze: () => child.kill('SIGSTOP'),
    thaw: () => child.kill('SIGCONT'),
    async stop() {
      child.kill('SIGCONT');
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGKILL');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A plain JSON object whose JSON text is ~1 KB; `i` makes each one distinct. */
export function makeValue(i) {
  const value = {
    id: i,
    name: `Agent ${i}`,
    email: `agent${i}@example.com`,
    active: i % 2 === 0,
    score: i * 1.5,
    createdAt: '2026-01-01T00:00:00.000Z',
    tags: ['alpha', 'beta', 'gamma', 'delta'],
    address: { street: `${i} Main Street`, city: 'Springfield', zip: '12345', country: 'US' },
    stats: { wins: i % 97, losses: i % 89, draws: i % 13, rating: 1500 + (i % 400) },
    history: Array.from({ length: 8 }, (_, k) => ({ round: k, points: (i + k) % 50 })),
    bio: '',
  };
  const length = JSON.stringify(value).length;
  value.bio = 'x'.repeat(Math.max(0, 1024 - length));
  return value;
}

/** A value whose JSON text is ~`bytes` long: the 1 KB shape padded, or for small sizes a three-field record. */
export function makeSizedValue(i, bytes) {
  const value = bytes >= 1024 ? makeValue(i) : { id: i, name: `Agent ${i}`, bio: '' };
  value.bio = 'x'.repeat(Math.max(0, bytes - JSON.stringify(value).length + value.bio.length));
  return value;
}

export const KEY_COUNT = 1024;
export const KEYS = Array.from({ length: KEY_COUNT }, (_, i) => `item:${i}`);

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export function percentile(values, p) {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index];
}

export const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
export const ROUND_MS = Number(process.env.BENCH_ROUND_MS ?? 300);
export const WARMUP_MS = Number(process.env.BENCH_WARMUP_MS ?? 1000);

/**
 * Throughput of `runBatch(n)` (which performs n operations and resolves): a warm-up, then ROUNDS
 * timed rounds of ~ROUND_MS each. Returns the median ops/s and every round's figure.
 * clock 'cpu' divides by this process's CPU time (user + system) instead of wall time: for
 * in-process, CPU-bound loops it discounts time the OS gave to other processes on a shared machine.
 */
export async function throughput(runBatch, { batch = 10_000, clock = 'wall' } = {}) {
  const timed = async (ms) => {
    let ops = 0;
    const start = performance.now();
    const cpu0 = process.cpuUsage();
    let elapsed = 0;
    do {
      await runBatch(batch);
      ops += batch;
      elapsed = performance.now() - start;
    } while (elapsed < ms);
    const cpu = process.cpuUsage(cpu0);
    const cpuMs = (cpu.user + cpu.system) / 1000;
    return { wall: (ops / elapsed) * 1000, cpu: (ops / cpuMs) * 1000, cpuShare: cpuMs / elapsed };
  };
  await timed(WARMUP_MS);
  const rounds = [];
  for (let r = 0; r < ROUNDS; r++) {
    globalThis.gc?.();
    rounds.push(await timed(ROUND_MS));
  }
  const figures = rounds.map((r) => (clock === 'cpu' ? r.cpu : r.wall));
  const opsPerSec = median(figures);
  return {
    opsPerSec,
    clock,
    rounds: figures,
    wallOpsPerSec: median(rounds.map((r) => r.wall)),
    cpuShare: median(rounds.map((r) => r.cpuShare)),
    spread: (Math.max(...figures) - Math.min(...figures)) / opsPerSec,
  };
}

/**
 * A contestant against its baseline in the same process, in alternating rounds (which goes first
 * alternates too), so that the drift of a shared machine hits both alike. `baseline(n)` and
 * `subject(n)` each perform n operations. Returns the median of the per-pair ratios (subject ÷
 * baseline), their range, and each side's median ops/s. `clock: 'cpu'` (for loops that never leave
 * the process) counts ops per CPU-second of this process, as `throughput` does. `roundMs`: one pair's
 * length (each side gets half).
 */
export async function paired(baseline, subject, { pairs = ROUNDS * 2, batch = 4_096, clock = 'wall', roundMs = ROUND_MS } = {}) {
  const timed = async (run, ms) => {
    let ops = 0;
    const start = performance.now();
    const cpu0 = process.cpuUsage();
    let elapsed = 0;
    do {
      await run(batch);
      ops += batch;
      elapsed = performance.now() - start;
    } while (elapsed < ms);
    const cpu = process.cpuUsage(cpu0);
    return (ops / (clock === 'cpu' ? (cpu.user + cpu.system) / 1000 : elapsed)) * 1000;
  };
  await timed(baseline, WARMUP_MS / 2);
  await timed(subject, WARMUP_MS / 2);
  const rounds = [];
  for (let p = 0; p < pairs; p++) {
    const order = p % 2 === 0 ? [baseline, subject] : [subject, baseline];
    globalThis.gc?.();
    const a = await timed(order[0], roundMs / 2);
    globalThis.gc?.();
    const b = await timed(order[1], roundMs / 2);
    const [rawOps, subjectOps] = p % 2 === 0 ? [a, b] : [b, a];
    rounds.push({ rawOps, subjectOps, ratio: subjectOps / rawOps });
  }
  const ratios = rounds.map((x) => x.ratio);
  return {
    pairs: rounds.length,
    ratio: median(ratios),
    ratioLow: Math.min(...ratios),
    ratioHigh: Math.max(...ratios),
    rawOpsPerSec: median(rounds.map((x) => x.rawOps)),
    subjectOpsPerSec: median(rounds.map((x) => x.subjectOps)),
  };
}

/** Runs `op(i)` with `concurrency` sequential workers sharing `n` operations. */
export function inFlight(op, concurrency) {
  return async (n) => {
    let next = 0;
    const worker = async () => {
      while (next < n) await op(next++);
    };
    const workers = [];
    for (let w = 0; w < concurrency; w++) workers.push(worker());
    await Promise.all(workers);
  };
}

export function machine() {
  let model = 'unknown';
  try {
    model = readFileSync('/proc/cpuinfo', 'utf8').match(/model name\s*:\s*(.+)/)?.[1]?.trim() ?? model;
  } catch {}
  const nproc = spawnSync('nproc', { encoding: 'utf8' }).stdout.trim() || String(cpus().length);
  return { nproc, model, memoryGiB: (totalmem() / 2 ** 30).toFixed(1), node: process.version, platform: `${process.platform} ${process.arch}` };
}

/** Scenario children print one JSON line prefixed with this marker; the runner parses it. */
export const RESULT_MARKER = '@@BENCH_RESULT ';
export function report(result) {
  process.stdout.write(`${RESULT_MARKER}${JSON.stringify(result)}\n`);
}

export const silentLogger = { log() {}, warn() {}, error() {} };

export function withTimeout(promise, ms) {
  let timer;
  return Promise.race([
    promise.then((v) => ({ ok: true, value: v }), (error) => ({ ok: false, error })),
    new Promise((resolve) => {
      timer = setTimeout(() => resolve({ ok: false, timedOut: true }), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
