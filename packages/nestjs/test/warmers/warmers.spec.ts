import { Injectable } from '@nestjs/common';
import { ScheduleModule, SchedulerRegistry } from '@nestjs/schedule';
import { Test, type TestingModule } from '@nestjs/testing';
import { InProcessLockProvider, TieredCache } from '@tiercache/core';
import { Cacheable, CacheModule } from '@tiercache/nestjs';
import { CacheWarmer, WarmerRegistry, WarmersModule, type WarmerContext, type WarmersModuleOptions } from '@tiercache/nestjs/warmers';
import { once } from 'node:events';
import { deferred, uniqueNamespace } from '../support.js';

/** Controls each warmer from the test: how many times it ran, and a gate it waits on. */
const control = {
  catalogRuns: 0,
  pricesRuns: 0,
  gate: deferred<void>(),
  reset() {
    this.catalogRuns = 0;
    this.pricesRuns = 0;
    this.gate = deferred<void>();
  },
};

@Injectable()
class ScheduledWarmers {
  @CacheWarmer({ name: 'catalog', everyMs: 1_000 })
  async catalog(ctx: WarmerContext): Promise<void> {
    const run = ++control.catalogRuns;
    ctx.progress(0, 2);
    await ctx.setMany([
      { key: 'a', value: run },
      { key: 'b', value: run },
    ]);
    ctx.progress(2, 2);
  }

  @CacheWarmer({ name: 'prices', cron: '*/10 * * * * *' })
  async prices(ctx: WarmerContext): Promise<void> {
    control.pricesRuns++;
    await ctx.cache.set('price', control.pricesRuns);
  }
}

@Injectable()
class GatedWarmer {
  @CacheWarmer({ name: 'slow', runOnStartup: true })
  async warm(ctx: WarmerContext): Promise<void> {
    await control.gate.promise;
    await ctx.setMany([{ key: 'slow', value: 'warm' }]);
  }
}

@Injectable()
class StuckWarmer {
  lateWrite: Promise<unknown> | undefined;

  @CacheWarmer({ name: 'stuck', exclusive: true, timeoutMs: 50 })
  async warm(ctx: WarmerContext): Promise<void> {
    // Ignores its signal, as careless code would; the run must end anyway.
    await control.gate.promise;
    this.lateWrite = ctx.setMany([{ key: 'late', value: 1 }]).then(
      () => 'written',
      (error: unknown) => error,
    );
  }
}

@Injectable()
class Agents {
  loads = 0;

  @Cacheable({ key: (id: number) => ['agent', id] })
  async find(id: number): Promise<{ id: number }> {
    this.loads++;
    return { id };
  }
}

/** A startup warm that goes through a @Cacheable method: the method must already be bound to the cache. */
@Injectable()
class AgentsWarmer {
  constructor(private readonly agents: Agents) {}

  @CacheWarmer({ name: 'agents', runOnStartup: true })
  async warm(): Promise<void> {
    await this.agents.find(1);
  }
}

class Misuse {
  // @ts-expect-error -- a warmer must return a Promise
  @CacheWarmer()
  warm(): number {
    return 1;
  }
}
void Misuse;

async function start(providers: Function[], options: WarmersModuleOptions = {}): Promise<TestingModule> {
  const moduleRef = await Test.createTestingModule({
    imports: [ScheduleModule.forRoot(), CacheModule.forRoot({ namespace: uniqueNamespace('warm'), l2: false }), WarmersModule.forRoot(options)],
    providers: providers as never[],
  }).compile();
  try {
    await moduleRef.init();
  } catch (error) {
    await moduleRef.close();
    throw error;
  }
  return moduleRef;
}

describe('WarmersModule', () => {
  let moduleRef: TestingModule | undefined;
  beforeEach(() => control.reset());
  afterEach(async () => {
    control.gate.resolve();
    await moduleRef?.close();
    moduleRef = undefined;
    jest.useRealTimers();
  });

  it('registers warmers in SchedulerRegistry and runs them on their interval or cron schedule', async () => {
    // Promise plumbing stays real; only the clocks that schedules read are faked.
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'], now: new Date('2026-01-01T00:00:00.500Z') });
    moduleRef = await start([ScheduledWarmers]);
    const scheduler = moduleRef.get(SchedulerRegistry);
    const warmers = moduleRef.get(WarmerRegistry);
    const cache = moduleRef.get(TieredCache);
    const progress: [number, number | undefined][] = [];
    warmers.events.on('progress', ({ done, total }) => progress.push([done, total]));

    expect(scheduler.getIntervals()).toContain('catalog');
    expect(scheduler.getCronJobs().has('prices')).toBe(true);
    expect(control.catalogRuns).toBe(0);

    await jest.advanceTimersByTimeAsync(1_000);
    expect(control.catalogRuns).toBe(1);
    expect(await cache.get('a')).toBe(1);
    expect(progress).toEqual([
      [0, 2],
      [2, 2],
    ]);
    const status = warmers.status('catalog');
    expect(status).toMatchObject({ running: false, lastItems: 2, lastError: undefined, schedule: 'every 1000 ms', runs: { succeeded: 1 } });
    expect(status.lastSuccess).toBeInstanceOf(Date);

    await jest.advanceTimersByTimeAsync(9_000);
    expect(control.catalogRuns).toBe(10);
    expect(control.pricesRuns).toBe(1);
    expect(await cache.get('price')).toBe(1);

    await moduleRef.close();
    moduleRef = undefined;
    expect(scheduler.getIntervals()).not.toContain('catalog');
    expect(scheduler.getCronJobs().has('prices')).toBe(false);
    await jest.advanceTimersByTimeAsync(10_000);
    expect(control.catalogRuns).toBe(10);
  });

  it("finishes startup warms before init resolves with startup: 'await'", async () => {
    control.gate.resolve();
    moduleRef = await start([GatedWarmer], { startup: 'await' });
    expect(await moduleRef.get(TieredCache).get('slow')).toBe('warm');
    expect(moduleRef.get(WarmerRegistry).status('slow').runs.succeeded).toBe(1);
  });

  it('binds cached methods before startup warms run, so a warmer can fill the cache through them', async () => {
    moduleRef = await start([Agents, AgentsWarmer], { startup: 'await' });
    const agents = moduleRef.get(Agents);
    expect(moduleRef.get(WarmerRegistry).status('agents').runs.succeeded).toBe(1);
    await agents.find(1);
    expect(agents.loads).toBe(1);
  });

  it('lets the application start while a background startup warm is still running', async () => {
    moduleRef = await start([GatedWarmer]);
    const warmers = moduleRef.get(WarmerRegistry);
    expect(warmers.status('slow').running).toBe(true);
    const finished = once(warmers.events, 'finish');
    control.gate.resolve();
    const [result] = await finished;
    expect(result).toMatchObject({ name: 'slow', trigger: 'startup', outcome: 'succeeded', items: 1 });
    expect(await moduleRef.get(TieredCache).get('slow')).toBe('warm');
  });

  it('ends a running warm on shutdown, recording it as failed, without waiting for the method', async () => {
    moduleRef = await start([GatedWarmer]);
    const warmers = moduleRef.get(WarmerRegistry);
    const finished = once(warmers.events, 'finish');
    await moduleRef.close();
    moduleRef = undefined;
    const [result] = await finished;
    expect(result).toMatchObject({ name: 'slow', outcome: 'failed', error: { code: 'E_CLOSED' } });
    expect(warmers.status('slow').running).toBe(false);
  });

  it('skips a run that would overlap the one still going in this process', async () => {
    moduleRef = await start([GatedWarmer]);
    const warmers = moduleRef.get(WarmerRegistry);
    expect(await warmers.run('slow')).toEqual({ name: 'slow', trigger: 'manual', outcome: 'skipped', reason: 'running' });
    expect(warmers.status('slow')).toMatchObject({ running: true, runs: { skipped: 1, succeeded: 0 }, lastSkip: { reason: 'running' } });
    control.gate.resolve();
    await once(warmers.events, 'finish');
    expect((await warmers.run('slow')).outcome).toBe('succeeded');
  });

  it('fails a run that outlives timeoutMs with E_LOADER_TIMEOUT, releases its lock and refuses its late writes', async () => {
    const locks = new InProcessLockProvider();
    moduleRef = await start([StuckWarmer], { lockProvider: locks });
    const warmers = moduleRef.get(WarmerRegistry);
    const result = await warmers.run('stuck');
    expect(result).toMatchObject({ outcome: 'failed', error: { code: 'E_LOADER_TIMEOUT' } });
    expect(warmers.status('stuck')).toMatchObject({ running: false, lastError: { code: 'E_LOADER_TIMEOUT' }, runs: { failed: 1 } });

    const lock = await locks.tryAcquire('warmer:stuck');
    expect(lock).toBeDefined();
    await lock!.release();

    control.gate.resolve();
    await new Promise((resolve) => setImmediate(resolve));
    expect(await moduleRef.get(StuckWarmer).lateWrite).toMatchObject({ code: 'E_LOADER_TIMEOUT' });
    expect(await moduleRef.get(TieredCache).get('late')).toBeUndefined();
    await locks.close();
  });

  it('rejects an unknown warmer name, and fails startup for an exclusive warmer without any lock', async () => {
    moduleRef = await start([GatedWarmer]);
    await expect(moduleRef.get(WarmerRegistry).run('nope')).rejects.toMatchObject({ code: 'E_INVALID_ARGUMENT' });
    control.gate.resolve();
    await moduleRef.close();
    moduleRef = undefined;

    await expect(start([StuckWarmer])).rejects.toMatchObject({ code: 'E_INVALID_OPTION', message: expect.stringContaining('lockProvider') });
  });
});
