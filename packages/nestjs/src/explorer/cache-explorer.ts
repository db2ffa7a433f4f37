import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import { invalidOption } from '@tiercache/core';
import { CACHEABLE_METADATA, CACHE_EVICT_METADATA, CACHE_PUT_METADATA, WITH_LOCK_METADATA } from '../cache.constants.js';
import { CacheRegistry } from '../cache-registry.js';
import { bindClass, bindInstance } from '../decorators/method-binding.js';

const METADATA_KEYS = [CACHEABLE_METADATA, CACHE_PUT_METADATA, CACHE_EVICT_METADATA, WITH_LOCK_METADATA];

/**
 * Finds providers and controllers with cached methods, binds them to this application's caches,
 * and checks at startup that every cache they name exists.
 */
@Injectable()
export class CacheExplorer implements OnModuleInit {
  readonly #logger = new Logger('Tiercache');

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly registry: CacheRegistry,
  ) {}

  onModuleInit(): void {
    for (const wrapper of [...this.discovery.getProviders(), ...this.discovery.getControllers()]) {
      const { instance, metatype } = wrapper;
      if (!instance || typeof instance !== 'object' || typeof metatype !== 'function') continue;
      const methods = this.#cachedMethods(instance);
      if (methods.length === 0) continue;
      if (wrapper.isDependencyTreeStatic()) {
        bindInstance(instance, this.registry);
      } else if (bindClass(metatype, this.registry)) {
        this.#logger.warn(
          `${metatype.name} is request-scoped or transient and used by several applications in this process: ` +
            'its cached methods use the caches of the application that started last.',
        );
      }
    }
  }

  #cachedMethods(instance: object): string[] {
    const prototype = Object.getPrototypeOf(instance) as object;
    return this.scanner.getAllMethodNames(prototype).filter((name) => {
      const method = (prototype as Record<string, unknown>)[name];
      if (typeof method !== 'function') return false;
      let decorated = false;
      for (const key of METADATA_KEYS) {
        for (const { cache } of (Reflect.getMetadata(key, method) as { cache?: string }[] | undefined) ?? []) {
          decorated = true;
          if (cache !== undefined && !this.registry.has(cache)) {
            throw invalidOption(
              'caches',
              `${instance.constructor.name}.${name} uses the cache "${cache}", which CacheModule does not define ` +
                `(defined: ${this.registry.names().join(', ')})`,
            );
          }
        }
      }
      return decorated;
    });
  }
}
