import type { INestApplication } from '@nestjs/common';
import { Database } from '../src/db/database.js';
import { http, START_TIMEOUT_MS, startApp } from './app.js';

interface Entry {
  rank: number;
  agent_id: number;
  status: string;
  reputation_gained: number;
  votes_up: number;
  votes_down: number;
  tasks_done: number;
}

const DAY_MS = 86_400_000;
const dayOf = (offsetDays: number) => new Date(Date.now() + offsetDays * DAY_MS).toISOString().slice(0, 10);

/** Ranked by reputation gained, then tasks done, then id. */
function expectRanked(entries: Entry[]): void {
  expect(entries.map((entry) => entry.rank)).toEqual(entries.map((_, i) => i + 1));
  for (let i = 1; i < entries.length; i++) {
    const [a, b] = [entries[i - 1], entries[i]];
    const order = b.reputation_gained - a.reputation_gained || b.tasks_done - a.tasks_done || a.agent_id - b.agent_id;
    expect(order).toBeLessThan(0);
  }
  for (const entry of entries) {
    expect(entry.status).not.toBe('suspended');
    expect(entry.reputation_gained).toBe(entry.votes_up - entry.votes_down);
  }
}

describe('leaderboards', () => {
  let app: INestApplication;

  beforeAll(async () => {
    app = await startApp();
  }, START_TIMEOUT_MS);

  afterAll(async () => {
    await app.close();
  });

  it("GET /leaderboards/daily covers today (UTC) and ranks the top 10 by default", async () => {
    const res = await http(app).get('/leaderboards/daily').expect(200);
    expect(res.body).toMatchObject({
      period: 'daily',
      from: `${dayOf(0)}T00:00:00.000Z`,
      to: `${dayOf(1)}T00:00:00.000Z`,
    });
    expect(res.body.entries.length).toBeLessThanOrEqual(10);
    expectRanked(res.body.entries);
  });

  it('GET /leaderboards/daily?date= matches the votes and tasks of that day', async () => {
    const day = dayOf(-3);
    const res = await http(app).get(`/leaderboards/daily?date=${day}&limit=100`).expect(200);
    const entries: Entry[] = res.body.entries;
    expect(res.body.from).toBe(`${day}T00:00:00.000Z`);
    expect(entries.length).toBeGreaterThan(10);
    expectRanked(entries);

    // The same figures, counted the plain way.
    const db = app.get(Database);
    const [top] = entries;
    const [counted] = await db.query<{ up: number; down: number; done: number }>(
      `SELECT (SELECT count(*) FROM votes WHERE agent_id = $1 AND value = 1 AND created_at::date = $2::date)::int AS up,
              (SELECT count(*) FROM votes WHERE agent_id = $1 AND value = -1 AND created_at::date = $2::date)::int AS down,
              (SELECT count(*) FROM tasks WHERE agent_id = $1 AND status = 'done' AND finished_at::date = $2::date)::int AS done`,
      [top.agent_id, day],
    );
    expect(top).toMatchObject({ votes_up: counted.up, votes_down: counted.down, tasks_done: counted.done });
  });

  it('GET /leaderboards/weekly covers the ISO week (Monday to Monday, UTC) of the date', async () => {
    // 2025-06-12 is a Thursday.
    const res = await http(app).get('/leaderboards/weekly?date=2025-06-12&limit=5').expect(200);
    expect(res.body).toMatchObject({
      period: 'weekly',
      from: '2025-06-09T00:00:00.000Z',
      to: '2025-06-16T00:00:00.000Z',
      entries: [],
    });

    const current = await http(app).get('/leaderboards/weekly?limit=5').expect(200);
    expect(new Date(current.body.from).getUTCDay()).toBe(1);
    expect(Date.parse(current.body.to) - Date.parse(current.body.from)).toBe(7 * DAY_MS);
    expect(current.body.entries.length).toBeLessThanOrEqual(5);
    expectRanked(current.body.entries);
  });

  it('puts an agent that just got more up votes than the weekly leader first on both boards', async () => {
    const leader = (await http(app).get('/leaderboards/weekly?limit=1').expect(200)).body.entries[0];
    const votes = (leader?.reputation_gained ?? 0) + 1;
    const agentId = (await http(app).post('/agents').send({ name: 'rising-star' }).expect(201)).body.id;
    for (let i = 0; i < votes; i++) {
      await http(app).post('/votes').send({ agent_id: agentId, voter: `fan-${i}`, value: 1 }).expect(201);
    }

    for (const period of ['daily', 'weekly']) {
      const res = await http(app).get(`/leaderboards/${period}?limit=3`).expect(200);
      expect(res.body.entries[0]).toMatchObject({ rank: 1, agent_id: agentId, reputation_gained: votes, votes_up: votes });
    }

    // A suspended agent is out of the competition.
    await http(app).patch(`/agents/${agentId}`).send({ status: 'suspended' }).expect(200);
    const res = await http(app).get('/leaderboards/daily?limit=100').expect(200);
    expect(res.body.entries.map((entry: Entry) => entry.agent_id)).not.toContain(agentId);
  });

  it.each([
    ['daily?date=2025-02-30', 'date must be a date written YYYY-MM-DD'],
    ['daily?date=2025-2-3', 'date must be a date written YYYY-MM-DD'],
    ['weekly?date=yesterday', 'date must be a date written YYYY-MM-DD'],
    ['daily?limit=0', 'limit must be an integer from 1 to 100'],
    ['weekly?limit=101', 'limit must be an integer from 1 to 100'],
  ])('rejects /leaderboards/%s with 400', async (path, message) => {
    const res = await http(app).get(`/leaderboards/${path}`).expect(400);
    expect(res.body.message).toContain(message);
  });

  it('is 404 for an unknown period', async () => {
    await http(app).get('/leaderboards/monthly').expect(404);
  });
});
