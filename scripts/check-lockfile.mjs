#!/usr/bin/env node
// Checks that `npm ci` accepts package-lock.json: npm ci refuses a lock file that is out of sync with
// the package.json files (e.g. one missing an optional platform package that `npm install` would add),
// and that is what a reproducible install depends on. It runs in a scratch copy so node_modules and
// the lock file here are never touched. By default it stops after npm's validation (`--dry-run`,
// seconds); `--install` really installs, from the npm cache when it can.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const install = process.argv.includes('--install');
const { workspaces = [] } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const scratch = mkdtempSync(join(tmpdir(), 'tiercache-npm-ci-'));
try {
  for (const file of ['package.json', 'package-lock.json', ...workspaces.map((ws) => join(ws, 'package.json'))]) {
    mkdirSync(dirname(join(scratch, file)), { recursive: true });
    copyFileSync(join(root, file), join(scratch, file));
  }
  const args = ['ci', '--prefer-offline', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error'];
  if (!install) args.push('--dry-run');
  const result = spawnSync('npm', args, { cwd: scratch, encoding: 'utf8' });
  if (result.status !== 0) {
    process.stderr.write(result.stdout + result.stderr);
    process.stderr.write(
      '\nnpm ci rejects package-lock.json. Regenerate it with `npm install` on this machine and commit it;\n' +
        'optional packages of every platform must be listed (a lock written with --os/--cpu filters or an\n' +
        'old npm may lack them).\n',
    );
    process.exit(1);
  }
  console.log(`npm ci accepts package-lock.json${install ? ' (installed in a scratch directory)' : ''}`);
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
