import type { INestApplication } from '@nestjs/common';
import { Database } from '../src/db/database.js';
import { http, START_TIMEOUT_MS, startApp } from './app.js';

describe('votes', () => {
  let app: INestApplication;

  beforeAll(async () => {
    app = await startApp();
  }, START_TIMEOUT_MS);

  afterAll(async () => {
    await app.close();
  });

  it("records a vote and moves the agent's reputation and stats", async () => {
    const agentId = 3;
    const before = (await http(app).get(`/agents/${agentId}/stats`).expect(200)).body;

    const up = await http(app).post('/votes').send({ agent_id: agentId, voter: 'alice', value: 1 }).expect(201);
    expect(up.body.vote).toEqual({
      id: expect.any(Number),
      agent_id: agentId,
      voter: 'alice',
      value: 1,
      created_at: expect.any(String),
    });
    expect(up.body.agent).toMatchObject({ id: agentId, reputation: before.reputation + 1 });

    await http(app).post('/votes').send({ agent_id: agentId, voter: 'bob', value: -1 }).expect(201);
    await http(app).post('/votes').send({ agent_id: agentId, voter: 'carol', value: 1 }).expect(201);

    const agent = (await http(app).get(`/agents/${agentId}`).expect(200)).body;
    expect(agent.reputation).toBe(before.reputation + 1);
    const after = (await http(app).get(`/agents/${agentId}/stats`).expect(200)).body;
    expect(after.reputation).toBe(before.reputation + 1);
    expect(after.votes).toEqual({ up: before.votes.up + 2, down: before.votes.down + 1 });
  });

  it('keeps every increment when votes for one agent arrive together', async () => {
    const agentId = (await http(app).post('/agents').send({ name: 'popular' }).expect(201)).body.id;
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        http(app).post('/votes').send({ agent_id: agentId, voter: `fan-${i}`, value: 1 }).expect(201),
      ),
    );
    const stats = (await http(app).get(`/agents/${agentId}/stats`).expect(200)).body;
    expect(stats).toMatchObject({ reputation: 20, votes: { up: 20, down: 0 } });
  });

  it('is 404 for an unknown agent, and records nothing', async () => {
    const countVotes = async () =>
      (await app.get(Database).query<{ n: number }>('SELECT count(*)::int AS n FROM votes'))[0]?.n;
    const before = await countVotes();
    const res = await http(app).post('/votes').send({ agent_id: 999999, voter: 'alice', value: 1 }).expect(404);
    expect(res.body.message).toBe('agent 999999 not found');
    expect(await countVotes()).toBe(before);
  });

  it.each([
    [{ voter: 'alice', value: 1 }, 'agent_id is required'],
    [{ agent_id: 1, value: 1 }, 'voter is required'],
    [{ agent_id: 1, voter: '', value: 1 }, 'voter must be a non-empty string'],
    [{ agent_id: 1, voter: 'alice' }, 'value is required'],
    [{ agent_id: 1, voter: 'alice', value: 2 }, 'value must be one of 1, -1'],
    [{ agent_id: 1, voter: 'alice', value: '1' }, 'value must be one of 1, -1'],
    [{ agent_id: 1, voter: 'alice', value: 1, weight: 3 }, 'unknown field weight'],
  ])('rejects %j with 400', async (body, message) => {
    const before = (await http(app).get('/agents/1').expect(200)).body.reputation;
    const res = await http(app).post('/votes').send(body).expect(400);
    expect(res.body.message).toContain(message);
    expect((await http(app).get('/agents/1').expect(200)).body.reputation).toBe(before);
  });
});
