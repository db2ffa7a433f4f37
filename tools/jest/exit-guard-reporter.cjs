// A Jest reporter that turns "Jest never exits" into a failed run that names what is still open.
// Jest itself only prints a warning when something keeps the process alive after the run, and then
// waits forever (a CI job sits until its own limit). Specs run in this process whenever Jest runs
// in band (one spec file, --maxWorkers=1, or a small run), so a leaked loop, socket or child
// process of a spec keeps this process alive. The timer is unref'd: it fires only if something else
// is holding the process open, long after the global teardown had its chance.
'use strict';

const GRACE_MS = Number(process.env.TIERCACHE_EXIT_GRACE_MS ?? 30_000);

/** One line per open handle, with what identifies it (ports, pids, commands). */
function describeHandles() {
  const lines = [];
  for (const handle of process._getActiveHandles()) {
    const type = handle?.constructor?.name ?? typeof handle;
    if (handle === process.stdout || handle === process.stderr || handle === process.stdin) continue;
    if (type === 'Socket' && handle.remotePort !== undefined) {
      lines.push(`socket ${handle.localAddress}:${handle.localPort} -> ${handle.remoteAddress}:${handle.remotePort}`);
    } else if (type === 'Server') {
      const address = handle.address();
      lines.push(`server listening on ${typeof address === 'string' ? address : `${address?.address}:${address?.port}`}`);
    } else if (type === 'ChildProcess') {
      lines.push(`child process ${handle.pid}: ${(handle.spawnargs ?? []).join(' ')}`);
    } else if (type !== 'Socket' || !handle.destroyed) {
      lines.push(type);
    }
  }
  const resources = process.getActiveResourcesInfo().filter((name) => name !== 'TTYWrap');
  const counts = {};
  for (const name of resources) counts[name] = (counts[name] ?? 0) + 1;
  lines.push(`active resources: ${JSON.stringify(counts)}`);
  return lines;
}

class ExitGuardReporter {
  onRunComplete() {
    if (GRACE_MS <= 0) return;
    const timer = setTimeout(() => {
      process.stderr.write(
        `\n[exit-guard] Jest was still running ${GRACE_MS / 1000} s after the last test: a spec left work running.\n` +
          describeHandles().map((line) => `[exit-guard]   ${line}\n`).join('') +
          '[exit-guard] Run `npm run test:diagnose -- <spec>` (Jest --detectOpenHandles, in band) to see where it was started.\n' +
          '[exit-guard] Failing the run instead of waiting forever.\n',
      );
      process.exit(1);
    }, GRACE_MS);
    timer.unref();
  }
}

module.exports = ExitGuardReporter;
