import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { DiscoveryService, MetadataScanner, ModuleRef } from '@nestjs/core';
import { EventEmitter } from 'node:events';
import { INVALIDATE_ON_METADATA } from '../cache.constants.js';
import { CacheRegistry } from '../cache-registry.js';
import type { InvalidateOnMetadata } from '../decorators/invalidate-on.js';
import { invalidOption } from '../errors.js';
import type { CacheEventsModuleOptions, EventHandler, EventInvalidationEventMap, EventInvalidationStats } from './cache-events.options.js';
import { CACHE_EVENTS_OPTIONS } from './events.constants.js';
import { applicationEmitter, subscribe, type Unsubscribe } from './event-subscription.js';
import { normalizeTargets } from './invalidation-targets.js';
import { moduleRules } from './module-rules.js';

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

/**
 * Applies event-driven invalidation: at init it collects `@Cacheable({ invalidateOn })` of every
 * static provider and the module's `invalidate` map, checks that each names a cache CacheModule
 * defines, and listens to the events on the application's EventEmitter2. Each handler goes through
 * `invalidateTags` / `deleteMany`, so every instance of the fleet drops its copies (the bus). A handler
 * that fails is logged, counted (`stats().failed`) and emitted (`failed`), and never throws into the
 * code that emitted the event.
 */
@Injectable()
export class EventInvalidations implements OnModuleInit, OnApplicationShutdown {
  /** `invalidated` and `failed`, one per handler and event. */
  readonly events = new EventEmitter<EventInvalidationEventMap>();
  readonly #logger = new Logger('Tiercache:events');
  readonly #stats: EventInvalidationStats = { invalidated: 0, failed: 0 };
  readonly #running = new Set<Promise<void>>();
  #unsubscribe: Unsubscribe | undefined;

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly moduleRef: ModuleRef,
    @Inject(CACHE_EVENTS_OPTIONS) private readonly options: CacheEventsModuleOptions,
  ) {}

  async onModuleInit(): Promise<void> {
    const registry = this.moduleRef.get(CacheRegistry, { strict: false });
    const handlers = [...moduleRules(this.options), ...this.#decorated()];
    for (const handler of handlers) {
      if (handler.cache !== undefined && !registry.has(handler.cache)) {
        throw invalidOption(`${handler.source}.cache`, `CacheModule defines no cache "${handler.cache}" (defined: ${registry.names().join(', ')})`);
      }
    }
    if (handlers.length === 0) return;
    const emitter = await applicationEmitter(this.moduleRef, 'Event-driven invalidation (invalidateOn)');
    const byEvent = new Map<string, EventHandler[]>();
    for (const handler of handlers) byEvent.set(handler.event, [...(byEvent.get(handler.event) ?? []), handler]);
    const listeners = new Map([...byEvent].map(([event, list]) => [event, (payload: unknown) => this.#track(this.#handleAll(registry, list, payload))]));
    this.#unsubscribe = subscribe(emitter, listeners);
  }

  onApplicationShutdown(): void {
    this.#unsubscribe?.();
  }

  /** Counters since startup. */
  stats(): EventInvalidationStats {
    return { ...this.#stats };
  }

  /** Resolves once every invalidation started by an event so far is done (failed ones included). */
  async idle(): Promise<void> {
    while (this.#running.size > 0) await Promise.all(this.#running);
  }

  #track(work: Promise<void>): Promise<void> {
    this.#running.add(work);
    void work.finally(() => this.#running.delete(work));
    return work;
  }

  async #handleAll(registry: CacheRegistry, handlers: readonly EventHandler[], payload: unknown): Promise<void> {
    await Promise.all(handlers.map((handler) => this.#handle(registry, handler, payload)));
  }

  async #handle(registry: CacheRegistry, handler: EventHandler, payload: unknown): Promise<void> {
    const { event, source, mode } = handler;
    try {
      const { tags, keys } = normalizeTargets(await handler.targets(payload), source);
      const cache = registry.get(handler.cache);
      await Promise.all([tags.length > 0 ? cache.invalidateTags(tags, { mode }) : undefined, keys.length > 0 ? cache.deleteMany(keys) : undefined]);
      this.#stats.invalidated++;
      this.events.emit('invalidated', { event, source, cache: handler.cache ?? 'default', tags, keys: keys.length });
    } catch (caught) {
      const error = asError(caught);
      this.#stats.failed++;
      this.#logger.error(`Invalidation by ${source} on event "${event}" failed; entries it should have dropped stay until their TTL: ${error.message}`);
      this.events.emit('failed', { event, source, error });
    }
  }

  /** `@Cacheable({ invalidateOn })` of static providers and controllers. */
  #decorated(): EventHandler[] {
    const handlers: EventHandler[] = [];
    const seen = new Set<unknown>();
    for (const wrapper of [...this.discovery.getProviders(), ...this.discovery.getControllers()]) {
      const { instance } = wrapper;
      if (!instance || typeof instance !== 'object') continue;
      const prototype = Object.getPrototypeOf(instance) as Record<string, unknown>;
      if (seen.has(prototype)) continue;
      seen.add(prototype);
      for (const name of this.scanner.getAllMethodNames(prototype)) {
        const method = prototype[name];
        if (typeof method !== 'function') continue;
        for (const metadata of (Reflect.getMetadata(INVALIDATE_ON_METADATA, method) as InvalidateOnMetadata[] | undefined) ?? []) {
          for (const [event, targets] of Object.entries(metadata.invalidateOn)) {
            handlers.push({ event, source: `@Cacheable(${metadata.method}).invalidateOn['${event}']`, cache: metadata.cache, mode: 'hard', targets });
          }
        }
      }
    }
    return handlers;
  }
}
