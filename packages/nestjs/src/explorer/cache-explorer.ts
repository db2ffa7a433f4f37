import { Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { DiscoveryService, MetadataScanner, ModuleRef } from '@nestjs/core';
import type { InstanceWrapper } from '@nestjs/core/injector/instance-wrapper.js';
import { ErrorCode, TiercacheError } from '@tiercache/core';
import { invalidOption } from '../errors.js';
import { CACHEABLE_METADATA, CACHE_EVICT_METADATA, CACHE_PUT_METADATA, INVALIDATE_ON_METADATA, WITH_LOCK_METADATA } from '../cache.constants.js';
import type { InvalidateOnMetadata } from '../decorators/invalidate-on.js';
import { CACHE_EVENTS_OPTIONS } from '../events/events.constants.js';
import { CacheRegistry } from '../cache-registry.js';
import { addResolver, bindClass, bindInstance, removeResolver, type CacheSource, type SourceResolver } from '../decorators/cache-binding.js';
import { optionPath, type DecoratedMethod } from '../decorators/method-binding.js';
import { unkeyableRouteArguments } from './route-arguments.js';
import { filterOn } from '../absent-keys/filter-binding.js';

const METADATA_KEYS = [CACHEABLE_METADATA, CACHE_PUT_METADATA, CACHE_EVICT_METADATA, WITH_LOCK_METADATA];

/**
 * Finds providers and controllers with decorated methods, validates every decorator's options against
 * this application (named caches exist, entry options in range, default keys can be formed) and binds
 * the instances to its caches. That happens in onModuleInit, or earlier on the first call of a decorated
 * method (a test that only compiles the module, another provider's onModuleInit): see cache-binding.ts.
 */
@Injectable()
export class CacheExplorer implements OnModuleInit, OnApplicationShutdown, SourceResolver {
  readonly #logger = new Logger('Tiercache');
  readonly #ref: WeakRef<SourceResolver>;
  #bound = false;

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly registry: CacheRegistry,
    private readonly moduleRef: ModuleRef,
  ) {
    this.#ref = addResolver(this);
  }

  onModuleInit(): void {
    this.#bindAll();
  }

  onApplicationShutdown(): void {
    removeResolver(this.#ref);
  }

  resolve(self: object): CacheSource | undefined {
    if (!this.#wrappers().some((wrapper) => wrapper.instance === self)) return undefined;
    this.#bindAll();
    return this.registry;
  }

  #wrappers(): InstanceWrapper[] {
    return [...this.discovery.getProviders(), ...this.discovery.getControllers()];
  }

  #bindAll(): void {
    if (this.#bound) return;
    this.#bound = true;
    for (const wrapper of this.#wrappers()) {
      const { instance, metatype } = wrapper;
      if (!instance || typeof instance !== 'object' || typeof metatype !== 'function') continue;
      if (!this.#validate(instance)) continue;
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

  /** Checks every decorated method of `instance`; true if it has any. */
  #validate(instance: object): boolean {
    const prototype = Object.getPrototypeOf(instance) as Record<string, unknown>;
    let decorated = false;
    for (const name of this.scanner.getAllMethodNames(prototype)) {
      const method = prototype[name];
      if (typeof method !== 'function') continue;
      for (const key of METADATA_KEYS) {
        for (const metadata of (Reflect.getMetadata(key, method) as DecoratedMethod[] | undefined) ?? []) {
          decorated = true;
          this.#check(instance.constructor, name, metadata);
        }
      }
      for (const { method: label } of (Reflect.getMetadata(INVALIDATE_ON_METADATA, method) as InvalidateOnMetadata[] | undefined) ?? []) {
        this.#checkEventsModule(label);
      }
    }
    return decorated;
  }

  /** `invalidateOn` without CacheEventsModule would never invalidate: fail instead. */
  #checkEventsModule(method: string): void {
    try {
      this.moduleRef.get(CACHE_EVENTS_OPTIONS, { strict: false });
    } catch (error) {
      throw invalidOption(
        `${optionPath('@Cacheable', method)}.invalidateOn`,
        'needs CacheEventsModule.forRoot() from @tiercache/nestjs/events (and EventEmitterModule.forRoot() from @nestjs/event-emitter) in the application',
        error,
      );
    }
  }

  #check(type: object, methodName: string, { decorator, method, cache, entry, defaultKey, absentKeys }: DecoratedMethod): void {
    const path = optionPath(decorator, method);
    if (cache !== undefined && !this.registry.has(cache)) {
      throw invalidOption(
        `${path}.cache`,
        `${method} uses the cache "${cache}", which CacheModule does not define (defined: ${this.registry.names().join(', ')})`,
      );
    }
    if (entry !== undefined && Object.keys(entry).length > 0) {
      try {
        // Resolved against the cache the method uses, exactly as each call would.
        this.registry.get(cache).namespace('validate', entry);
      } catch (error) {
        if (!(error instanceof TiercacheError) || error.code !== ErrorCode.InvalidOption) throw error;
        throw new TiercacheError(error.code, error.message.replace(/`defaults\./, `\`${path}.`), { cause: error });
      }
    }
    if (absentKeys !== undefined) filterOn(this.registry.get(cache), absentKeys, `${path}.absentKeys`);
    if (defaultKey) {
      const unkeyable = unkeyableRouteArguments(type, methodName);
      if (unkeyable.length > 0) {
        throw invalidOption(
          `${path}.key`,
          `the handler takes ${unkeyable.join(', ')}, which cannot be part of the default cache key: pass \`key\`, ` +
            "a function of the arguments that matter, e.g. key: (id: string) => ['agent', id]",
        );
      }
    }
  }
}
