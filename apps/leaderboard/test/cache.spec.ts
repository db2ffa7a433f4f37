import type { INestApplication } from '@nestjs/common';
import { TieredCache } from '@tiercache/nestjs';
import { Database } from '../src/db/database.js';
import { http, START_TIMEOUT_MS, startApp } from './app.js';

const DAY_MS = 86_400_000;
const dayOf = (offsetDays: number) => new Date(Date.now() + offsetDays * DAY_MS).toISOString().slice(0, 10);

describe('caching (L1 + Redis L2)', () => {
  let app: INestApplication;
  let queries: jest.SpyInstance;

  /** GETs `path` and returns the body with the number of SQL statements the request ran. */
  async function get(path: string, status = 200): Promise<{ body: any; queries: number }> {
    const before = queries.mock.calls.length;
    const res = await http(app).get(path).expect(status);
    return { body: res.body, queries: queries.mock.calls.length - before };
  }

  beforeAll(async () => {
    app = await startApp();
    queries = jest.spyOn(app.get(Database), 'query');
  }, START_TIMEOUT_MS);

  afterAll(async () => {
    queries.mockRestore();
    await app.close();
  });

  it.each([
    '/agents?limit=5',
    '/agents?status=idle&limit=3&offset=1',
    '/agents/150',
    '/agents/3/stats',
    '/agents/3/tasks?limit=5',
    '/leaderboards/daily',
    '/leaderboards/weekly?limit=5',
    `/leaderboards/daily?date=${dayOf(-3)}`,
    `/leaderboards/weekly?date=${dayOf(-14)}`,
  ])('serves a second GET %s from the cache, without a query', async (path) => {
    const hitsBefore = statsOf(app);
    const first = await get(path);
    const second = await get(path);
    expect(second.body).toEqual(first.body);
    expect(second.queries).toBe(0);
    const hits = statsOf(app);
    expect(hits.hitsL1 + hits.hitsL2).toBeGreaterThan(hitsBefore.hitsL1 + hitsBefore.hitsL2);
  });

  it('reads every day of a week from one weekly board', async () => {
    await get('/leaderboards/weekly?date=2025-06-09');
    expect((await get('/leaderboards/weekly?date=2025-06-12')).queries).toBe(0);
  });

  it('shows a vote on the next read of the agent, its stats, the list page and the open boards', async () => {
    const agentId = (await http(app).post('/agents').send({ name: 'underdog' }).expect(201)).body.id;
    const page = `/agents?limit=1&offset=${agentId - 1}`;
    const reads = [`/agents/${agentId}`, `/agents/${agentId}/stats`, page, '/leaderboards/daily?limit=100', '/leaderboards/weekly?limit=100'];
    for (const path of reads) await get(path);

    const votes = 3;
    for (let i = 0; i < votes; i++) {
      await http(app).post('/votes').send({ agent_id: agentId, voter: `fan-${i}`, value: 1 }).expect(201);
    }

    expect((await get(`/agents/${agentId}`)).body.reputation).toBe(votes);
    expect((await get(`/agents/${agentId}/stats`)).body).toMatchObject({ reputation: votes, votes: { up: votes, down: 0 } });
    expect((await get(page)).body.items).toEqual([expect.objectContaining({ id: agentId, reputation: votes })]);
    for (const period of ['daily', 'weekly']) {
      const board = (await get(`/leaderboards/${period}?limit=100`)).body;
      expect(board.entries).toContainEqual(expect.objectContaining({ agent_id: agentId, votes_up: votes }));
    }
  });

  it('keeps the boards of closed windows through votes: no vote can land in them', async () => {
    const path = `/leaderboards/daily?date=${dayOf(-3)}`;
    const board = await get(path);
    const top = board.body.entries[0].agent_id;
    await http(app).post('/votes').send({ agent_id: top, voter: 'late-fan', value: 1 }).expect(201);
    expect(await get(path)).toEqual({ body: board.body, queries: 0 });
  });

  it('writes a renamed agent through (no query to read it back) and evicts the boards that rank it', async () => {
    const path = `/leaderboards/weekly?date=${dayOf(-7)}&limit=3`;
    const agentId = (await get(path)).body.entries[0].agent_id;
    await get(`/agents/${agentId}`);

    const renamed = (await http(app).patch(`/agents/${agentId}`).send({ name: 'renamed-star' }).expect(200)).body;
    expect(await get(`/agents/${agentId}`)).toEqual({ body: renamed, queries: 0 });
    expect((await get(path)).body.entries[0]).toMatchObject({ agent_id: agentId, name: 'renamed-star' });
  });

  it('takes a suspended agent off the boards of closed windows too', async () => {
    const path = `/leaderboards/daily?date=${dayOf(-5)}&limit=100`;
    const agentId = (await get(path)).body.entries[0].agent_id;
    await http(app).patch(`/agents/${agentId}`).send({ status: 'suspended' }).expect(200);
    const after = await get(path);
    expect(after.queries).toBeGreaterThan(0);
    expect(after.body.entries.map((entry: { agent_id: number }) => entry.agent_id)).not.toContain(agentId);
    expect((await get(`/agents?status=suspended&limit=100`)).body.items).toContainEqual(expect.objectContaining({ id: agentId }));
  });

  it("shows a task's creation and moves in the agent's task list and stats", async () => {
    const agentId = (await http(app).post('/agents').send({ name: 'busy' }).expect(201)).body.id;
    await get(`/agents/${agentId}/tasks`);
    await get(`/agents/${agentId}/stats`);

    const task = (await http(app).post('/tasks').send({ agent_id: agentId, title: 'Index the logs' }).expect(201)).body;
    expect((await get(`/agents/${agentId}/tasks`)).body).toEqual([task]);
    expect((await get(`/agents/${agentId}/stats`)).body.tasks).toMatchObject({ total: 1, queued: 1 });

    await http(app).patch(`/tasks/${task.id}`).send({ status: 'running' }).expect(200);
    await http(app).patch(`/tasks/${task.id}`).send({ status: 'done' }).expect(200);
    expect((await get(`/agents/${agentId}/tasks`)).body[0]).toMatchObject({ id: task.id, status: 'done' });
    expect((await get(`/agents/${agentId}/stats`)).body.tasks).toMatchObject({ total: 1, done: 1, success_rate: 1 });
    expect((await get('/leaderboards/daily?limit=100')).body.entries).toContainEqual(
      expect.objectContaining({ agent_id: agentId, tasks_done: 1 }),
    );
  });

  it('caches "not found" briefly, and creating that very id (ids are serial) is seen at once', async () => {
    const [{ next }] = await app.get(Database).query<{ next: number }>('SELECT max(id) + 1 AS next FROM agents');
    for (const path of [`/agents/${next}`, `/agents/${next}/stats`, `/agents/${next}/tasks`]) {
      await get(path, 404);
      expect((await get(path, 404)).queries).toBe(0);
    }

    const created = (await http(app).post('/agents').send({ name: 'late-comer' }).expect(201)).body;
    expect(created.id).toBe(next);
    expect((await get(`/agents/${next}`)).body).toEqual(created);
    expect((await get(`/agents/${next}/stats`)).body).toMatchObject({ agent_id: next, reputation: 0 });
    await get(`/agents/${next}/tasks`);
  });

  it('GET /health reports the database and the cache', async () => {
    const res = await http(app).get('/health').expect(200);
    expect(res.body).toMatchObject({
      status: 'ok',
      details: {
        database: { status: 'up', engine: 'PGlite (in-memory)' },
        cache: { status: 'up', l2: { connected: true, breakerOpen: false } },
      },
    });
  });

  it('GET /metrics serves per-cache, per-method counters in the Prometheus text format', async () => {
    await get('/agents/9/stats');
    await get('/agents/9/stats');
    const res = await http(app).get('/metrics').expect(200);
    expect(res.headers['content-type']).toContain('text/plain');
    expect(res.text).toMatch(/^tiercache_hits_total\{cache="activity",tier="l1",label="StatsService.forAgent"\} [1-9]\d*$/m);
    expect(res.text).toMatch(/^tiercache_misses_total\{cache="agents",label="AgentsService.findById"\} [1-9]\d*$/m);
    expect(res.text).toMatch(/^tiercache_load_duration_seconds_count\{cache="live-boards",label="LeaderboardService.liveBoard"\} [1-9]\d*$/m);
    expect(res.text).toMatch(/^leaderboard_cache_hit_ratio 0\.\d+$/m);
    expect(res.text).toMatch(/^leaderboard_cache_l2_connected 1$/m);
  });
});

function statsOf(app: INestApplication) {
  return app.get(TieredCache).stats();
}
