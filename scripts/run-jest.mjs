#!/usr/bin/env node
// Runs Jest with a wall-clock bound, so no test run can outlive its CI job silently. The exit-guard
// reporter (tools/jest/) catches a process kept alive after the run; this catches the rest: a
// global setup that never finishes, a worker stuck in a synchronous loop, a worker Jest had to kill. Jest runs in its own
// process group, so a timeout also kills every redis-server and fixture process it started.
// Arguments are passed to Jest: `node scripts/run-jest.mjs packages/core/test/cache`.
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';

const limitMin = Number(process.env.TIERCACHE_TEST_LIMIT_MIN ?? 30);
const jestBin = createRequire(import.meta.url).resolve('jest/bin/jest');
const child = spawn(process.execPath, [jestBin, '--ci', ...process.argv.slice(2)], { stdio: ['inherit', 'inherit', 'pipe'], detached: true });

// In a worker, a spec's leaked handle does not hang the run: Jest kills the worker and only prints a
// warning. That is the same bug (work that was never stopped), so it fails the run too.
const FORCE_EXITED = 'A worker process has failed to exit gracefully';
let tail = '';
let workerForceExited = false;
child.stderr.on('data', (chunk) => {
  process.stderr.write(chunk);
  tail = (tail + chunk.toString()).slice(-1_000);
  if (tail.includes(FORCE_EXITED)) workerForceExited = true;
});

const killGroup = (signal) => {
  try {
    process.kill(-child.pid, signal);
  } catch {
    // the group is gone already
  }
};
const limit = setTimeout(() => {
  process.stderr.write(
    `\n[run-jest] Jest ran longer than ${limitMin} min (TIERCACHE_TEST_LIMIT_MIN): killing it and everything it started.\n` +
      '[run-jest] Run `npm run test:diagnose -- <spec>` on the last spec it printed to see what kept it busy.\n',
  );
  killGroup('SIGKILL');
}, limitMin * 60_000);
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => killGroup(signal));

child.on('close', (code, signal) => {
  clearTimeout(limit);
  // Whatever Jest left behind in its group (a redis-server orphaned by a crash) goes with it.
  killGroup('SIGKILL');
  if (workerForceExited) {
    process.stderr.write(
      '\n[run-jest] Jest had to kill a worker that a spec kept alive (see its warning above): failing the run.\n' +
        '[run-jest] Find the spec with `npm run test:diagnose -- <spec>` (in band, --detectOpenHandles), which names the handle.\n',
    );
    process.exit(1);
  }
  process.exit(code ?? (signal ? 1 : 0));
});
