// `npm start`: builds only when a source changed since the last build (a no-op `tsc -b` still costs
// seconds), then runs the sample app in this process, so its shutdown hooks get the signals.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const projects = ['packages/core', 'packages/nestjs', 'apps/leaderboard'];

function newest(path) {
  const stats = statSync(path);
  if (!stats.isDirectory()) return stats.mtimeMs;
  return Math.max(0, ...readdirSync(path).map((entry) => newest(join(path, entry))));
}

function stale(project) {
  const dir = join(root, project);
  let built;
  try {
    built = statSync(join(dir, 'dist', '.tsbuildinfo')).mtimeMs;
  } catch {
    return true;
  }
  const inputs = [join(dir, 'src'), join(dir, 'tsconfig.json'), join(dir, 'package.json'), join(root, 'tsconfig.base.json')];
  return inputs.some((input) => newest(input) > built);
}

if (projects.some(stale)) {
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  const build = spawnSync(process.execPath, [tsc, '-b'], { cwd: root, stdio: 'inherit' });
  if (build.status !== 0) process.exit(build.status ?? 1);
  // The same step as `npm run build`: the inspector's static page lives beside its compiled code.
  const assets = spawnSync(process.execPath, [join(root, 'scripts', 'copy-inspector-assets.mjs')], { cwd: root, stdio: 'inherit' });
  if (assets.status !== 0) process.exit(assets.status ?? 1);
}
await import(join(root, 'apps', 'leaderboard', 'dist', 'main.js'));
