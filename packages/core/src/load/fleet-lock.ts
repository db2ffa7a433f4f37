import type { Scope } from '../cache/scope.js';
import type { Telemetry } from '../cache/telemetry.js';
import { ErrorCode, TiercacheError } from '../errors.js';
import type { LockHandle } from '../locks/lock-provider.js';
import { acquireReading, releaseWith, type RedisLockProvider } from '../locks/redis-lock-provider.js';
import type { LockRelease } from '../tiers/remote-tier.js';
import type { L2Read, L2Reader } from '../read/l2-reader.js';
import type { ResilientTier } from '../tiers/resilient-tier.js';
import { loadLockResource } from './load-lock-key.js';

/** The longest wait `acquire` accepts (Node's timer limit): "until the lease ends" in practice. */
const MAX_WAIT_MS = 2_147_483_647;

export type FleetLockResult =
  | { readonly lock: LockHandle; readonly found?: undefined; readonly busy?: undefined }
  /** Found in L2 once the lock was ours (the caller releases `lock`, behind its callers), or after a wait without it. */
  | { readonly found: L2Read; readonly lock?: LockHandle; readonly busy?: undefined }
  | { readonly busy: true; readonly lock?: undefined; readonly found?: undefined }
  | { readonly lock?: undefined; readonly found?: undefined; readonly busy?: undefined };

/**
 * Fleet-wide single-flight: one loader run per key across every process sharing Redis. The
 * process that takes the key's lock loads; the others wait (woken when it releases, in the script
 * that stores the value) and read what it stored. Lock commands go through L2's breaker (the lock
 * provider is guarded by it). Lock trouble never fails a read: the caller then loads alone.
 */
export class FleetLock {
  constructor(
    private readonly locks: RedisLockProvider,
    private readonly reader: L2Reader,
    private readonly l2: ResilientTier,
    private readonly telemetry: Telemetry,
    private readonly ttlMs: number,
  ) {}

  /** For the script that writes the loaded value: it frees `lock` too, and wakes the waiters. */
  releaseWith(lock: LockHandle): LockRelease | undefined {
    return this.locks[releaseWith](lock);
  }

  /**
   * Takes the lock and, in the same script, reads the entry: whoever held the lock may have stored
   * the value just before we got it. A waiter waits as long as the holder keeps renewing its lease,
   * up to `waitUntil` (its call's deadline or load bound, `performance.now()` time), and once woken
   * reads the stored value without taking the lock, so woken processes don't queue on it one by
   * one; if the holder dies, its lease runs out and the waiter takes over. `busy`: another process
   * held the lock until `waitUntil`. `background`: a refresh, which never waits; if another process
   * holds the lock it is refreshing (or loading) the key already (`busy`). `readFirst`: nothing
   * read the entry yet, so a fresh one is the answer, and the lock is taken only if there is none.
   */
  async acquire(scope: Scope, key: string, label: string | undefined, waitUntil: number, background = false, readFirst = false): Promise<FleetLockResult> {
    const resource = loadLockResource(key);
    const waitStarted = performance.now();
    // Whole milliseconds, as the lock provider wants them; past the deadline, one attempt still
    // lets the load run (and be stored) behind the caller's timeout.
    const waitFor = () => (background ? 0 : Math.max(0, Math.floor(Math.min(MAX_WAIT_MS, waitUntil - performance.now()))));
    try {
      let taken = await this.locks[acquireReading](resource, key, { ttlMs: this.ttlMs, waitMs: 0 }, readFirst ? 'always' : 'after a wait');
      // Only a lock that is held is waited for, and only while the entry's node (the lock's too) is usable.
      if (taken === undefined && waitFor() > 0 && this.l2.usableFor(key)) {
        taken = await this.locks[acquireReading](resource, key, { ttlMs: this.ttlMs, waitMs: waitFor() });
        this.telemetry.events.emit('lock:wait', { key, durationMs: performance.now() - waitStarted, label });
      }
      // Held for as long as this call may wait (not a fault): `busy`, though the wait, counted in
      // whole milliseconds, may end a fraction of one before `waitUntil`. Not waited for: load alone.
      if (taken === undefined) return background || waitFor() === 0 ? { busy: true } : {};
      // A refresh wants a newer value than the one it has, so the entry in L2 is no answer for it.
      if (background) return { lock: taken.lock! };
      // A second look at a malformed entry is not a second malformed entry.
      const found = taken.value === undefined ? undefined : await this.reader.judgeRaw(scope, key, taken.value, 0, false);
      if (found?.trusted) {
        this.telemetry.hit(key, 'l2', label);
        return { found, lock: taken.lock };
      }
      if (taken.lock !== undefined) return { lock: taken.lock };
      // Stored while we waited, yet no answer (invalidated since, or malformed): load it, under the lock.
      const locked = await this.locks[acquireReading](resource, key, { ttlMs: this.ttlMs, waitMs: waitFor() }, 'never');
      if (locked?.lock !== undefined) return { lock: locked.lock };
      return waitFor() === 0 ? { busy: true } : {};
    } catch (error) {
      // Skipped by the breaker, or given up on after a command timeout: already counted by L2.
      if (!(error instanceof TiercacheError && error.code === ErrorCode.LockUnavailable)) this.telemetry.fault('loadLock', error, key);
      return {};
    }
  }
}
