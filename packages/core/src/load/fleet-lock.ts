import type { Scope } from '../cache/scope.js';
import { ErrorCode, type TiercacheError } from '../errors.js';
import type { Telemetry } from '../cache/telemetry.js';
import type { LockHandle } from '../locks/lock-provider.js';
import type { RedisLockProvider } from '../locks/redis-lock-provider.js';
import type { L2Read, L2Reader } from '../read/l2-reader.js';

/** The longest wait `acquire` accepts (Node's timer limit): "until the lease ends" in practice. */
const MAX_WAIT_MS = 2_147_483_647;

export type FleetLockResult =
  | { readonly lock: LockHandle; readonly found?: undefined; readonly busy?: undefined }
  | { readonly found: L2Read; readonly lock?: undefined; readonly busy?: undefined }
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
    private readonly telemetry: Telemetry,
    private readonly ttlMs: number,
  ) {}

  /**
   * A waiter waits as long as the holder keeps renewing its lease, up to `waitUntil` (its call's
   * deadline or load bound, `performance.now()` time); if the holder dies, its lease runs out and
   * the waiter takes over. `background`: a refresh, which never waits. If another process holds the lock it is refreshing
   * (or loading) the key already, and the refresh is dropped (`{}` with `busy`).
   */
  async acquire(scope: Scope, key: string, label: string | undefined, waitUntil: number, background = false): Promise<FleetLockResult> {
    const resource = `@${key}`;
    try {
      let lock = await this.locks.tryAcquire(resource, { ttlMs: this.ttlMs });
      if (lock === undefined && background) return { busy: true };
      // A refresh wants a newer value than the one it has, so the entry in L2 is no answer for it.
      if (lock !== undefined && background) return { lock };
      if (lock === undefined) {
        const waitStarted = performance.now();
        // Whole milliseconds, as `acquire` wants them.
        const waitMs = Math.floor(Math.min(MAX_WAIT_MS, waitUntil - waitStarted));
        if (waitMs <= 0) return {};
        try {
          lock = await this.locks.acquire(resource, { ttlMs: this.ttlMs, waitMs });
        } catch (error) {
          // Waited as long as this call may: not a fault. The caller loads itself, or times out.
          if ((error as TiercacheError).code === ErrorCode.LockTimeout) return {};
          throw error;
        } finally {
          this.telemetry.events.emit('lock:wait', { key, durationMs: performance.now() - waitStarted, label });
        }
      }
      // Whoever held the lock may have stored the value just before we got it (a second look at a
      // malformed entry is not a second malformed entry).
      const found = await this.reader.one(scope, key, 0, false);
      if (found === undefined || !found.trusted) return { lock };
      await lock.release();
      this.telemetry.hit(key, 'l2', label);
      return { found };
    } catch (error) {
      this.telemetry.fault('loadLock', error, key);
      return {};
    }
  }
}
