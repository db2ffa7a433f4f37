import { AsyncLocalStorage } from 'node:async_hooks';
import { type LockHandle, type LockOptions } from '@tiercache/core';
import { invalidOption } from '../errors.js';
import { WITH_LOCK_METADATA } from '../cache.constants.js';
import { sourceFor } from './cache-binding.js';
import type { AsyncMethod, AsyncMethodDecorator } from './cacheable.decorator.js';
import { appendMetadata, checkDecoratorKeys, replaceMethod, type DecoratedMethod } from './method-binding.js';

const LOCK_OPTIONS_SHAPE = { ttlMs: true, waitMs: true, watchdog: true } as const;

/** The lock of the `@WithLock` method running in this async context. */
const held = new AsyncLocalStorage<LockHandle>();

/**
 * The lock held by the `@WithLock` method this code runs in (directly or through anything it awaits),
 * or undefined outside one. Pass `signal` on to slow work so it stops when the lease is lost, and
 * `fence` to storage that can reject writes from an older holder.
 *
 * @example
 * @WithLock((id: number) => `payout:${id}`)
 * async payOut(id: number): Promise<void> {
 *   const lock = currentLock()!;
 *   await this.bank.transfer(id, { signal: lock.signal, fence: lock.fence });
 * }
 */
export function currentLock(): LockHandle | undefined {
  return held.getStore();
}

/**
 * Runs the method while holding a lock, fleet-wide with Redis: `withLock(resource, …)` of the
 * module's `LockProvider`. Waits up to `waitMs` (then E_LOCK_TIMEOUT); the lease is renewed while
 * the method runs. The method reaches the lock with `currentLock()`. If the lease is lost, the call
 * rejects at once with the lock's reason (E_LOCK_LOST) and `currentLock().signal` is aborted; a method
 * that ignores the signal keeps running, but nothing waits for it.
 *
 * @example
 * @WithLock((id: number) => `payout:${id}`, { ttlMs: 30_000, waitMs: 5_000 })
 * async payOut(id: number): Promise<void> { ... }
 */
export function WithLock<A extends unknown[] = any[]>(resource: string | ((...args: A) => string), options?: LockOptions): AsyncMethodDecorator<A, unknown> {
  if (typeof resource !== 'function' && (typeof resource !== 'string' || resource.length === 0)) {
    throw invalidOption('@WithLock.resource', 'expected a non-empty string or a function of the method arguments');
  }
  return (target, propertyKey, descriptor) => {
    const original = descriptor.value as unknown as AsyncMethod<A, unknown>;
    const method = `${target.constructor.name}.${String(propertyKey)}`;
    checkDecoratorKeys('@WithLock', method, options, LOCK_OPTIONS_SHAPE);
    replaceMethod(descriptor, async function (this: unknown, ...args: unknown[]) {
      const callArgs = args as A;
      // Unlike caching, a lock can't be skipped: running unprotected could break what it guards.
      const { locks } = sourceFor(this, method, '@WithLock');
      const name = typeof resource === 'function' ? resource(...callArgs) : resource;
      return locks.withLock(name, (lock) => runHolding(lock, () => original.apply(this, callArgs)), options);
    });
    const metadata: DecoratedMethod = { decorator: '@WithLock', method };
    appendMetadata(WITH_LOCK_METADATA, metadata, descriptor.value as object);
  };
}

/** Runs `fn` with `lock` as `currentLock()`, rejecting as soon as the lease is lost. */
async function runHolding<T>(lock: LockHandle, fn: () => Promise<T>): Promise<T> {
  const { signal } = lock;
  signal.throwIfAborted();
  let onAbort: (() => void) | undefined;
  const lost = new Promise<never>((_, reject) => {
    onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([held.run(lock, fn), lost]);
  } finally {
    signal.removeEventListener('abort', onAbort!);
  }
}
