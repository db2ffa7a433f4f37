import { Injectable } from '@nestjs/common';
import { ScheduleModule, SchedulerRegistry } from '@nestjs/schedule';
import { Test, type TestingModule } from '@nestjs/testing';
import { TieredCache } from '@tiercache/core';
import { CacheModule } from '@tiercache/nestjs';
import { CacheWarmer, WarmerRegistry, WarmersModule, type WarmerContext, type WarmerRunResult } from '@tiercache/nestjs/warmers';
import { once } from 'node:events';
import { deferred, redisUrl, uniqueNamespace } from '../support.js';

// Unique per run: the lock lives in the shared test Redis.
const WARMER = uniqueNamespace('leaderboard');
const namespace = uniqueNamespace('fleet');
let gate = deferred<void>();
let started = deferred<void>();

@Injectable()
class LeaderboardWarmer {
  // A yearly schedule that never fires during the test: ticks are fired by hand, on both instances at once.
  @CacheWarmer({ name: WARMER, cron: '0 0 1 1 *' })
  async warm(ctx: WarmerContext): Promise<void> {
    started.resolve();
    await gate.promise;
    await ctx.setMany([{ key: 'top', value: ['ada', 'bob'] }]);
  }
}

/** One instance of the fleet: its own Nest application and Redis connections. */
async function instance(): Promise<TestingModule> {
  const moduleRef = await Test.createTestingModule({
    imports: [ScheduleModule.forRoot(), CacheModule.forRoot({ namespace, l2: { redis: redisUrl() } }), WarmersModule.forRoot()],
    providers: [LeaderboardWarmer],
  }).compile();
  await moduleRef.init();
  return moduleRef;
}

function nextFinish(moduleRef: TestingModule): Promise<WarmerRunResult> {
  return once(moduleRef.get(WarmerRegistry).events, 'finish').then(([result]) => result as WarmerRunResult);
}

describe('exclusive warmers across instances (real Redis)', () => {
  let fleet: TestingModule[] = [];
  afterEach(async () => {
    gate.resolve();
    await Promise.all(fleet.map((moduleRef) => moduleRef.close()));
    fleet = [];
  });

  it('runs a tick on one instance only; the other records it as skipped, and the lock is free afterwards', async () => {
    fleet = [await instance(), await instance()];
    gate = deferred<void>();
    started = deferred<void>();
    // The default cache has Redis, so the warmer is exclusive without being told.
    expect(fleet[0]!.get(WarmerRegistry).status(WARMER).exclusive).toBe(true);

    const finished = fleet.map(nextFinish);
    for (const moduleRef of fleet) void moduleRef.get(SchedulerRegistry).getCronJob(WARMER).fireOnTick();
    await started.promise;
    // The loser finds the lock taken while the winner is held at the gate.
    const loser = await Promise.race(finished);
    expect(loser).toMatchObject({ outcome: 'skipped', reason: 'locked', trigger: 'schedule' });
    gate.resolve();
    const results = await Promise.all(finished);
    expect(results.map((r) => r.outcome).sort()).toEqual(['skipped', 'succeeded']);

    const winner = fleet[results.findIndex((r) => r.outcome === 'succeeded')]!;
    const other = fleet.find((moduleRef) => moduleRef !== winner)!;
    expect(await other.get(TieredCache).get('top')).toEqual(['ada', 'bob']);
    expect(other.get(WarmerRegistry).status(WARMER)).toMatchObject({ lastSuccess: undefined, lastSkip: { reason: 'locked' } });

    // Released: the instance that was skipped can take the next tick.
    expect(await other.get(WarmerRegistry).run(WARMER)).toMatchObject({ outcome: 'succeeded' });
  });
});
