// Runs one scenario under `node --cpu-prof` against a throwaway Redis and prints the hottest functions.
// Usage: node profile/profile.mjs scenarios/l1-hit.mjs tiercache-fast
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { BENCH_DIR, startRedis } from '../lib/common.mjs';

const [script, ...args] = process.argv.slice(2);
const dir = join(BENCH_DIR, 'results', 'profiles', [script.replace(/\W+/g, '_'), ...args].join('-'));
rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });
const redis = await startRedis();
try {
  const run = spawnSync(process.execPath, ['--expose-gc', '--cpu-prof', `--cpu-prof-dir=${dir}`, join(BENCH_DIR, script), ...args], {
    cwd: BENCH_DIR,
    env: { ...process.env, REDIS_URL: redis.url },
    encoding: 'utf8',
  });
  process.stdout.write(run.stdout.split('\n').filter((l) => l.startsWith('@@')).join('\n') + '\n');
} finally {
  await redis.stop();
}
for (const file of readdirSync(dir)) {
  console.log(`--- ${join(dir, file)}`);
  spawnSync(process.execPath, [join(BENCH_DIR, 'profile', 'summarize.mjs'), join(dir, file), process.env.TOP ?? '30'], { stdio: 'inherit' });
}
