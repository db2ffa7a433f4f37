import { Global, Logger, Module, type DynamicModule, type InjectionToken, type ModuleMetadata, type Provider } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { HotKeys, type HotKeysOptions, type WarmOptions } from '@tiercache/core';
import { invalidOption } from '../errors.js';
import { CacheRegistry } from '../cache-registry.js';
import { checkKnownKeys } from '../options/known-keys.js';
import { getHotKeysToken } from './hot-keys.constants.js';
import { HotKeysRegistry } from './hot-keys.registry.js';

/** `HotKeysOptions` without what the module supplies, plus the startup warm. */
export interface HotKeysModuleOptions extends Omit<HotKeysOptions, 'cache' | 'logger'> {
  /** A cache named in `CacheModule` options. Default: the default cache. */
  cache?: string;
  /** Bounds of the warm on startup, or false for none. Default `{ maxEntries: topN, timeoutMs: 10_000 }`. */
  warmOnStartup?: Pick<WarmOptions, 'maxEntries' | 'timeoutMs'> | false;
}

export interface HotKeysModuleAsyncOptions {
  /** The cache, as named in `CacheModule` options. Default: the default cache. */
  cache?: string;
  imports?: ModuleMetadata['imports'];
  inject?: InjectionToken[];
  useFactory: (...args: any[]) => Omit<HotKeysModuleOptions, 'cache'> | Promise<Omit<HotKeysModuleOptions, 'cache'>>;
}

const SHAPE = {
  ...Object.fromEntries(
    ['cache', 'topN', 'halfLifeMs', 'publishEveryMs', 'maxTracked', 'retainMs', 'load', 'refreshEveryMs', 'refreshAhead'].map((key) => [key, true as const]),
  ),
  warmOnStartup: { maxEntries: true as const, timeoutMs: true as const },
};

@Global()
@Module({ providers: [HotKeysRegistry], exports: [HotKeysRegistry] })
class HotKeysCoreModule {}

/**
 * Predictive warming for a cache (opt-in): counts its reads, shares the fleet's hottest keys through
 * Redis and warms a starting instance's L1 with them, as the `hot-keys:<cache>` warmer.
 *
 * @example
 * HotKeysModule.registerAsync({
 *   inject: [AgentsRepository],
 *   useFactory: (agents: AgentsRepository) => ({ topN: 500, load: (key) => agents.byCacheKey(key) }),
 * })
 */
@Module({})
export class HotKeysModule {
  static register(options: HotKeysModuleOptions = {}): DynamicModule {
    const { cache, ...rest } = options;
    return HotKeysModule.registerAsync({ cache, useFactory: () => rest });
  }

  static registerAsync(options: HotKeysModuleAsyncOptions): DynamicModule {
    const name = options.cache ?? 'default';
    const where = `HotKeysModule(${name})`;
    const provider: Provider = {
      provide: getHotKeysToken(options.cache),
      inject: [ModuleRef, HotKeysRegistry, { token: CacheRegistry, optional: true }, ...(options.inject ?? [])],
      useFactory: async (moduleRef: ModuleRef, registry: HotKeysRegistry, caches: CacheRegistry | undefined, ...args: unknown[]) => {
        const resolved = await options.useFactory(...args);
        checkKnownKeys(resolved, SHAPE, where);
        const { warmOnStartup = {}, ...rest } = resolved as HotKeysModuleOptions;
        const found = caches ?? moduleRef.get(CacheRegistry, { strict: false });
        if (found === undefined) throw invalidOption(where, 'predictive warming needs CacheModule.forRoot in the application');
        if (options.cache !== undefined && !found.has(options.cache)) {
          throw invalidOption(`${where}.cache`, `CacheModule defines no cache "${options.cache}" (defined: ${found.names().join(', ')})`);
        }
        const tiered = found.get(options.cache);
        const hot = new HotKeys({ logger: new Logger('Tiercache'), ...rest, cache: tiered });
        registry.add({ cache: name, hot, tiered, warmOnStartup });
        return hot;
      },
    };
    return {
      module: HotKeysModule,
      imports: [HotKeysCoreModule, ...(options.imports ?? [])],
      providers: [provider],
      exports: [provider.provide],
    };
  }
}
