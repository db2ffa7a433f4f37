import type { Scope } from '../cache/scope.js';
import type { Telemetry } from '../cache/telemetry.js';
import type { LockHandle } from '../locks/lock-provider.js';
import type { RedisLockProvider } from '../locks/redis-lock-provider.js';
import type { L2Read, L2Reader } from '../read/l2-reader.js';
import type { ResilientTier } from '../tiers/resilient-tier.js';

/** A process waiting for another's load gives up after this (or its call's deadline), and loads itself. */
const LOAD_LOCK_WAIT_MS = 10_000;

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
    /** Lock commands go through L2's breaker, like every other command: a skipped node is not waited for. */
    private readonly l2: ResilientTier,
    private readonly telemetry: Telemetry,
    private readonly ttlMs: number,
  ) {}

  /**
   * `background`: a refresh, which never waits. If another process holds the lock it is refreshing
   * (or loading) the key already, and the refresh is dropped (`{}` with `busy`).
   */
  async acquire(scope: Scope, key: string, label: string | undefined, deadline: number, background = false): Promise<FleetLockResult> {
    const resource = `@${key}`;
    // The lock key's slot is its resource's (a hash tag).
    const slotKey = `{${resource}}`;
    try {
      const tried = await this.l2.guard('loadLock', slotKey, async () => ({ lock: await this.locks.tryAcquire(resource, { ttlMs: this.ttlMs }) }));
      if (tried === undefined) return {};
      let lock = tried.lock;
      if (lock === undefined && background) return { busy: true };
      // A refresh wants a newer value than the one it has, so the entry in L2 is no answer for it.
      if (lock !== undefined && background) return { lock };
      if (lock === undefined) {
        const waitStarted = performance.now();
        const waitMs = Math.min(Math.max(LOAD_LOCK_WAIT_MS, this.ttlMs * 2), deadline - waitStarted);
        if (waitMs <= 0 || !this.l2.usableFor(slotKey)) return {};
        lock = await this.locks.acquire(resource, { ttlMs: this.ttlMs, waitMs });
        this.telemetry.events.emit('lock:wait', { key, durationMs: performance.now() - waitStarted, label });
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
