import { Inject, Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import type { SchedulerRegistry } from '@nestjs/schedule';
import { ErrorCode, InProcessLockProvider, LockProvider, TiercacheError } from '@tiercache/core';
import { invalidArgument, invalidOption } from '../errors.js';
import { EventEmitter } from 'node:events';
import { CacheRegistry } from '../cache-registry.js';
import { loadPeer } from '../peers.js';
import type { WarmerEventMap } from './warmer-events.js';
import { WarmerRunner, type WarmerDefinition } from './warmer-runner.js';
import type { WarmerRunResult, WarmerTrigger } from './warmer-status.js';
import { WARMERS_OPTIONS } from './warmers.constants.js';
import { applicationEmitter, subscribe, type Unsubscribe } from '../events/event-subscription.js';
import { EventBurst } from './event-burst.js';

const DEFAULT_COALESCE_MS = 250;
import type { WarmersModuleOptions } from './warmers.options.js';

/**
 * Owns the runners: mounts their schedules in @nestjs/schedule's `SchedulerRegistry` on bootstrap,
 * runs startup warms, and on shutdown stops the schedules and ends running warms before closing locks.
 */
@Injectable()
export class WarmersOrchestrator implements OnApplicationBootstrap, BeforeApplicationShutdown {
  readonly events = new EventEmitter<WarmerEventMap>();
  readonly #logger = new Logger('Tiercache:warmers');
  readonly #runners = new Map<string, WarmerRunner>();
  readonly #definitions: WarmerDefinition[] = [];
  readonly #mounted: { type: 'cron' | 'interval'; name: string }[] = [];
  #scheduler: SchedulerRegistry | undefined;
  readonly #bursts: EventBurst[] = [];
  #unsubscribe: Unsubscribe | undefined;

  constructor(
    private readonly moduleRef: ModuleRef,
    @Inject(WARMERS_OPTIONS) private readonly options: WarmersModuleOptions,
  ) {}

  /** Called by the explorer, in onModuleInit, for every warmer it finds. */
  add(definition: WarmerDefinition): void {
    const { name } = definition.metadata;
    if (this.#definitions.some((d) => d.metadata.name === name)) {
      throw invalidOption(`@CacheWarmer(${name}).name`, 'another warmer has this name; names must be unique');
    }
    this.#definitions.push(definition);
  }

  names(): string[] {
    return [...this.#runners.keys()];
  }

  runner(name: string): WarmerRunner {
    const runner = this.#runners.get(name);
    if (runner === undefined) {
      throw invalidArgument('warmer name', `no warmer is named "${name}" (defined: ${this.names().join(', ') || 'none'})`);
    }
    return runner;
  }

  runners(): WarmerRunner[] {
    return [...this.#runners.values()];
  }

  async onApplicationBootstrap(): Promise<void> {
    const locks = this.#definitions.some((d) => d.exclusive) ? this.#lockProvider() : undefined;
    const lockTtlMs = this.options.lockTtlMs ?? 30_000;
    for (const definition of this.#definitions) {
      const deps = { locks: definition.exclusive ? locks : undefined, lockTtlMs, events: this.events, logger: this.#logger };
      this.#runners.set(definition.metadata.name, new WarmerRunner(definition, deps));
    }
    if (this.#definitions.some((d) => d.metadata.cron !== undefined || d.metadata.everyMs !== undefined)) await this.#mount();
    if (this.#definitions.some((d) => d.metadata.on !== undefined)) await this.#listen();
    // Startup runs come after every onModuleInit, so cached methods a warmer calls are already bound.
    const startup = this.runners().filter((runner) => this.#definitionOf(runner).metadata.runOnStartup);
    const warmed = Promise.all(startup.map((runner) => runner.run('startup')));
    if (this.options.startup === 'await') await warmed;
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.#unsubscribe?.();
    for (const burst of this.#bursts.splice(0)) burst.stop();
    const scheduler = this.#scheduler;
    for (const { type, name } of this.#mounted.splice(0)) {
      // ScheduleModule may have cleared every job already: its own shutdown hook deletes them all.
      if (!scheduler?.doesExist(type, name)) continue;
      if (type === 'cron') scheduler.deleteCronJob(name);
      else scheduler.deleteInterval(name);
    }
    const closing = new TiercacheError(ErrorCode.Closed, 'The application is shutting down.');
    // The lock provider is CacheModule's (or the user's): closed by its owner, after this.
    await Promise.all(this.runners().map((runner) => runner.stop(closing)));
  }

  run(name: string, trigger: WarmerTrigger): Promise<WarmerRunResult> {
    return this.runner(name).run(trigger);
  }

  #definitionOf(runner: WarmerRunner): WarmerDefinition {
    return this.#definitions.find((d) => d.metadata.name === runner.name)!;
  }

  async #mount(): Promise<void> {
    // Loaded here, not imported: warmers run on startup or on demand need neither package installed.
    const why = 'Scheduled warmers (cron / everyMs)';
    const { SchedulerRegistry } = await loadPeer<typeof import('@nestjs/schedule')>('@nestjs/schedule', why);
    const { CronJob } = await loadPeer<typeof import('cron')>('cron', why);
    let scheduler: SchedulerRegistry;
    try {
      scheduler = this.moduleRef.get(SchedulerRegistry, { strict: false });
    } catch (error) {
      throw invalidOption('WarmersModule', 'scheduled warmers need @nestjs/schedule: import ScheduleModule.forRoot() in the root module', error);
    }
    this.#scheduler = scheduler;
    for (const runner of this.runners()) {
      const { name, cron, timeZone, everyMs } = this.#definitionOf(runner).metadata;
      const tick = async (): Promise<void> => {
        await runner.run('schedule');
      };
      if (cron !== undefined) {
        let job: import('cron').CronJob<null, null>;
        try {
          job = CronJob.from<null, null>({ cronTime: cron, onTick: tick, start: false, timeZone, name });
        } catch (error) {
          throw invalidOption(`@CacheWarmer(${name}).cron`, `"${cron}" is not a valid cron expression`, error);
        }
        scheduler.addCronJob(name, job);
        this.#mounted.push({ type: 'cron', name });
        job.start();
      } else if (everyMs !== undefined) {
        scheduler.addInterval(name, setInterval(() => void tick(), everyMs));
        this.#mounted.push({ type: 'interval', name });
      }
    }
  }

  /** Event-triggered warmers: one burst per warmer, fed by every event it names. */
  async #listen(): Promise<void> {
    const emitter = await applicationEmitter(this.moduleRef, 'Event-triggered warmers (@CacheWarmer({ on }))');
    const listeners = new Map<string, ((payload: unknown) => void)[]>();
    for (const runner of this.runners()) {
      const { on, coalesceMs = DEFAULT_COALESCE_MS } = this.#definitionOf(runner).metadata;
      if (on === undefined) continue;
      const burst = new EventBurst(coalesceMs, (events) => runner.runAfterCurrent('event', events));
      this.#bursts.push(burst);
      for (const name of on) listeners.set(name, [...(listeners.get(name) ?? []), (payload) => burst.add({ name, payload })]);
    }
    this.#unsubscribe = subscribe(
      emitter,
      new Map([...listeners].map(([name, list]) => [name, async (payload: unknown) => list.forEach((listener) => listener(payload))])),
    );
  }

  /**
   * The option, else CacheModule's lock provider: the same Redis connection as the cache, lock keys
   * under the app namespace (`<namespace>:lock:{warmer:<name>}`), closed by CacheModule.
   */
  #lockProvider(): LockProvider {
    if (this.options.lockProvider !== undefined) return this.options.lockProvider;
    let registry: CacheRegistry | undefined;
    try {
      registry = this.moduleRef.get(CacheRegistry, { strict: false });
    } catch {
      registry = undefined;
    }
    if (registry === undefined || (registry.locks instanceof InProcessLockProvider && registry.get().redisClient === undefined)) {
      throw invalidOption(
        'WarmersModule.lockProvider',
        'an exclusive warmer needs a lock shared by the fleet, and the default cache has no Redis: give CacheModule an `l2`, ' +
          'pass `lockProvider`, or set `exclusive: false` on the warmer',
      );
    }
    return registry.locks;
  }
}
