import { Injectable } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import { CacheModule, Cacheable, TieredCache } from '@tiercache/nestjs';
import { HotKeys, HotKeysModule, InjectHotKeys } from '@tiercache/nestjs/hot-keys';
import { WarmerRegistry, WarmersModule } from '@tiercache/nestjs/warmers';
import { redisUrl, uniqueNamespace } from '../support.js';

const silent = { log: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined, verbose: () => undefined };

@Injectable()
class Boards {
  loads = 0;
  constructor(@InjectHotKeys() readonly hot: HotKeys) {}

  @Cacheable({ key: (id: number) => `board:${id}` })
  async board(id: number): Promise<string> {
    this.loads++;
    return `board ${id}`;
  }
}

async function instance(namespace: string, progress?: number[]): Promise<TestingModule> {
  const moduleRef = await Test.createTestingModule({
    imports: [
      CacheModule.forRoot({ isGlobal: true, namespace, l2: { redis: redisUrl() } }),
      WarmersModule.forRoot({ startup: 'await' }),
      HotKeysModule.register({ topN: 2, warmOnStartup: { timeoutMs: 5_000 } }),
    ],
    providers: [Boards],
  })
    .setLogger(silent)
    .compile();
  moduleRef.get(WarmerRegistry).events.on('progress', ({ done }) => progress?.push(done));
  try {
    return await moduleRef.init();
  } catch (error) {
    await moduleRef.close();
    throw error;
  }
}

describe('HotKeysModule', () => {
  it("warms a second instance's L1 with the first one's hottest keys, as a warmer with progress", async () => {
    const namespace = uniqueNamespace('hot');
    const first = await instance(namespace);
    let second: TestingModule | undefined;
    try {
      const boards = first.get(Boards);
      for (let i = 0; i < 5; i++) await boards.board(1);
      for (let i = 0; i < 3; i++) await boards.board(2);
      await boards.board(3);
      await boards.hot.publish();

      const progress: number[] = [];
      second = await instance(namespace, progress);
      const status = second.get(WarmerRegistry).status('hot-keys:default');
      expect(status.runs).toEqual({ succeeded: 1, failed: 0, skipped: 0 });
      expect(progress).toEqual([1, 2]);
      expect(second.get(Boards).hot.stats().lastWarm).toEqual({ warmed: 2, skipped: 0, total: 2, timedOut: false });
      const cache = second.get(TieredCache);
      const before = cache.stats().hitsL1;
      expect(await second.get(Boards).board(1)).toBe('board 1');
      expect(await second.get(Boards).board(2)).toBe('board 2');
      expect(cache.stats().hitsL1 - before).toBe(2);
      expect(second.get(Boards).loads).toBe(0);
    } finally {
      await second?.close();
      await first.close();
    }
  });

  it('refuses unknown options and a cache without Redis at startup', async () => {
    await expect(
      Test.createTestingModule({ imports: [CacheModule.forRoot({ isGlobal: true, l2: false }), HotKeysModule.register({ topn: 3 } as never)] })
        .setLogger(silent)
        .compile(),
    ).rejects.toThrow(/HotKeysModule\(default\)\.topn/);
    await expect(
      Test.createTestingModule({ imports: [CacheModule.forRoot({ isGlobal: true, l2: false }), HotKeysModule.register()] })
        .setLogger(silent)
        .compile(),
    ).rejects.toThrow(/needs `l2`/);
  });
});
