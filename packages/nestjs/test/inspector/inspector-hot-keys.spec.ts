import { Injectable, type INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { CacheModule, Cacheable } from '@tiercache/nestjs';
import { HotKeys, HotKeysModule, InjectHotKeys } from '@tiercache/nestjs/hot-keys';
import { InspectorModule, type InspectorState } from '@tiercache/nestjs/inspector';
import request from 'supertest';
import { redisUrl, uniqueNamespace } from '../support.js';

@Injectable()
class Boards {
  constructor(@InjectHotKeys() readonly hot: HotKeys) {}

  @Cacheable({ key: (id: number) => `board:${id}` })
  async board(id: number): Promise<string> {
    return `board ${id}`;
  }
}

async function app(showKeys: boolean): Promise<INestApplication> {
  const moduleRef = await Test.createTestingModule({
    imports: [
      CacheModule.forRoot({ isGlobal: true, namespace: uniqueNamespace('insp-hot'), l2: { redis: redisUrl() } }),
      HotKeysModule.register({ topN: 5, warmOnStartup: false }),
      InspectorModule.forRoot({ enabled: true, environment: 'development', sampleEveryMs: 50, showKeys }),
    ],
    providers: [Boards],
  }).compile();
  const nest = moduleRef.createNestApplication({ logger: false });
  await nest.init();
  return nest;
}

/** The fleet's hottest keys are on the page, from predictive warming, where keys may be shown. */
describe('inspector: hot keys', () => {
  it.each([
    ['lists them, hottest first, with showKeys', true, ['board:1', 'board:2']],
    ['shows no key without showKeys', false, undefined],
  ])('%s', async (_title, showKeys, expected) => {
    const nest = await app(showKeys);
    try {
      const boards = nest.get(Boards);
      for (let i = 0; i < 3; i++) await boards.board(1);
      await boards.board(2);
      await boards.hot.publish();
      // A fresh sample: the state endpoint serves the latest one, taken every 50 ms.
      let state: InspectorState | undefined;
      for (let tries = 0; tries < 200; tries++) {
        state = (await request(nest.getHttpServer()).get('/_tiercache/api/state').expect(200)).body as InspectorState;
        if (!showKeys || state.hotKeys.some((cache) => cache.keys.length > 0)) break;
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      if (expected === undefined) {
        expect(state!.hotKeys).toEqual([]);
        expect(JSON.stringify(state)).not.toContain('board:1');
      } else {
        expect(state!.hotKeys).toEqual([{ cache: 'default', keys: expected }]);
      }
    } finally {
      await nest.close();
    }
  });
});
