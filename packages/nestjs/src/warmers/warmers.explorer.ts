import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { DiscoveryService, MetadataScanner, ModuleRef } from '@nestjs/core';
import { invalidOption } from '../errors.js';
import { CacheRegistry } from '../cache-registry.js';
import type { WarmerMetadata, WarmerMethod } from './cache-warmer.decorator.js';
import { CACHE_WARMER_METADATA } from './warmers.constants.js';
import { WarmersOrchestrator } from './warmers.orchestrator.js';

/** Finds `@CacheWarmer` methods on static providers and hands them to the orchestrator. */
@Injectable()
export class WarmersExplorer implements OnModuleInit {
  readonly #logger = new Logger('Tiercache:warmers');

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly moduleRef: ModuleRef,
    private readonly orchestrator: WarmersOrchestrator,
  ) {}

  onModuleInit(): void {
    let caches: CacheRegistry | undefined;
    for (const wrapper of this.discovery.getProviders()) {
      const { instance, metatype } = wrapper;
      if (!instance || typeof instance !== 'object' || typeof metatype !== 'function') continue;
      const prototype = Object.getPrototypeOf(instance) as Record<string, unknown>;
      for (const methodName of this.scanner.getAllMethodNames(prototype)) {
        const method = prototype[methodName];
        if (typeof method !== 'function') continue;
        const warmers = Reflect.getMetadata(CACHE_WARMER_METADATA, method) as WarmerMetadata[] | undefined;
        if (warmers === undefined) continue;
        if (!wrapper.isDependencyTreeStatic()) {
          // There is no single instance to call on a schedule.
          this.#logger.warn(`${metatype.name}.${methodName} is a @CacheWarmer on a request-scoped or transient provider: it is not scheduled.`);
          continue;
        }
        // Looked up, not injected: CacheModule need not be global, nor imported by WarmersModule.
        const registry = (caches ??= this.moduleRef.get<CacheRegistry>(CacheRegistry, { strict: false }));
        for (const metadata of warmers) {
          if (metadata.cache !== undefined && !registry.has(metadata.cache)) {
            throw invalidOption(
              `@CacheWarmer(${metadata.name}).cache`,
              `CacheModule defines no cache "${metadata.cache}" (defined: ${registry.names().join(', ')})`,
            );
          }
          const cache = registry.get(metadata.cache);
          this.orchestrator.add({
            metadata,
            method: (method as WarmerMethod).bind(instance),
            cache,
            exclusive: metadata.exclusive ?? cache.status().l2 !== undefined,
          });
        }
      }
    }
  }
}
