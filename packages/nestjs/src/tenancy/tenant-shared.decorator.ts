import { replaceMethod } from '../decorators/method-binding.js';
import { TenantContext } from './tenant-context.js';

/**
 * Runs the method against the shared namespace of tenant-scoped caches (data every tenant reads).
 * Put it above `@Cacheable`/`@CacheEvict` (decorators apply bottom-up, so the top one runs first):
 * below them, the cache call happens before it and fails with E_TENANT_REQUIRED, never silently
 * shared.
 *
 * @example
 * @TenantShared()
 * @Cacheable({ key: 'countries' })
 * async countries(): Promise<Country[]> { ... }
 */
export function TenantShared(): MethodDecorator {
  return (_target, _propertyKey, descriptor) => {
    const original = descriptor.value as unknown as (...args: unknown[]) => unknown;
    replaceMethod(descriptor, function (this: unknown, ...args: unknown[]) {
      return TenantContext.shared(() => original.apply(this, args));
    });
  };
}
