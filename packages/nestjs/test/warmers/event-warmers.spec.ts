import { Injectable } from '@nestjs/common';
import { EventEmitter2, EventEmitterModule } from '@nestjs/event-emitter';
import { Test, type TestingModule } from '@nestjs/testing';
import { CacheModule, TieredCache } from '@tiercache/nestjs';
import { CacheWarmer, WarmerRegistry, WarmersModule, type WarmerContext, type WarmerEvent, type WarmerRunResult } from '@tiercache/nestjs/warmers';
import { deferred, redisUrl, uniqueNamespace } from '../support.js';

const runs: { trigger?: string; events: readonly WarmerEvent[] }[] = [];
let gate: ReturnType<typeof deferred<void>> | undefined;

@Injectable()
class OrderWarmers {
  @CacheWarmer({ name: 'orders', on: ['order.created', 'order.paid'], coalesceMs: 500 })
  async warmOrders(ctx: WarmerContext): Promise<void> {
    runs.push({ events: ctx.events });
    await gate?.promise;
    await ctx.setMany(ctx.events.map((event) => ({ key: ['order', (event.payload as { id: number }).id], value: event.name })));
  }
}

const open: TestingModule[] = [];
afterEach(async () => {
  gate?.resolve();
  gate = undefined;
  runs.length = 0;
  await Promise.all(open.splice(0).map((moduleRef) => moduleRef.close()));
});

async function app(): Promise<TestingModule> {
  const moduleRef = await Test.createTestingModule({
    imports: [EventEmitterModule.forRoot(), CacheModule.forRoot({ namespace: uniqueNamespace('event-warm'), l2: { redis: redisUrl() } }), WarmersModule.forRoot()],
    providers: [OrderWarmers],
  }).compile();
  open.push(moduleRef);
  await moduleRef.init();
  return moduleRef;
}

/** The next `count` finished runs of the warmer. */
function finished(moduleRef: TestingModule, count: number): Promise<WarmerRunResult[]> {
  return new Promise((resolve) => {
    const results: WarmerRunResult[] = [];
    const listener = (result: WarmerRunResult) => {
      if (results.push(result) < count) return;
      moduleRef.get(WarmerRegistry).events.off('finish', listener);
      resolve(results);
    };
    moduleRef.get(WarmerRegistry).events.on('finish', listener);
  });
}

describe('@CacheWarmer({ on }): event-triggered warmers', () => {
  it('runs once for a burst of events, with every payload in the context', async () => {
    const moduleRef = await app();
    const done = finished(moduleRef, 1);
    const emitter = moduleRef.get(EventEmitter2);
    emitter.emit('order.created', { id: 1 });
    // Later events of the window join the first one's run.
    await new Promise((resolve) => setTimeout(resolve, 20));
    emitter.emit('order.created', { id: 2 });
    emitter.emit('order.paid', { id: 1 });
    const [result] = await done;
    expect(result).toMatchObject({ name: 'orders', trigger: 'event', outcome: 'succeeded', items: 3 });
    expect(runs).toEqual([
      {
        events: [
          { name: 'order.created', payload: { id: 1 } },
          { name: 'order.created', payload: { id: 2 } },
          { name: 'order.paid', payload: { id: 1 } },
        ],
      },
    ]);
    expect(await moduleRef.get(TieredCache).get(['order', 2])).toBe('order.created');
  });

  it('runs after a run that is going (manual here), instead of skipping and losing the events', async () => {
    const moduleRef = await app();
    gate = deferred<void>();
    const done = finished(moduleRef, 2);
    const registry = moduleRef.get(WarmerRegistry);
    const manualStarted = new Promise((resolve) => registry.events.once('start', resolve));
    const manual = registry.run('orders');
    await manualStarted;
    const emitter = moduleRef.get(EventEmitter2);
    emitter.emit('order.created', { id: 2 });
    emitter.emit('order.created', { id: 3 });
    // The window closes while the manual run waits on the gate.
    await new Promise((resolve) => setTimeout(resolve, 600));
    gate.resolve();
    const results = await done;
    expect(await manual).toMatchObject({ trigger: 'manual', outcome: 'succeeded' });
    expect(results.map((result) => [result.trigger, result.outcome])).toEqual([
      ['manual', 'succeeded'],
      ['event', 'succeeded'],
    ]);
    expect(runs.map((run) => run.events.map((event) => (event.payload as { id: number }).id))).toEqual([[], [2, 3]]);
  });

  it('rejects a bad `on` or a coalesceMs without it, naming the warmer', () => {
    const decorate = (options: object) => () => {
      class Warms {
        @CacheWarmer(options)
        async run(): Promise<void> {}
      }
      return Warms;
    };
    expect(decorate({ on: [] })).toThrow(/`@CacheWarmer\(Warms\.run\)\.on`: expected a non-empty array of event names/);
    expect(decorate({ on: 'order.created' })).toThrow(/\.on`/);
    expect(decorate({ coalesceMs: 10 })).toThrow(/`@CacheWarmer\(Warms\.run\)\.coalesceMs`: only applies/);
    expect(decorate({ on: ['a'], coalesceMs: 0 })).toThrow(/coalesceMs/);
  });
});
