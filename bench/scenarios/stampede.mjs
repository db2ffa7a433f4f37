// A cold key with a 50 ms loader: 1 000 concurrent callers in one process, or PROCESSES processes of
// CALLERS each released together by a Redis pub/sub message. Loader runs are counted fleet-wide with an
// INCR the loader does not wait for: its round trip is the bench's, not the loader's 50 ms.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { RESULT_MARKER, ioredis6, makeValue, median, percentile, report } from '../lib/common.mjs';
import { createContestant, warmStampedes } from '../lib/contestants.mjs';

const [kind, mode] = process.argv.slice(2);
const url = process.env.REDIS_URL;
// A round's p99 swings by ±2 ms with when Redis and the timers wake on a shared 2-core machine: enough
// rounds that their median settles.
const ROUNDS = Number(process.env.BENCH_STAMPEDE_ROUNDS ?? (mode === 'fleet' ? 5 : 9));
const PROCESSES = 4;
const Redis = ioredis6();
const redis = new Redis(url);
const child = fileURLToPath(new URL('./stampede-child.mjs', import.meta.url));

async function singleProcess(round) {
  const key = `cold:${kind}:single:${round}`;
  const counterKey = `loads:${key}`;
  const c = await createContestant(kind, { url, namespace: 'stampede' });
  const counted = [];
  const loader = async () => {
    counted.push(redis.incr(counterKey));
    await new Promise((r) => setTimeout(r, 50));
    return makeValue(1);
  };
  await warmStampedes(kind, url, c, 1000);
  const start = performance.now();
  const latencies = await Promise.all(Array.from({ length: 1000 }, () => c.getOrSet(key, loader).then(() => performance.now() - start)));
  await Promise.all([c.close(), ...counted]);
  return { latencies, loads: Number(await redis.get(counterKey)) };
}

async function fleet(round) {
  const key = `cold:${kind}:fleet:${round}`;
  const counterKey = `loads:${key}`;
  const channel = `release:${key}`;
  const children = [];
  const results = [];
  const readies = [];
  for (let p = 0; p < PROCESSES; p++) {
    const proc = spawn(process.execPath, ['--expose-gc', child, kind, key, counterKey, channel, '250'], {
      env: process.env,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    readies.push(
      new Promise((resolve, reject) => {
        proc.stdout.on('data', (chunk) => {
          out += chunk;
          if (out.includes('READY')) resolve();
        });
        proc.once('exit', (code) => reject(new Error(`stampede child exited early (${code})`)));
      }),
    );
    results.push(
      new Promise((resolve, reject) =>
        proc.once('exit', (code) => {
          const line = out.split('\n').find((l) => l.startsWith(RESULT_MARKER));
          if (code !== 0 || !line) reject(new Error(`stampede child failed (${code})`));
          else resolve(JSON.parse(line.slice(RESULT_MARKER.length)));
        }),
      ),
    );
    children.push(proc);
  }
  await Promise.all(readies);
  await new Promise((r) => setTimeout(r, 100));
  await redis.publish(channel, 'go');
  const all = await Promise.all(results);
  return { latencies: all.flatMap((r) => r.latencies), loads: Number(await redis.get(counterKey)) };
}

const rounds = [];
for (let round = 0; round < ROUNDS; round++) {
  const { latencies, loads } = mode === 'fleet' ? await fleet(round) : await singleProcess(round);
  rounds.push({ loads, p50: percentile(latencies, 50), p99: percentile(latencies, 99), max: Math.max(...latencies), callers: latencies.length });
}
await redis.quit();
report({
  kind,
  mode,
  rounds,
  loads: median(rounds.map((r) => r.loads)),
  loadsMax: Math.max(...rounds.map((r) => r.loads)),
  p50: median(rounds.map((r) => r.p50)),
  p99: median(rounds.map((r) => r.p99)),
});
process.exit(0);
