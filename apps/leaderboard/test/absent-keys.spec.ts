import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { TieredCache } from '@tiercache/nestjs';
import { getAbsentKeyFilterToken, type AbsentKeyFilter } from '@tiercache/nestjs/absent-keys';
import { getHotKeysToken, type HotKeys } from '@tiercache/nestjs/hot-keys';
import { WarmerRegistry } from '@tiercache/nestjs/warmers';
import { AppModule } from '../src/app.module.js';
import { AGENT_IDS, CACHES } from '../src/cache/cache-policy.js';
import { Database } from '../src/db/database.js';
import { PgliteDatabase } from '../src/db/pglite.database.js';
import { setUpDatabase } from '../src/db/setup.js';
import { http, START_TIMEOUT_MS, TEST_CONFIG, testConfig } from './app.js';

/** Two instances on one database and one Redis, as in cross-instance.spec.ts; the second starts later. */
describe('the agent-ids filter and predictive warming, across two instances', () => {
  let db: PgliteDatabase;
  let a: INestApplication;
  let b: INestApplication | undefined;
  const config = testConfig();

  async function instance(): Promise<INestApplication> {
    const shared = Object.assign(Object.create(db) as Database, { close: async () => undefined });
    const moduleRef = await Test.createTestingModule({ imports: [AppModule.forRoot(config)] })
      .overrideProvider(Database)
      .useValue(shared)
      .compile();
    const app = moduleRef.createNestApplication({ logger: false });
    await app.init();
    expect(await app.get(TieredCache).ready()).toBe(true);
    return app;
  }

  beforeAll(async () => {
    db = await PgliteDatabase.open();
    await setUpDatabase(db, { seed: TEST_CONFIG.seedSize });
    a = await instance();
  }, START_TIMEOUT_MS);

  afterAll(async () => {
    await b?.close();
    await a?.close();
    await db?.close();
  });

  it('answers 404 for an id that never existed without querying the database', async () => {
    const queries = jest.spyOn(db, 'query');
    try {
      await http(a).get('/agents/987654').expect(404);
      expect(queries.mock.calls.filter(([, params]) => (params as unknown[] | undefined)?.includes(987654))).toEqual([]);
    } finally {
      queries.mockRestore();
    }
    expect((await a.get<AbsentKeyFilter>(getAbsentKeyFilterToken(AGENT_IDS.name)).stats()).skipped).toBeGreaterThanOrEqual(1);
  });

  it("warms a second instance from the first one's hottest agents, and finds agents created on the first", async () => {
    for (let i = 0; i < 5; i++) await http(a).get('/agents/7').expect(200);
    await a.get<HotKeys>(getHotKeysToken(CACHES.agents)).publish();
    b = await instance();
    expect(b.get(WarmerRegistry).status(`hot-keys:${CACHES.agents}`).runs.succeeded).toBe(1);
    expect(b.get<HotKeys>(getHotKeysToken(CACHES.agents)).stats().lastWarm).toMatchObject({ warmed: expect.any(Number), timedOut: false });
    expect(b.get<HotKeys>(getHotKeysToken(CACHES.agents)).stats().lastWarm!.warmed).toBeGreaterThanOrEqual(1);

    const created = (await http(a).post('/agents').send({ name: 'newcomer' }).expect(201)).body as { id: number };
    expect((await http(b).get(`/agents/${created.id}`).expect(200)).body).toMatchObject({ id: created.id, name: 'newcomer' });
  });
});
