import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { TieredCache } from '@tiercache/nestjs';
import { AppModule } from '../src/app.module.js';
import { Database } from '../src/db/database.js';
import { PgliteDatabase } from '../src/db/pglite.database.js';
import { setUpDatabase } from '../src/db/setup.js';
import { http, START_TIMEOUT_MS, TEST_CONFIG, testConfig } from './app.js';

/**
 * Two instances of the app, as two pods would run: one database, one Redis, one cache namespace, and
 * each its own L1. An in-memory PGlite lives in one process's memory, so both instances are given the
 * same Database object in place of the one DatabaseModule would open.
 */
describe('two instances sharing a database and a Redis', () => {
  let db: PgliteDatabase;
  let a: INestApplication;
  let b: INestApplication;

  async function instance(config: ReturnType<typeof testConfig>): Promise<INestApplication> {
    // Closing an instance closes its Database; the shared one is closed once, by this test.
    const shared = Object.assign(Object.create(db) as Database, { close: async () => undefined });
    const moduleRef = await Test.createTestingModule({ imports: [AppModule.forRoot(config)] })
      .overrideProvider(Database)
      .useValue(shared)
      .compile();
    const app = moduleRef.createNestApplication({ logger: false });
    await app.init();
    return app;
  }

  beforeAll(async () => {
    db = await PgliteDatabase.open();
    await setUpDatabase(db, { seed: TEST_CONFIG.seedSize });
    const config = testConfig();
    a = await instance(config);
    b = await instance(config);
    expect(await a.get(TieredCache).ready()).toBe(true);
    expect(await b.get(TieredCache).ready()).toBe(true);
  }, START_TIMEOUT_MS);

  afterAll(async () => {
    await a?.close();
    await b?.close();
    await db?.close();
  });

  it("shows a vote cast through A on B's next read, though B had the old value in its L1", async () => {
    const before = (await http(b).get('/agents/5/stats').expect(200)).body;
    const agent = (await http(b).get('/agents/5').expect(200)).body;
    const board = (await http(b).get('/leaderboards/daily?limit=100').expect(200)).body;
    // B answers these from its own memory now.
    const l1Hits = b.get(TieredCache).stats().hitsL1;
    await http(b).get('/agents/5/stats').expect(200, before);
    expect(b.get(TieredCache).stats().hitsL1).toBe(l1Hits + 1);

    await http(a).post('/votes').send({ agent_id: 5, voter: 'cross-instance', value: 1 }).expect(201);

    expect((await http(b).get('/agents/5/stats').expect(200)).body).toMatchObject({
      reputation: before.reputation + 1,
      votes: { up: before.votes.up + 1, down: before.votes.down },
    });
    expect((await http(b).get('/agents/5').expect(200)).body.reputation).toBe(agent.reputation + 1);
    const after = (await http(b).get('/leaderboards/daily?limit=100').expect(200)).body;
    const gained = (entries: { agent_id: number; votes_up: number }[]) => entries.find((e) => e.agent_id === 5)?.votes_up ?? 0;
    expect(gained(after.entries)).toBe(gained(board.entries) + 1);
  });

  it('shows a rename made through A on B (written through to Redis by A, dropped from L1 on B)', async () => {
    await http(b).get('/agents/6').expect(200);
    const renamed = (await http(a).patch('/agents/6').send({ name: 'renamed-on-a' }).expect(200)).body;
    const queries = jest.spyOn(db, 'query');
    try {
      // From Redis, where A's @CachePut wrote it: B needs no query.
      await http(b).get('/agents/6').expect(200, renamed);
      expect(queries).not.toHaveBeenCalled();
    } finally {
      queries.mockRestore();
    }
  });

  it('lets B find an agent A creates, though B had cached "not found" for that id', async () => {
    const [{ next }] = await db.query<{ next: number }>('SELECT max(id) + 1 AS next FROM agents');
    await http(b).get(`/agents/${next}`).expect(404);
    const created = (await http(a).post('/agents').send({ name: 'born-on-a' }).expect(201)).body;
    expect(created.id).toBe(next);
    await http(b).get(`/agents/${next}`).expect(200, created);
  });
});
