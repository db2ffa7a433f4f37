import type { INestApplication } from '@nestjs/common';
import { Database } from '../src/db/database.js';
import { http, START_TIMEOUT_MS, startApp } from './app.js';

async function eventually(condition: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('agent heartbeats (write-behind)', () => {
  let app: INestApplication;
  let db: Database;

  beforeAll(async () => {
    app = await startApp();
    db = app.get(Database);
  }, START_TIMEOUT_MS);

  afterAll(async () => {
    await app.close();
  });

  it('acknowledges at once, answers reads with the new last_seen at once, and writes it to the database in the background', async () => {
    const beat = await http(app).post('/agents/3/heartbeat').send({ session: 'sess-a' }).expect(202);
    expect(beat.body).toEqual({ agent_id: 3, session: 'sess-a', last_seen: expect.any(String), queued: true });

    const presence = await http(app).get('/agents/3/presence').expect(200);
    expect(presence.body).toEqual({ agent_id: 3, last_seen: beat.body.last_seen, session: 'sess-a' });

    await eventually(async () => {
      const [row] = await db.query<{ last_seen: Date | null }>('SELECT last_seen FROM agents WHERE id = 3');
      return row?.last_seen?.toISOString() === beat.body.last_seen;
    });
    const [session] = await db.query<{ agent_id: number; heartbeats: number; last_seen: Date }>(
      'SELECT agent_id, heartbeats, last_seen FROM agent_sessions WHERE id = $1',
      ['sess-a'],
    );
    expect(session).toEqual({ agent_id: 3, heartbeats: 1, last_seen: new Date(beat.body.last_seen) });
  });

  it('counts every heartbeat of a session once, and keeps the latest last_seen', async () => {
    let last = '';
    for (let i = 0; i < 5; i++) last = (await http(app).post('/agents/4/heartbeat').send({ session: 'sess-b' }).expect(202)).body.last_seen;
    await eventually(async () => {
      const [session] = await db.query<{ heartbeats: number }>('SELECT heartbeats FROM agent_sessions WHERE id = $1', ['sess-b']);
      return session?.heartbeats === 5;
    });
    const [agent] = await db.query<{ last_seen: Date }>('SELECT last_seen FROM agents WHERE id = 4');
    expect(agent!.last_seen.toISOString()).toBe(last);
  });

  it('answers 404 for an unknown agent and 400 for a bad session', async () => {
    await http(app).post('/agents/999999/heartbeat').send({ session: 's' }).expect(404);
    await http(app).post('/agents/3/heartbeat').send({ session: 42 }).expect(400);
  });

  it('shows the queue on /health and /metrics', async () => {
    const health = await http(app).get('/health').expect(200);
    expect(health.body.details.heartbeats).toMatchObject({ status: 'up', durable: true, depth: expect.any(Number), lagMs: expect.any(Number) });
    const metrics = await http(app).get('/metrics').expect(200);
    expect(metrics.text).toMatch(/tiercache_write_behind_lag_seconds\{queue="heartbeats"\} [0-9.]+/);
    expect(metrics.text).toMatch(/tiercache_write_behind_written_total\{queue="heartbeats"\} [1-9]/);
  });
});
