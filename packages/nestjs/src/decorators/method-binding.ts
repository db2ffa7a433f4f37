import { Logger } from '@nestjs/common';
import { buildKey, invalidOption, type CacheKey } from '@tiercache/core';
import type { CacheRegistry } from '../cache-registry.js';

/*
 * Why decorators wrap at decoration time: the wrapper replaces the method on the prototype, so every
 * caller sees it — including ones that capture the method early, such as @nestjs/schedule's
 * explorer binding a @Cron method. What the wrapper cannot know at decoration time is which
 * application's caches to use (tests run several apps in one process), so the explorer binds each
 * provider instance to its application's CacheRegistry in onModuleInit. A call that arrives before
 * that (from another provider's onModuleInit) or on an object Nest did not create runs uncached,
 * with a warning, rather than failing.
 */
const byInstance = new WeakMap<object, CacheRegistry>();
const byClass = new WeakMap<object, CacheRegistry>();
const warned = new Set<string>();
const logger = new Logger('Tiercache');

export function bindInstance(instance: object, registry: CacheRegistry): void {
  byInstance.set(instance, registry);
}

/** For request-scoped and transient providers, whose instances don't exist at startup. */
export function bindClass(type: object, registry: CacheRegistry): boolean {
  const previous = byClass.get(type);
  byClass.set(type, registry);
  return previous !== undefined && previous !== registry;
}

/** The registry `self` was bound to, if any. */
export function boundRegistry(self: unknown): CacheRegistry | undefined {
  return typeof self === 'object' && self !== null ? (byInstance.get(self) ?? byClass.get(self.constructor)) : undefined;
}

/** The registry `self` was bound to; when there is none, warns once that `method` runs uncached. */
export function registryFor(self: unknown, method: string): CacheRegistry | undefined {
  const registry = boundRegistry(self);
  if (registry !== undefined) return registry;
  if (!warned.has(method)) {
    warned.add(method);
    logger.warn(
      `${method} ran uncached: it was called on an object Nest did not create, or before CacheModule initialised ` +
        '(call cached methods from onApplicationBootstrap, not from onModuleInit).',
    );
  }
  return undefined;
}

/** A method's key: fixed, computed from its arguments, or by default its class, name and arguments. */
export type KeySpec<A extends unknown[]> = string | ((...args: A) => CacheKey);

export function keyOf<A extends unknown[]>(spec: KeySpec<A> | undefined, defaultParts: readonly unknown[], args: A): CacheKey {
  if (spec === undefined) return [...defaultParts, ...args] as CacheKey;
  return typeof spec === 'string' ? spec : spec(...args);
}

export function checkKeySpec(decorator: string, spec: unknown): void {
  if (spec === undefined || typeof spec === 'function') return;
  if (typeof spec === 'string') {
    buildKey(spec);
    return;
  }
  throw invalidOption(`${decorator}.key`, 'expected a string or a function of the method arguments');
}

export function checkFunction(decorator: string, field: string, value: unknown): void {
  if (value !== undefined && typeof value !== 'function') throw invalidOption(`${decorator}.${field}`, 'expected a function');
}

/**
 * Puts `wrapper` in place of the decorated method, keeping its name, its length and every metadata
 * key other decorators stored on it (@Cron, guards, Swagger read those).
 */
export function replaceMethod(descriptor: PropertyDescriptor, wrapper: (...args: unknown[]) => unknown): void {
  const original = descriptor.value as (...args: unknown[]) => unknown;
  for (const key of Reflect.getOwnMetadataKeys(original)) {
    Reflect.defineMetadata(key, Reflect.getOwnMetadata(key, original), wrapper);
  }
  Object.defineProperty(wrapper, 'name', { value: original.name });
  Object.defineProperty(wrapper, 'length', { value: original.length });
  descriptor.value = wrapper;
}

/** Appends to a list kept in metadata, so stacked decorators accumulate instead of overwriting. */
export function appendMetadata(key: string, value: unknown, target: object): void {
  const list = (Reflect.getOwnMetadata(key, target) as unknown[] | undefined) ?? [];
  Reflect.defineMetadata(key, [...list, value], target);
}
