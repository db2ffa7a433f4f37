import { Global, Logger, Module, type DynamicModule, type InjectionToken, type ModuleMetadata, type Provider } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { WriteBehind, type WriteBehindOptions } from '@tiercache/core';
import { invalidOption } from '../errors.js';
import { CacheRegistry } from '../cache-registry.js';
import { getWriteBehindToken } from './write-behind.constants.js';
import { WriteBehindRegistry } from './write-behind.registry.js';

/** `WriteBehindOptions` without what the module supplies (the cache, the name, Nest's logger). */
export interface WriteBehindModuleOptions<T> extends Omit<WriteBehindOptions<T>, 'cache' | 'name'> {
  /** A cache named in `CacheModule` options. Default: the default cache. */
  cache?: string;
  /** How long the shutdown flush may take; what is left stays queued. Default 5 000. */
  shutdownTimeoutMs?: number;
}

export interface WriteBehindModuleAsyncOptions<T> {
  name: string;
  imports?: ModuleMetadata['imports'];
  inject?: InjectionToken[];
  useFactory: (...args: any[]) => WriteBehindModuleOptions<T> | Promise<WriteBehindModuleOptions<T>>;
}

/** Holds the one registry every registered write-behind joins. */
@Global()
@Module({ providers: [WriteBehindRegistry], exports: [WriteBehindRegistry] })
class WriteBehindCoreModule {}

/**
 * Registers a write-behind by name on a `CacheModule` cache. Inject it with
 * `@InjectWriteBehind(name)`; its writer usually needs your database, hence `registerAsync`.
 *
 * @example
 * WriteBehindModule.registerAsync({
 *   name: 'heartbeats',
 *   inject: [Database],
 *   useFactory: (db: Database) => ({ writer: (batch) => saveHeartbeats(db, batch), maxBatch: 200 }),
 * })
 */
@Module({})
export class WriteBehindModule {
  static register<T>(options: WriteBehindModuleOptions<T> & { name: string }): DynamicModule {
    const { name, ...rest } = options;
    return WriteBehindModule.registerAsync<T>({ name, useFactory: () => rest });
  }

  static registerAsync<T>(options: WriteBehindModuleAsyncOptions<T>): DynamicModule {
    const token = getWriteBehindToken(options.name);
    const provider: Provider = {
      provide: token,
      inject: [ModuleRef, WriteBehindRegistry, { token: CacheRegistry, optional: true }, ...(options.inject ?? [])],
      useFactory: async (moduleRef: ModuleRef, registry: WriteBehindRegistry, caches: CacheRegistry | undefined, ...args: unknown[]) => {
        const { cache, shutdownTimeoutMs = 5_000, ...rest } = await options.useFactory(...args);
        // Injected when CacheModule is global (so Nest builds it first), else looked up: it need not be imported here.
        const found = caches ?? moduleRef.get(CacheRegistry, { strict: false });
        if (found === undefined) throw invalidOption('cache', `write-behind "${options.name}" needs CacheModule.forRoot in the application`);
        const tiered = found.get(cache);
        const queue = new WriteBehind<T>({ logger: new Logger('Tiercache'), ...rest, name: options.name, cache: tiered });
        registry.add(queue, shutdownTimeoutMs);
        return queue;
      },
    };
    return {
      module: WriteBehindModule,
      imports: [WriteBehindCoreModule, ...(options.imports ?? [])],
      providers: [provider],
      exports: [token],
    };
  }
}
