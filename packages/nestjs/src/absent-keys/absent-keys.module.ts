import { Global, Logger, Module, type DynamicModule, type InjectionToken, type ModuleMetadata, type Provider } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { AbsentKeyFilter, type AbsentKeyFilterOptions } from '@tiercache/core';
import { invalidOption } from '../errors.js';
import { CacheRegistry } from '../cache-registry.js';
import { checkKnownKeys } from '../options/known-keys.js';
import { getAbsentKeyFilterToken } from './absent-keys.constants.js';
import { AbsentKeyFilters } from './absent-keys.registry.js';

/** `AbsentKeyFilterOptions` without what the module supplies (the cache object, the name, Nest's logger). */
export interface AbsentKeysModuleOptions extends Omit<AbsentKeyFilterOptions, 'cache' | 'name' | 'logger'> {
  /** A cache named in `CacheModule` options. Default: the default cache. */
  cache?: string;
}

export interface AbsentKeysModuleAsyncOptions {
  name: string;
  imports?: ModuleMetadata['imports'];
  inject?: InjectionToken[];
  useFactory: (...args: any[]) => AbsentKeysModuleOptions | Promise<AbsentKeysModuleOptions>;
}

const SHAPE = Object.fromEntries(['cache', 'falsePositiveRate', 'expectedItems', 'buildLeaseMs'].map((key) => [key, true as const]));

/** Holds the one registry every registered filter joins. */
@Global()
@Module({ providers: [AbsentKeyFilters], exports: [AbsentKeyFilters] })
class AbsentKeysCoreModule {}

/**
 * Registers an absent-key filter by name on a `CacheModule` cache. `@Cacheable({ absentKeys: name })`
 * skips the method for keys the filter has never seen; `@CachePut({ absentKeys: name })` adds its
 * key. Rebuild it from the database in a `@CacheWarmer` (scheduled, one instance at a time).
 *
 * @example
 * AbsentKeysModule.register({ name: 'agents', expectedItems: 100_000, falsePositiveRate: 0.01 })
 */
@Module({})
export class AbsentKeysModule {
  static register(options: AbsentKeysModuleOptions & { name: string }): DynamicModule {
    const { name, ...rest } = options;
    return AbsentKeysModule.registerAsync({ name, useFactory: () => rest });
  }

  static registerAsync(options: AbsentKeysModuleAsyncOptions): DynamicModule {
    const where = `AbsentKeysModule(${options.name})`;
    const provider: Provider = {
      provide: getAbsentKeyFilterToken(options.name),
      inject: [ModuleRef, AbsentKeyFilters, { token: CacheRegistry, optional: true }, ...(options.inject ?? [])],
      useFactory: async (moduleRef: ModuleRef, filters: AbsentKeyFilters, caches: CacheRegistry | undefined, ...args: unknown[]) => {
        const resolved = await options.useFactory(...args);
        checkKnownKeys(resolved, SHAPE, where);
        const { cache, ...rest } = resolved;
        // Injected when CacheModule is global (so Nest builds it first), else looked up.
        const found = caches ?? moduleRef.get(CacheRegistry, { strict: false });
        if (found === undefined) throw invalidOption(where, 'an absent-key filter needs CacheModule.forRoot in the application');
        if (cache !== undefined && !found.has(cache)) {
          throw invalidOption(`${where}.cache`, `CacheModule defines no cache "${cache}" (defined: ${found.names().join(', ')})`);
        }
        const tiered = found.get(cache);
        const filter = new AbsentKeyFilter({ logger: new Logger('Tiercache'), ...rest, name: options.name, cache: tiered });
        filters.add(filter, tiered);
        return filter;
      },
    };
    return {
      module: AbsentKeysModule,
      imports: [AbsentKeysCoreModule, ...(options.imports ?? [])],
      providers: [provider],
      exports: [provider.provide],
    };
  }
}
