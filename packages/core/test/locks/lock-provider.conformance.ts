import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { ErrorCode, TiercacheError } from '../../src/errors.js';
import type { LockHandle, LockProvider } from '../../src/locks/index.js';

/** Resolves once `signal` aborts; the test's timeout catches a signal that never does. */
export function aborted(signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));
}

export function expectCode(code: ErrorCode): jest.AsymmetricMatcher {
  return expect.objectContaining({ name: 'TiercacheError', code });
}

/**
 * The behaviour every LockProvider must have. `create` returns a fresh provider for each test; the
 * suite closes it.
 */
export function lockProviderConformance(create: () => LockProvider): void {
  let locks: LockProvider;
  let resource: string;
  const held: LockHandle[] = [];

  beforeEach(() => {
    locks = create();
    resource = `res-${randomUUID()}`;
  });

  afterEach(async () => {
    await Promise.all(held.splice(0).map((lock) => lock.release()));
    await locks.close();
  });

  async function hold(options?: Parameters<LockProvider['acquire']>[1]): Promise<LockHandle> {
    const lock = await locks.acquire(resource, options);
    held.push(lock);
    return lock;
  }

  it('grants a free lock with a unique token and a fence that grows with every holder', async () => {
    const first = await hold();
    expect(first.resource).toBe(resource);
    expect(first.signal.aborted).toBe(false);
    expect(await first.release()).toBe(true);

    const second = await hold();
    expect(second.token).not.toBe(first.token);
    expect(second.fence).toBeGreaterThan(first.fence);
  });

  it('tryAcquire gives nothing while the lock is held and the lock once it is released', async () => {
    const first = await hold();
    expect(await locks.tryAcquire(resource)).toBeUndefined();
    await first.release();

    const second = await locks.tryAcquire(resource);
    expect(second).toBeDefined();
    held.push(second!);
  });

  it('never lets two withLock calls on one resource overlap', async () => {
    let inside = 0;
    let mostInside = 0;
    const fences: number[] = [];

    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        locks.withLock(resource, async (lock) => {
          inside += 1;
          mostInside = Math.max(mostInside, inside);
          fences.push(lock.fence);
          await sleep(i % 3);
          inside -= 1;
        }),
      ),
    );

    expect(mostInside).toBe(1);
    expect(fences).toHaveLength(20);
    expect(fences).toEqual([...fences].sort((a, b) => a - b));
    expect(new Set(fences).size).toBe(20);
  });

  it('lets different resources be held at once', async () => {
    await hold();
    const other = await locks.tryAcquire(`${resource}-other`);
    expect(other).toBeDefined();
    held.push(other!);
  });

  it('wakes a waiter as soon as the holder releases, long before the lease would expire', async () => {
    // The wait (20 s) ends before the lease (30 s) would: only the release can let the waiter in.
    const first = await hold({ ttlMs: 30_000 });
    const waiting = locks.acquire(resource, { ttlMs: 30_000, waitMs: 20_000 });
    setTimeout(() => void first.release(), 50);

    const second = await waiting;
    held.push(second);
    expect(second.fence).toBeGreaterThan(first.fence);
  }, 25_000);

  it('fails with E_LOCK_TIMEOUT, naming the resource and the wait, when the lock stays held', async () => {
    await hold({ ttlMs: 30_000 });

    const error = await locks.acquire(resource, { waitMs: 100 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TiercacheError);
    expect(error).toEqual(expectCode(ErrorCode.LockTimeout));
    expect((error as Error).message).toContain(resource);
    expect((error as Error).message).toContain('100 ms');

    await expect(locks.acquire(resource, { waitMs: 0 })).rejects.toEqual(expectCode(ErrorCode.LockTimeout));
    const work = jest.fn(async () => undefined);
    await expect(locks.withLock(resource, work, { waitMs: 20 })).rejects.toEqual(expectCode(ErrorCode.LockTimeout));
    expect(work).not.toHaveBeenCalled();
  });

  it('lets the next holder in when a lease expires without a watchdog, and keeps the old holder out', async () => {
    const first = await hold({ ttlMs: 100, watchdog: false });
    const second = await hold({ ttlMs: 30_000, waitMs: 5_000 });
    expect(second.fence).toBeGreaterThan(first.fence);

    await aborted(first.signal);
    expect(await first.extend()).toBe(false);
    expect(await first.release()).toBe(false);
    expect(await locks.tryAcquire(resource)).toBeUndefined();
    expect(await second.release()).toBe(true);
  });

  it('keeps the lease alive with the watchdog while the work runs past its ttl', async () => {
    // Renewed every ttl/3 (400 ms): only an event-loop stall of over 800 ms could lose it, where a
    // 120 ms lease was lost by an 80 ms stall on a busy machine. The work outlasts 2.5 ttls.
    const lock = await hold({ ttlMs: 1_200 });
    await sleep(3_000);

    expect(await locks.tryAcquire(resource)).toBeUndefined();
    expect(lock.signal.aborted).toBe(false);
    expect(await lock.release()).toBe(true);
    const next = await locks.tryAcquire(resource);
    expect(next).toBeDefined();
    held.push(next!);
  }, 15_000);

  it('extend renews the lease for its owner', async () => {
    // A lease long enough to be extended before it runs out however busy the machine; then the
    // test outlives the original lease.
    const lock = await hold({ ttlMs: 1_000, watchdog: false });
    expect(await lock.extend(10_000)).toBe(true);
    await sleep(1_500);

    expect(await locks.tryAcquire(resource)).toBeUndefined();
    expect(lock.signal.aborted).toBe(false);
    await expect(lock.extend(0)).rejects.toEqual(expectCode(ErrorCode.InvalidArgument));
  }, 15_000);

  it('release is idempotent and never frees a later holder', async () => {
    const first = await hold();
    expect(await first.release()).toBe(true);
    const second = await hold();

    expect(await first.release()).toBe(true);
    expect(await locks.tryAcquire(resource)).toBeUndefined();
    expect(await first.extend()).toBe(false);
    expect(await second.release()).toBe(true);
  });

  it('withLock releases the lock when the work throws, and rethrows', async () => {
    const failure = new Error('work failed');
    await expect(
      locks.withLock(resource, async () => {
        throw failure;
      }),
    ).rejects.toBe(failure);

    const next = await locks.tryAcquire(resource);
    expect(next).toBeDefined();
    held.push(next!);
  });

  it('withLock returns what the work returns, with the lock passed in', async () => {
    const result = await locks.withLock(resource, async (lock) => {
      expect(await locks.tryAcquire(resource)).toBeUndefined();
      return lock.resource;
    });
    expect(result).toBe(resource);
  });

  it.each([
    ['an empty resource', '', {}],
    ['a zero ttl', 'r', { ttlMs: 0 }],
    ['a negative ttl', 'r', { ttlMs: -5 }],
    ['a NaN ttl', 'r', { ttlMs: Number.NaN }],
    ['an infinite ttl', 'r', { ttlMs: Number.POSITIVE_INFINITY }],
    ['a fractional ttl', 'r', { ttlMs: 1.5 }],
    ['a negative wait', 'r', { waitMs: -1 }],
    ['an infinite wait', 'r', { waitMs: Number.POSITIVE_INFINITY }],
  ])('rejects %s with E_INVALID_ARGUMENT', async (_, name, options) => {
    const invalid = expectCode(ErrorCode.InvalidArgument);
    await expect(locks.acquire(name, options)).rejects.toEqual(invalid);
    await expect(locks.tryAcquire(name, options)).rejects.toEqual(invalid);
    await expect(locks.withLock(name, async () => undefined, options)).rejects.toEqual(invalid);
  });

  it('close rejects waiters and later calls with E_CLOSED, and aborts held leases', async () => {
    const lock = await hold({ ttlMs: 30_000 });
    const waiting = locks.acquire(resource, { waitMs: 20_000 }).catch((e: unknown) => e);

    await locks.close();

    expect(await waiting).toEqual(expectCode(ErrorCode.Closed));
    expect(lock.signal.aborted).toBe(true);
    await expect(locks.acquire(resource)).rejects.toEqual(expectCode(ErrorCode.Closed));
    await expect(locks.tryAcquire(resource)).rejects.toEqual(expectCode(ErrorCode.Closed));
  }, 25_000);
}
