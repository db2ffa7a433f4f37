import type { INestApplication } from '@nestjs/common';
import { http, START_TIMEOUT_MS, startApp, TEST_CONFIG } from './app.js';

describe('agents', () => {
  let app: INestApplication;

  beforeAll(async () => {
    app = await startApp();
  }, START_TIMEOUT_MS);

  afterAll(async () => {
    await app.close();
  });

  describe('GET /agents', () => {
    it('pages through the seeded agents in id order', async () => {
      const first = await http(app).get('/agents?limit=5').expect(200);
      expect(first.body).toMatchObject({ total: TEST_CONFIG.seedSize.agents, limit: 5, offset: 0 });
      expect(first.body.items.map((agent: { id: number }) => agent.id)).toEqual([1, 2, 3, 4, 5]);
      expect(first.body.items[0]).toEqual({
        id: 1,
        name: expect.any(String),
        status: expect.stringMatching(/^(active|idle|suspended)$/),
        reputation: expect.any(Number),
        created_at: expect.any(String),
        updated_at: expect.any(String),
      });

      const second = await http(app).get('/agents?limit=5&offset=5').expect(200);
      expect(second.body.items[0].id).toBe(6);
    });

    it('defaults to 20 agents', async () => {
      const res = await http(app).get('/agents').expect(200);
      expect(res.body.items).toHaveLength(20);
    });

    it('filters by status', async () => {
      const all = await http(app).get('/agents?status=idle&limit=100').expect(200);
      expect(all.body.total).toBeGreaterThan(0);
      expect(all.body.total).toBeLessThan(TEST_CONFIG.seedSize.agents);
      expect(all.body.items.every((agent: { status: string }) => agent.status === 'idle')).toBe(true);
    });

    it.each([
      ['status=sleeping', 'status must be one of active, idle, suspended'],
      ['limit=0', 'limit must be an integer from 1 to 100'],
      ['limit=101', 'limit must be an integer from 1 to 100'],
      ['limit=ten', 'limit must be an integer from 1 to 100'],
      ['offset=-1', 'offset must be an integer from 0'],
      ['limit=1&limit=2', 'limit must be an integer'],
    ])('rejects ?%s with 400', async (query, message) => {
      const res = await http(app).get(`/agents?${query}`).expect(400);
      expect(res.body.message).toContain(message);
    });
  });

  describe('GET /agents/:id', () => {
    it('returns one agent', async () => {
      const res = await http(app).get('/agents/7').expect(200);
      expect(res.body).toMatchObject({ id: 7 });
    });

    it('is 404 for an unknown id', async () => {
      const res = await http(app).get('/agents/999999').expect(404);
      expect(res.body.message).toBe('agent 999999 not found');
    });

    it.each(['abc', '0', '1.5', '99999999999'])('is 400 for id %s', async (id) => {
      const res = await http(app).get(`/agents/${id}`).expect(400);
      expect(res.body.message).toContain('id must be an integer');
    });
  });

  describe('POST /agents', () => {
    it('creates an active agent with no reputation, after the seeded ids', async () => {
      const res = await http(app).post('/agents').send({ name: '  new-agent  ' }).expect(201);
      expect(res.body).toMatchObject({ name: 'new-agent', status: 'active', reputation: 0 });
      expect(res.body.id).toBeGreaterThan(TEST_CONFIG.seedSize.agents);
      await http(app).get(`/agents/${res.body.id}`).expect(200, res.body);
    });

    it('accepts a status', async () => {
      const res = await http(app).post('/agents').send({ name: 'resting', status: 'idle' }).expect(201);
      expect(res.body.status).toBe('idle');
    });

    it.each([
      [{}, 'name is required'],
      [{ name: '' }, 'name must be a non-empty string'],
      [{ name: 42 }, 'name must be a non-empty string'],
      [{ name: 'x'.repeat(101) }, 'at most 100 characters'],
      [{ name: 'ok', status: 'asleep' }, 'status must be one of active, idle, suspended'],
      [{ name: 'ok', reputation: 1000 }, 'unknown field reputation'],
      [[{ name: 'ok' }], 'the request body must be a JSON object'],
    ])('rejects %j with 400', async (body, message) => {
      const res = await http(app).post('/agents').send(body).expect(400);
      expect(res.body.message).toContain(message);
    });

    it('rejects malformed JSON with 400', async () => {
      await http(app).post('/agents').set('content-type', 'application/json').send('{"name":').expect(400);
    });
  });

  describe('PATCH /agents/:id', () => {
    it('renames an agent and changes its status, moving updated_at', async () => {
      const created = await http(app).post('/agents').send({ name: 'before' }).expect(201);
      const id = created.body.id;

      const renamed = await http(app).patch(`/agents/${id}`).send({ name: 'after' }).expect(200);
      expect(renamed.body).toMatchObject({ id, name: 'after', status: 'active' });
      expect(Date.parse(renamed.body.updated_at)).toBeGreaterThanOrEqual(Date.parse(created.body.updated_at));

      const suspended = await http(app).patch(`/agents/${id}`).send({ status: 'suspended' }).expect(200);
      expect(suspended.body).toMatchObject({ name: 'after', status: 'suspended' });
    });

    it('is 404 for an unknown id', async () => {
      await http(app).patch('/agents/999999').send({ name: 'ghost' }).expect(404);
    });

    it.each([
      [{}, 'nothing to update'],
      [{ status: 'gone' }, 'status must be one of'],
      [{ reputation: 5 }, 'unknown field reputation'],
    ])('rejects %j with 400', async (body, message) => {
      const res = await http(app).patch('/agents/1').send(body).expect(400);
      expect(res.body.message).toContain(message);
    });
  });

  describe('GET /agents/:id/stats', () => {
    it('aggregates the tasks and votes of an agent', async () => {
      const res = await http(app).get('/agents/1/stats').expect(200);
      const { tasks, votes, reputation } = res.body;
      expect(res.body.agent_id).toBe(1);
      // Agent 1 is the busiest of the seed: it has tasks and votes of every kind.
      expect(tasks.total).toBe(tasks.queued + tasks.running + tasks.done + tasks.failed);
      expect(tasks.done).toBeGreaterThan(0);
      expect(tasks.success_rate).toBeCloseTo(tasks.done / (tasks.done + tasks.failed), 4);
      expect(votes.up + votes.down).toBeGreaterThan(0);
      expect(reputation).toBe(votes.up - votes.down);
    });

    it('is all zeros, with no success rate, for a new agent', async () => {
      const created = await http(app).post('/agents').send({ name: 'fresh' }).expect(201);
      const res = await http(app).get(`/agents/${created.body.id}/stats`).expect(200);
      expect(res.body).toEqual({
        agent_id: created.body.id,
        reputation: 0,
        tasks: { total: 0, queued: 0, running: 0, done: 0, failed: 0, success_rate: null },
        votes: { up: 0, down: 0 },
      });
    });

    it('is 404 for an unknown id and 400 for a bad one', async () => {
      await http(app).get('/agents/999999/stats').expect(404);
      await http(app).get('/agents/x/stats').expect(400);
    });
  });
});
