import type { INestApplication } from '@nestjs/common';
import { TieredCache } from '@tiercache/nestjs';
import { Fleet, http, START_TIMEOUT_MS } from './app.js';

/** Two instances of the app, as two pods would run them (see Fleet). */
describe('two instances sharing a database and a Redis', () => {
  let fleet: Fleet;
  let db: Fleet['db'];
  let a: INestApplication;
  let b: INestApplication;

  beforeAll(async () => {
    fleet = await Fleet.open();
    db = fleet.db;
    a = await fleet.start();
    b = await fleet.start();
  }, START_TIMEOUT_MS);

  afterAll(async () => {
    await fleet?.close();
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
