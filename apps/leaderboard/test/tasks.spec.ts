import type { INestApplication } from '@nestjs/common';
import { http, START_TIMEOUT_MS, startApp } from './app.js';

describe('tasks', () => {
  let app: INestApplication;
  let agentId: number;

  beforeAll(async () => {
    app = await startApp();
    agentId = (await http(app).post('/agents').send({ name: 'worker' }).expect(201)).body.id;
  }, START_TIMEOUT_MS);

  afterAll(async () => {
    await app.close();
  });

  const createTask = async (title = 'Summarize the logs') =>
    (await http(app).post('/tasks').send({ agent_id: agentId, title }).expect(201)).body;

  describe('POST /tasks', () => {
    it('queues a task for an agent', async () => {
      const task = await createTask();
      expect(task).toEqual({
        id: expect.any(Number),
        agent_id: agentId,
        title: 'Summarize the logs',
        status: 'queued',
        created_at: expect.any(String),
        started_at: null,
        finished_at: null,
      });
    });

    it('is 404 for an unknown agent', async () => {
      const res = await http(app).post('/tasks').send({ agent_id: 999999, title: 'lost' }).expect(404);
      expect(res.body.message).toBe('agent 999999 not found');
    });

    it.each([
      [{ title: 'no agent' }, 'agent_id is required'],
      [{ agent_id: '1', title: 'string id' }, 'agent_id must be a positive integer id'],
      [{ agent_id: 0, title: 'zero id' }, 'agent_id must be a positive integer id'],
      [{ agent_id: 1 }, 'title is required'],
      [{ agent_id: 1, title: '   ' }, 'title must be a non-empty string'],
      [{ agent_id: 1, title: 'x', status: 'done' }, 'unknown field status'],
    ])('rejects %j with 400', async (body, message) => {
      const res = await http(app).post('/tasks').send(body).expect(400);
      expect(res.body.message).toContain(message);
    });
  });

  describe('PATCH /tasks/:id', () => {
    it('runs a task, then finishes it, stamping started_at and finished_at', async () => {
      const task = await createTask();

      const running = await http(app).patch(`/tasks/${task.id}`).send({ status: 'running' }).expect(200);
      expect(running.body).toMatchObject({ status: 'running', started_at: expect.any(String), finished_at: null });

      const done = await http(app).patch(`/tasks/${task.id}`).send({ status: 'done' }).expect(200);
      expect(done.body).toMatchObject({ status: 'done', started_at: running.body.started_at });
      expect(Date.parse(done.body.finished_at)).toBeGreaterThanOrEqual(Date.parse(running.body.started_at));
    });

    it('fails a queued task without starting it', async () => {
      const task = await createTask();
      const failed = await http(app).patch(`/tasks/${task.id}`).send({ status: 'failed' }).expect(200);
      expect(failed.body).toMatchObject({ status: 'failed', started_at: null, finished_at: expect.any(String) });
    });

    it('refuses a move the current status forbids with 409', async () => {
      const task = await createTask();
      let res = await http(app).patch(`/tasks/${task.id}`).send({ status: 'done' }).expect(409);
      expect(res.body.message).toBe(`task ${task.id} is queued, so it cannot move to done; it can move to running or failed`);

      await http(app).patch(`/tasks/${task.id}`).send({ status: 'failed' }).expect(200);
      res = await http(app).patch(`/tasks/${task.id}`).send({ status: 'running' }).expect(409);
      expect(res.body.message).toBe(`task ${task.id} is failed, so it cannot move to running; failed is final`);
    });

    it('is 404 for an unknown task', async () => {
      const res = await http(app).patch('/tasks/999999').send({ status: 'running' }).expect(404);
      expect(res.body.message).toBe('task 999999 not found');
    });

    it.each([
      [{}, 'status is required'],
      [{ status: 'paused' }, 'status must be one of queued, running, done, failed'],
      [{ status: 'running', title: 'renamed' }, 'unknown field title'],
    ])('rejects %j with 400', async (body, message) => {
      const res = await http(app).patch('/tasks/1').send(body).expect(400);
      expect(res.body.message).toContain(message);
    });

    it('rejects a bad id with 400', async () => {
      await http(app).patch('/tasks/one').send({ status: 'running' }).expect(400);
    });
  });

  describe('GET /agents/:id/tasks', () => {
    it("lists an agent's tasks, newest first", async () => {
      const res = await http(app).get('/agents/1/tasks?limit=5').expect(200);
      expect(res.body).toHaveLength(5);
      expect(res.body.every((task: { agent_id: number }) => task.agent_id === 1)).toBe(true);
      const created = res.body.map((task: { created_at: string }) => Date.parse(task.created_at));
      expect(created).toEqual([...created].sort((a, b) => b - a));
    });

    it('shows a new task first, and moves in its stats', async () => {
      const before = (await http(app).get(`/agents/${agentId}/stats`).expect(200)).body.tasks;
      const task = await createTask('Newest task');
      const list = await http(app).get(`/agents/${agentId}/tasks?limit=1`).expect(200);
      expect(list.body).toEqual([task]);

      await http(app).patch(`/tasks/${task.id}`).send({ status: 'running' }).expect(200);
      await http(app).patch(`/tasks/${task.id}`).send({ status: 'done' }).expect(200);
      const after = (await http(app).get(`/agents/${agentId}/stats`).expect(200)).body.tasks;
      expect(after).toMatchObject({ total: before.total + 1, done: before.done + 1, failed: before.failed });
    });

    it('is an empty list for an agent with no tasks', async () => {
      const idle = (await http(app).post('/agents').send({ name: 'idle' }).expect(201)).body.id;
      await http(app).get(`/agents/${idle}/tasks`).expect(200, []);
    });

    it('is 404 for an unknown agent and 400 for a bad limit', async () => {
      await http(app).get('/agents/999999/tasks').expect(404);
      const res = await http(app).get('/agents/1/tasks?limit=1000').expect(400);
      expect(res.body.message).toContain('limit must be an integer from 1 to 100');
    });
  });
});
