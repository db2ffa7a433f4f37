import { Injectable } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import { CacheEvict, CacheModule, CacheTags, Cacheable, TieredCache } from '../src/index.js';
import { redisUrl, uniqueNamespace } from './support.js';

/** Stands in for the database both app instances share. */
const reputation = new Map<number, number>();

@Injectable()
class StatsService {
  loads = 0;

  @Cacheable({ key: (id: number) => ['stats', id] })
  @CacheTags('leaderboard', (id: number) => `agent:${id}`)
  async statsFor(id: number): Promise<{ id: number; reputation: number }> {
    this.loads++;
    return { id, reputation: reputation.get(id) ?? 0 };
  }

  @CacheTags((_limit: number, result: { id: number }[]) => result.map((row) => `agent:${row.id}`))
  @Cacheable({ key: (limit: number) => ['top', limit] })
  async top(limit: number): Promise<{ id: number }[]> {
    this.loads++;
    return [...reputation.keys()].slice(0, limit).map((id) => ({ id }));
  }

  @CacheEvict({ tags: (id: number) => [`agent:${id}`] })
  async vote(id: number, value: number): Promise<void> {
    reputation.set(id, (reputation.get(id) ?? 0) + value);
  }
}

async function app(namespace: string): Promise<TestingModule> {
  const moduleRef = await Test.createTestingModule({
    imports: [CacheModule.forRoot({ namespace, l2: { redis: redisUrl() } })],
    providers: [StatsService],
  }).compile();
  await moduleRef.init();
  expect(await moduleRef.get(TieredCache).ready()).toBe(true);
  return moduleRef;
}

describe('@CacheTags with @CacheEvict across two app instances', () => {
  it("invalidates the other instance's tagged entries, static and computed from arguments or results", async () => {
    reputation.set(1, 10).set(2, 20);
    const namespace = uniqueNamespace('tags');
    const [a, b] = await Promise.all([app(namespace), app(namespace)]);
    const [statsA, statsB] = [a.get(StatsService), b.get(StatsService)];
    const cacheB = b.get(TieredCache);

    expect(await statsB.statsFor(1)).toEqual({ id: 1, reputation: 10 });
    expect(await statsB.statsFor(1)).toEqual({ id: 1, reputation: 10 });
    expect(await statsB.top(2)).toEqual([{ id: 1 }, { id: 2 }]);
    expect(statsB.loads).toBe(2);

    const delivered = new Promise((resolve) => cacheB.events.once('remote', resolve));
    await statsA.vote(1, 5);
    await delivered;

    expect(await statsB.statsFor(1)).toEqual({ id: 1, reputation: 15 });
    // `top` was tagged with agent:1 from its result, so it is gone too.
    await statsB.top(2);
    expect(statsB.loads).toBe(4);
    await Promise.all([a.close(), b.close()]);
  });
});
