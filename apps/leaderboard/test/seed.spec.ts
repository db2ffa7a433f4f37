import { PgliteDatabase } from '../src/db/pglite.database.js';
import { seed, type SeedSize } from '../src/db/seed.js';
import { setUpDatabase } from '../src/db/setup.js';
import { START_TIMEOUT_MS } from './app.js';

const SIZE: SeedSize = { agents: 300, tasks: 3_000, votes: 4_000 };
const NOW = new Date('2025-06-12T15:30:00Z');
const DAY_MS = 86_400_000;

/** One hash over every row of every table, in id order. */
async function fingerprint(db: PgliteDatabase): Promise<string> {
  const [row] = await db.query<{ hash: string }>(
    `SELECT md5(
       (SELECT string_agg(a::text, '|' ORDER BY id) FROM agents a) ||
       (SELECT string_agg(t::text, '|' ORDER BY id) FROM tasks t) ||
       (SELECT string_agg(v::text, '|' ORDER BY id) FROM votes v)) AS hash`,
  );
  return row.hash;
}

describe('seed', () => {
  let db: PgliteDatabase;

  beforeAll(async () => {
    db = await PgliteDatabase.open();
    await setUpDatabase(db, { seed: null });
    await db.transaction((tx) => seed(tx, SIZE, NOW));
  }, START_TIMEOUT_MS);

  afterAll(async () => {
    await db.close();
  });

  it('writes the requested number of rows', async () => {
    const [counts] = await db.query(
      `SELECT (SELECT count(*) FROM agents)::int AS agents, (SELECT count(*) FROM tasks)::int AS tasks,
              (SELECT count(*) FROM votes)::int AS votes`,
    );
    expect(counts).toEqual(SIZE);
  });

  it('gives every agent the sum of its votes as reputation', async () => {
    const wrong = await db.query(
      `SELECT a.id FROM agents a LEFT JOIN votes v ON v.agent_id = a.id
       GROUP BY a.id HAVING a.reputation <> coalesce(sum(v.value), 0)`,
    );
    expect(wrong).toEqual([]);
  });

  it('spreads votes and tasks over the 30 days before now, with consistent task timestamps', async () => {
    const [span] = await db.query<{ first: Date; last: Date; days: number }>(
      `SELECT min(created_at) AS first, max(created_at) AS last, count(DISTINCT created_at::date)::int AS days
       FROM (SELECT created_at FROM votes UNION ALL SELECT created_at FROM tasks) AS events`,
    );
    expect(span.first.getTime()).toBeGreaterThanOrEqual(NOW.getTime() - 30 * DAY_MS);
    expect(span.last.getTime()).toBeLessThanOrEqual(NOW.getTime());
    expect(span.days).toBeGreaterThanOrEqual(30);

    const inconsistent = await db.query(
      `SELECT id FROM tasks
       WHERE (status = 'queued') <> (started_at IS NULL)
          OR (status IN ('done', 'failed')) <> (finished_at IS NOT NULL)
          OR started_at < created_at OR finished_at < started_at OR finished_at > $1`,
      [NOW.toISOString()],
    );
    expect(inconsistent).toEqual([]);

    const statuses = await db.query<{ status: string }>('SELECT DISTINCT status FROM tasks ORDER BY status');
    expect(statuses.map((row) => row.status)).toEqual(['done', 'failed', 'queued', 'running']);
  });

  it('is deterministic: the same size and time give the same rows', async () => {
    const first = await fingerprint(db);
    await db.transaction(async (tx) => {
      await tx.query('TRUNCATE votes, tasks, agents');
      await seed(tx, SIZE, NOW);
    });
    expect(await fingerprint(db)).toBe(first);
  });

  it('leaves the id sequences past the seeded rows', async () => {
    const [agent] = await db.query<{ id: number }>(`INSERT INTO agents (name) VALUES ('next') RETURNING id`);
    expect(agent.id).toBe(SIZE.agents + 1);
  });

  it('is skipped on start when the database already has agents', async () => {
    expect(await setUpDatabase(db, { seed: SIZE })).toEqual({ seededInMs: null });
  });
});
