import { invalidArgument, invalidOption, type LockOptions } from '@tiercache/core';
import { WITH_LOCK_METADATA } from '../cache.constants.js';
import type { AsyncMethod, AsyncMethodDecorator } from './cacheable.decorator.js';
import { appendMetadata, boundRegistry, replaceMethod } from './method-binding.js';

/**
 * Runs the method while holding a lock, fleet-wide with Redis: `withLock(resource, …)` of the
 * module's `LockProvider`. Waits up to `waitMs` (then E_LOCK_TIMEOUT); the lease is renewed while
 * the method runs.
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
    replaceMethod(descriptor, async function (this: unknown, ...args: unknown[]) {
      const callArgs = args as A;
      const registry = boundRegistry(this);
      // Unlike caching, a lock can't be skipped: running unprotected could break what it guards.
      if (registry === undefined) {
        throw invalidArgument(
          `@WithLock on ${method}`,
          'it was called before CacheModule initialised, or on an object Nest did not create; call it from onApplicationBootstrap or later',
        );
      }
      const name = typeof resource === 'function' ? resource(...callArgs) : resource;
      return registry.locks.withLock(name, () => original.apply(this, callArgs), options);
    });
    appendMetadata(WITH_LOCK_METADATA, {}, descriptor.value as object);
  };
}
