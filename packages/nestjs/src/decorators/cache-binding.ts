import { InProcessLockProvider, LockProvider, TieredCache } from '@tiercache/core';
import { invalidArgument } from '../errors.js';

/** What a decorated method needs from its application: its caches by name, and its locks. */
export interface CacheSource {
  get(name?: string): TieredCache;
  readonly locks: LockProvider;
}

/** An application's explorer, asked on first use whether it created an object (see `sourceFor`). */
export interface SourceResolver {
  resolve(self: object): CacheSource | undefined;
}

/*
 * Why binding happens on first use as well as at init: decorators wrap the method at decoration time
 * (so callers that capture it early, like @nestjs/schedule, see the wrapper), but which application's
 * caches to use is only known per instance. The explorer binds every instance in onModuleInit; a call
 * that comes earlier — a test that only `compile()`s, another provider's onModuleInit — asks each live
 * application whether it owns the object, and binds it then. An object no application created, but
 * given a cache (`new Service(db, createTestingCache())`), uses that cache. Anything else fails loudly:
 * running uncached or unlocked in silence hides the bug until production.
 */
const byInstance = new WeakMap<object, CacheSource>();
const byClass = new WeakMap<object, CacheSource>();
const resolvers = new Set<WeakRef<SourceResolver>>();
/** For objects holding a cache but no LockProvider: locks in this process, as in an L1-only app. */
let testingLocks: InProcessLockProvider | undefined;

export function bindInstance(instance: object, source: CacheSource): void {
  byInstance.set(instance, source);
}

/** For request-scoped and transient providers, whose instances don't exist at startup. */
export function bindClass(type: object, source: CacheSource): boolean {
  const previous = byClass.get(type);
  byClass.set(type, source);
  return previous !== undefined && previous !== source;
}

export function addResolver(resolver: SourceResolver): WeakRef<SourceResolver> {
  const ref = new WeakRef(resolver);
  resolvers.add(ref);
  return ref;
}

export function removeResolver(ref: WeakRef<SourceResolver>): void {
  resolvers.delete(ref);
}

function fromApplications(self: object): CacheSource | undefined {
  for (const ref of resolvers) {
    const resolver = ref.deref();
    if (resolver === undefined) {
      resolvers.delete(ref);
      continue;
    }
    const source = resolver.resolve(self);
    if (source !== undefined) return source;
  }
  return undefined;
}

/** The caches and lock provider an object was constructed with, e.g. `new Service(db, createTestingCache())`. */
function fromFields(self: object): CacheSource | undefined {
  const values = Object.values(self);
  const caches = values.filter((value): value is TieredCache => value instanceof TieredCache);
  if (caches.length !== 1) return undefined;
  const cache = caches[0]!;
  const locks = values.find((value): value is LockProvider => value instanceof LockProvider) ?? (testingLocks ??= new InProcessLockProvider());
  // The one cache it was given serves every `cache:` name its decorators use.
  return { get: () => cache, locks };
}

/** The source `self` is bound to, binding it on first use; throws, saying what to do, when there is none. */
export function sourceFor(self: unknown, method: string, decorator: string): CacheSource {
  if (typeof self === 'object' && self !== null) {
    const bound = byInstance.get(self) ?? byClass.get(self.constructor);
    if (bound !== undefined) return bound;
    const found = fromApplications(self) ?? fromFields(self);
    if (found !== undefined) {
      bindInstance(self, found);
      return found;
    }
  }
  throw invalidArgument(
    `call of ${decorator} ${method}`,
    'this object has no cache: no application with CacheModule created it, and it holds no single TieredCache. ' +
      'Get it from Nest (moduleRef.get / app.get), or construct it with a cache, e.g. new Service(db, createTestingCache()).',
  );
}
