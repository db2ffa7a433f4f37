// Builds the workspace packages the bench imports, then the bench's own TypeScript. Other work may
// leave packages/ failing to type-check for a while: then the bench still runs on what tsc emitted,
// and the report says so.
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BENCH_DIR, ROOT_DIR } from './lib/common.mjs';

const tsc = join(ROOT_DIR, 'node_modules', '.bin', 'tsc');
const packages = spawnSync(tsc, ['-b', 'packages/core', 'packages/nestjs'], { cwd: ROOT_DIR, encoding: 'utf8' });
const errors = (packages.stdout + packages.stderr).split('\n').filter((l) => /error TS\d+/.test(l));
mkdirSync(join(BENCH_DIR, 'results'), { recursive: true });
writeFileSync(join(BENCH_DIR, 'results', 'build.json'), JSON.stringify({ ok: packages.status === 0, errors: errors.slice(0, 20), errorCount: errors.length }, null, 2));
if (packages.status !== 0) {
  process.stderr.write(
    `WARNING: building packages/core and packages/nestjs reported ${errors.length} type error(s); benchmarking what tsc emitted.\n` +
      errors.slice(0, 5).map((l) => `  ${l}\n`).join(''),
  );
}
const bench = spawnSync(tsc, ['-p', join(BENCH_DIR, 'tsconfig.json')], { cwd: BENCH_DIR, stdio: 'inherit' });
if (bench.status !== 0) process.exit(bench.status ?? 1);
