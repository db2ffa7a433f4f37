import { ErrorCode, TiercacheError, buildKey, type CacheKey } from '@tiercache/core';
import { invalidArgument, invalidOption } from '../errors.js';
import { checkKnownKeys, type Shape } from '../options/known-keys.js';

/**
 * What every decorator records on the method, read by the explorer at init to validate the options
 * against the application (caches exist, entry options in range, a default key can be formed).
 */
export interface DecoratedMethod {
  readonly decorator: '@Cacheable' | '@CachePut' | '@CacheEvict' | '@WithLock';
  /** `Class.method`. */
  readonly method: string;
  readonly cache?: string;
  /** Entry options (ttl, grace…) to validate against the cache's defaults. */
  readonly entry?: object;
  /** True when the key is the default one (class, method, arguments). */
  readonly defaultKey?: boolean;
  /** The absent-key filter the method uses, which must be on its cache. */
  readonly absentKeys?: string;
}

/** `@Cacheable(AgentsService.find)`: how options are named in errors. */
export function optionPath(decorator: string, method: string): string {
  return `${decorator}(${method})`;
}

/** Rejects unknown option keys when the decorator is applied, naming the method. */
export function checkDecoratorKeys(decorator: string, method: string, options: unknown, shape: Shape): void {
  checkKnownKeys(options, shape, optionPath(decorator, method));
}

/**
 * A default key failed to build (a request, a response, a function among the arguments): say which
 * method and which argument, and what to do. Called only after the failure, so it costs nothing otherwise.
 */
export function defaultKeyError(method: string, args: readonly unknown[], cause: unknown): unknown {
  if (!(cause instanceof TiercacheError) || cause.code !== ErrorCode.InvalidArgument) return cause;
  const position = args.findIndex((arg) => {
    try {
      buildKey([arg] as CacheKey);
      return false;
    } catch {
      return true;
    }
  });
  if (position < 0) return cause;
  const error = invalidArgument(
    `default cache key of ${method}`,
    `argument ${position + 1} cannot be part of a cache key (${cause.message}); pass \`key\`, a function of the arguments that matter`,
  );
  (error as { cause?: unknown }).cause = cause;
  return error;
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
