import type { Scope } from '../cache/scope.js';
import type { Telemetry } from '../cache/telemetry.js';
import type { LockHandle } from '../locks/lock-provider.js';
import { acquireReading, type RedisLockProvider } from '../locks/redis-lock-provider.js';
import type { L2Read, L2Reader } from '../read/l2-reader.js';
import type { ResilientTier } from '../tiers/resilient-tier.js';
import { loadLockResource } from './load-lock-key.js';

/** The longest wait `acquire` accepts (Node's timer limit): "until the lease ends" in practice. */
const MAX_WAIT_MS = 2_147_483_647;

export type FleetLockResult =
  | { readonly lock: LockHandle; readonly found?: undefined; readonly busy?: undefined }
  /** Found in L2 once the lock was ours: the caller releases `lock` (behind its callers). */
  | { readonly found: L2Read; readonly lock: LockHandle; readonly busy?: undefined }
  | { readonly busy: true; readonly lock?: undefined; readonly found?: undefined }
  | { readonly lock?: undefined; readonly found?: undefined; readonly busy?: undefined };

/**
 * Fleet-wide single-flight: one loader run per key across every process sharing Redis. The
 * process that takes the key's lock loads; the others wait (woken when it releases, right after
 * storing) and read what it stored. Lock trouble never fails a read: the caller then loads alone.
 */
export class FleetLock {
  constructor(
    private readonly locks: RedisLockProvider,
    private readonly reader: L2Reader,
    /** Lock commands go through L2's breaker, like every other command: a skipped node is not waited for. */
    private readonly l2: ResilientTier,
    private readonly telemetry: Telemetry,
    private readonly ttlMs: number,
  ) {}

  /**
   * Takes the lock and, in the same script, reads the entry: whoever held the lock may have stored
   * the value just before we got it. A waiter waits as long as the holder keeps renewing its lease,
   * up to `waitUntil` (its call's deadline or load bound, `performance.now()` time); if the holder
   * dies, its lease runs out and the waiter takes over. `background`: a refresh, which never waits;
   * if another process holds the lock it is refreshing (or loading) the key already (`busy`).
   */
  async acquire(scope: Scope, key: string, label: string | undefined, waitUntil: number, background = false): Promise<FleetLockResult> {
    const resource = loadLockResource(key);
    const waitStarted = performance.now();
    // Whole milliseconds, as the lock provider wants them; past the deadline, one attempt still
    // lets the load run (and be stored) behind the caller's timeout.
    const waitMs = background ? 0 : Math.max(0, Math.floor(Math.min(MAX_WAIT_MS, waitUntil - waitStarted)));
    try {
      // The first attempt is one command, through the breaker of the entry's node (the lock shares
      // its slot); only a lock that is held is waited for, and only while that node is usable.
      let attempt: ReturnType<RedisLockProvider[typeof acquireReading]> | undefined;
      const tried = await this.l2.guard('loadLock', key, async () => {
        attempt = this.locks[acquireReading](resource, key, { ttlMs: this.ttlMs, waitMs: 0 });
        return { taken: await attempt };
      });
      if (tried === undefined) {
        // Skipped, or given up on after a command timeout: a lock the script still takes later is
        // nobody's, and its lease would be renewed for ever while every other process waits on it.
        void attempt?.then((late) => late?.lock.release(), () => undefined).catch(() => undefined);
        return {};
      }
      let taken = tried.taken;
      if (taken === undefined && !background && waitMs > 0 && this.l2.usableFor(key)) {
        taken = await this.locks[acquireReading](resource, key, { ttlMs: this.ttlMs, waitMs });
        this.telemetry.events.emit('lock:wait', { key, durationMs: performance.now() - waitStarted, label });
      }
      // Waited as long as this call may: not a fault. The caller loads itself, or times out.
      if (taken === undefined) return background ? { busy: true } : {};
      // A refresh wants a newer value than the one it has, so the entry in L2 is no answer for it.
      if (background || taken.value === undefined) return { lock: taken.lock };
      // A second look at a malformed entry is not a second malformed entry.
      const found = await this.reader.judgeRaw(scope, key, taken.value, 0, false);
      if (found === undefined || !found.trusted) return { lock: taken.lock };
      this.telemetry.hit(key, 'l2', label);
      return { found, lock: taken.lock };
    } catch (error) {
      this.telemetry.fault('loadLock', error, key);
      return {};
    }
  }
}
