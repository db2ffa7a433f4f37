import { Inject, Injectable, Logger, Optional, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { SchedulerRegistry } from '@nestjs/schedule';
import {
  ErrorCode,
  LockProvider,
  RedisLockProvider,
  TiercacheError,
  invalidArgument,
  invalidOption,
  type RedisConnection,
} from '@tiercache/core';
import { CronJob } from 'cron';
import { Cluster, Redis } from 'ioredis';
import { EventEmitter } from 'node:events';
import { CACHE_MODULE_OPTIONS } from '../cache.module-definition.js';
import type { CacheModuleOptions } from '../cache-module.options.js';
import type { WarmerEventMap } from './warmer-events.js';
import { WarmerRunner, type WarmerDefinition } from './warmer-runner.js';
import type { WarmerRunResult, WarmerTrigger } from './warmer-status.js';
import { WARMERS_OPTIONS } from './warmers.constants.js';
import type { WarmersModuleOptions } from './warmers.options.js';

function isClient(connection: RedisConnection): connection is Redis | Cluster {
  return connection instanceof Redis || connection instanceof Cluster;
}

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
  /** A lock provider and client we created, closed on shutdown; one we were given stays open. */
  #owned: { locks: LockProvider; client?: Redis | Cluster } | undefined;

  constructor(
    private readonly moduleRef: ModuleRef,
    @Inject(WARMERS_OPTIONS) private readonly options: WarmersModuleOptions,
    @Optional() private readonly injectedLocks?: LockProvider,
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
    if (this.#definitions.some((d) => d.metadata.cron !== undefined || d.metadata.everyMs !== undefined)) this.#mount();
    // Startup runs come after every onModuleInit, so cached methods a warmer calls are already bound.
    const startup = this.runners().filter((runner) => this.#definitionOf(runner).metadata.runOnStartup);
    const warmed = Promise.all(startup.map((runner) => runner.run('startup')));
    if (this.options.startup === 'await') await warmed;
  }

  async beforeApplicationShutdown(): Promise<void> {
    const scheduler = this.#scheduler;
    for (const { type, name } of this.#mounted.splice(0)) {
      // ScheduleModule may have cleared every job already: its own shutdown hook deletes them all.
      if (!scheduler?.doesExist(type, name)) continue;
      if (type === 'cron') scheduler.deleteCronJob(name);
      else scheduler.deleteInterval(name);
    }
    const closing = new TiercacheError(ErrorCode.Closed, 'The application is shutting down.');
    await Promise.all(this.runners().map((runner) => runner.stop(closing)));
    const owned = this.#owned;
    this.#owned = undefined;
    if (owned !== undefined) {
      await owned.locks.close();
      // Every lease is released by now; a QUIT would only wait on a Redis that may be gone.
      owned.client?.disconnect();
    }
  }

  run(name: string, trigger: WarmerTrigger): Promise<WarmerRunResult> {
    return this.runner(name).run(trigger);
  }

  #definitionOf(runner: WarmerRunner): WarmerDefinition {
    return this.#definitions.find((d) => d.metadata.name === runner.name)!;
  }

  #mount(): void {
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
        let job: CronJob;
        try {
          job = CronJob.from({ cronTime: cron, onTick: tick, start: false, timeZone, name });
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

  #lockProvider(): LockProvider {
    const given = this.options.lockProvider ?? this.injectedLocks;
    if (given !== undefined) return given;
    const connection = this.options.redis ?? this.#defaultCacheConnection();
    if (connection === undefined) {
      throw invalidOption(
        'WarmersModule.lockProvider',
        'an exclusive warmer needs a lock shared by the fleet, and the default cache has no Redis: pass `redis` or ' +
          '`lockProvider`, or set `exclusive: false` on the warmer',
      );
    }
    if (isClient(connection)) {
      const locks = new RedisLockProvider({ client: connection });
      this.#owned = { locks };
      return locks;
    }
    // Our own connection, patient at startup (a warm may run before a fail-fast client is ready) but bounded.
    const patient = { maxRetriesPerRequest: 1, commandTimeout: 2_000, connectTimeout: 2_000 };
    let client: Redis | Cluster;
    if (typeof connection === 'string') client = new Redis(connection, patient);
    else if ('cluster' in connection) {
      client = new Cluster(connection.cluster, { ...connection.options, redisOptions: { ...patient, ...connection.options?.redisOptions } });
    } else client = new Redis({ ...patient, ...connection });
    // A failed lock command is handled by the run that issued it; connection errors would otherwise print as unhandled.
    client.on('error', () => undefined);
    const locks = new RedisLockProvider({ client });
    this.#owned = { locks, client };
    return locks;
  }

  #defaultCacheConnection(): RedisConnection | undefined {
    let cacheOptions: CacheModuleOptions | undefined;
    try {
      cacheOptions = this.moduleRef.get<CacheModuleOptions>(CACHE_MODULE_OPTIONS, { strict: false });
    } catch {
      return undefined;
    }
    const l2 = cacheOptions?.l2;
    return l2 ? l2.redis : undefined;
  }
}
