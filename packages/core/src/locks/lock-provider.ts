/** How long a lock is leased for and how long to wait for it. */
export interface LockOptions {
  /** Lease length in whole milliseconds; the lock frees itself this long after the last acquire or extend. Default 10 000. */
  ttlMs?: number;
  /** How long `acquire` waits for a held lock, in whole milliseconds; 0 tries once. Default 10 000. */
  waitMs?: number;
  /** Extend the lease every `ttlMs / 3` until it is released. Default true. */
  watchdog?: boolean;
}

/** One holder's claim on a resource. */
export interface LockHandle {
  readonly resource: string;
  /** Identifies this holder; no other acquisition ever gets the same token. */
  readonly token: string;
  /**
   * Fencing token: strictly greater than the fence of every earlier holder of this resource. Pass it to
   * the storage you write to and let it reject writes carrying a smaller fence than one it has seen.
   */
  readonly fence: number;
  /** Aborted once this holder can no longer count on the lease: it expired, was taken, or the provider closed. */
  readonly signal: AbortSignal;
  /** Renews the lease for `ttlMs` (default: the current lease length). False if the lease is no longer ours. */
  extend(ttlMs?: number): Promise<boolean>;
  /**
   * Frees the lock if we still hold it and stops the watchdog. Calling it again returns the first call's
   * result and touches nothing, so it never frees a lock someone else acquired in between.
   */
  release(): Promise<boolean>;
}

/**
 * Mutual exclusion per resource name. Inject it by this class; bind `InProcessLockProvider` for a single
 * process or `RedisLockProvider` to exclude across processes.
 *
 * @example
 * ```ts
 * const total = await locks.withLock('report:2024', async (lock) => {
 *   return buildReport({ fence: lock.fence, signal: lock.signal });
 * }, { ttlMs: 5_000, waitMs: 1_000 });
 * ```
 */
export abstract class LockProvider {
  /** Takes the lock if it is free right now, without waiting. `waitMs` is ignored. */
  abstract tryAcquire(resource: string, options?: LockOptions): Promise<LockHandle | undefined>;

  /** Takes the lock, waiting up to `waitMs`; rejects with `E_LOCK_TIMEOUT` if it is still held by then. */
  abstract acquire(resource: string, options?: LockOptions): Promise<LockHandle>;

  /** Rejects pending `acquire` calls with `E_CLOSED`, aborts the `signal` of every lock still held and stops their watchdogs. */
  abstract close(): Promise<void>;

  /** Runs `fn` while holding the lock and releases it afterwards, whether `fn` resolves or throws. */
  async withLock<T>(resource: string, fn: (lock: LockHandle) => Promise<T>, options?: LockOptions): Promise<T> {
    const lock = await this.acquire(resource, options);
    let result: T;
    try {
      result = await fn(lock);
    } catch (error) {
      // The caller needs fn's error, not a release failure on top of it; an unreleased lease only delays
      // the next holder until it expires.
      await lock.release().catch(() => undefined);
      throw error;
    }
    await lock.release();
    return result;
  }
}
