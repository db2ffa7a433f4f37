import type { INestApplication } from '@nestjs/common';
import { TieredCache } from '@tiercache/core';
import type { InspectorState } from '@tiercache/nestjs/inspector';
import request from 'supertest';
import { uniqueNamespace } from '../support.js';
import { eventually, inspectedApp } from './fixture.js';

/** Two instances on one Redis and one namespace: each page lists both. */
describe('inspector fleet view', () => {
  let a: INestApplication;
  let b: INestApplication;
  const fleet = { publishEveryMs: 50, staleAfterMs: 1_000 };
  const state = async (app: INestApplication): Promise<InspectorState> => (await request(app.getHttpServer()).get('/_tiercache/api/state').expect(200)).body;

  beforeAll(async () => {
    const namespace = uniqueNamespace('insp-fleet');
    a = await inspectedApp(namespace, { environment: 'development', instanceId: 'pod-a', fleet });
    b = await inspectedApp(namespace, { environment: 'development', instanceId: 'pod-b', fleet });
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
  });

  it('shows every instance on each instance, itself marked', async () => {
    for (const [app, self] of [
      [a, 'pod-a'],
      [b, 'pod-b'],
    ] as const) {
      await eventually(async () => {
        const instances = (await state(app)).fleet.instances;
        expect(instances.map((i) => [i.id, i.self, i.stale])).toEqual([
          ['pod-a', self === 'pod-a', false],
          ['pod-b', self === 'pod-b', false],
        ]);
      });
    }
  }, 20_000);

  it('marks an instance that stopped publishing as stale, and forgets it much later', async () => {
    const redis = a.get(TieredCache).redisClient!;
    const key = `tiercache:inspector:{${a.get(TieredCache).prefix}}:fleet`;
    const silent = { id: 'pod-gone', startedAt: 0, hitRate: 0.5, readsPerSecond: 1, l1Entries: 1, l2Connected: true, warmersRunning: 0 };
    await redis.hset(key, 'pod-gone', JSON.stringify({ ...silent, at: Date.now() - 5_000 }));
    await redis.hset(key, 'pod-ancient', JSON.stringify({ ...silent, id: 'pod-ancient', at: Date.now() - 3_600_000 }));
    await eventually(async () => {
      const instances = (await state(a)).fleet.instances;
      expect(instances.find((i) => i.id === 'pod-gone')).toMatchObject({ stale: true, self: false });
      expect(instances.find((i) => i.id === 'pod-ancient')).toBeUndefined();
    });
    expect(await redis.hexists(key, 'pod-ancient')).toBe(0);
  }, 20_000);

  it('takes a closed instance off the board at once', async () => {
    await b.close();
    await eventually(async () => {
      expect((await state(a)).fleet.instances.map((i) => i.id)).not.toContain('pod-b');
    });
  }, 20_000);
});
