import type { Queryable } from './database.js';

/** How many rows of each table a seed writes. */
export interface SeedSize {
  agents: number;
  tasks: number;
  votes: number;
}

/**
 * Small enough that `npm start` answers within seconds (about 31 000 rows, seeded in a second or two);
 * SEED_AGENTS, SEED_TASKS and SEED_VOTES give a bigger data set (20 000 / 200 000 / 300 000 take ~30 s).
 */
export const DEFAULT_SEED_SIZE: SeedSize = { agents: 1_000, tasks: 10_000, votes: 20_000 };

/**
 * A uniform number in [0, 1) drawn from `row` and `salt`. It is Postgres' own integer hash rather than
 * random(), so a seed gives the same data on every run and both engines, and each statement stays one
 * set-based INSERT ... SELECT instead of a loop of inserts, which PGlite would take minutes over.
 */
function draw(row: string, salt: number): string {
  return `((hashint8((${row})::bigint * 7919 + ${salt}) & 2147483647)::float8 / 2147483648)`;
}

/** Picks an element of a SQL array literal with a draw. */
function pick(words: readonly string[], row: string, salt: number): string {
  const literal = `ARRAY[${words.map((word) => `'${word}'`).join(', ')}]`;
  return `(${literal})[1 + floor(${draw(row, salt)} * ${words.length})::int]`;
}

/**
 * Which agent a task or a vote goes to. Squaring the draw favours low ids, so a few agents are busy
 * and popular and most are not: the long tail a real leaderboard has.
 */
function agentFor(row: string, salt: number): string {
  return `1 + floor($1 * power(${draw(row, salt)}, 2))::int`;
}

/** How good an agent is, fixed per agent: it tilts both its task outcomes and its votes. */
const QUALITY = draw('agent_id', 99);

const ADJECTIVES = ['swift', 'quiet', 'bold', 'clever', 'steady', 'bright', 'lucid', 'patient', 'keen', 'nimble', 'calm', 'sharp'];
const NOUNS = ['otter', 'falcon', 'lynx', 'heron', 'badger', 'orca', 'raven', 'ibis', 'marten', 'gecko', 'kestrel', 'wombat'];
const VERBS = ['Summarize', 'Translate', 'Classify', 'Review', 'Refactor', 'Triage', 'Draft', 'Index', 'Audit', 'Label'];
const OBJECTS = ['support ticket', 'pull request', 'quarterly report', 'release notes', 'invoice batch', 'search logs', 'design doc', 'customer email', 'test failures', 'dataset sample'];

/**
 * Fills empty tables with a deterministic, realistic data set whose timestamps spread over the 30 days
 * before `now`, so that every daily and weekly leaderboard of that month has data. Agents get ids
 * 1..agents, and their reputation is the sum of their votes, as POST /votes keeps it.
 */
export async function seed(tx: Queryable, size: SeedSize, now: Date): Promise<void> {
  const at = now.toISOString();

  await tx.query(
    `INSERT INTO agents (id, name, status, created_at, updated_at)
     SELECT i, name, status, created_at, created_at
     FROM (
       SELECT i,
              ${pick(ADJECTIVES, 'i', 1)} || '-' || ${pick(NOUNS, 'i', 2)} || '-' || i AS name,
              CASE WHEN ${draw('i', 3)} < 0.75 THEN 'active'
                   WHEN ${draw('i', 3)} < 0.93 THEN 'idle'
                   ELSE 'suspended' END AS status,
              $2::timestamptz - interval '30 days' - ${draw('i', 4)} * interval '60 days' AS created_at
       FROM generate_series(1, $1) AS i
     ) AS generated`,
    [size.agents, at],
  );

  if (size.agents > 0) {
    // A task started a few minutes after it was queued and ran up to an hour. Tasks of the last three
    // hours are still queued or running; older ones are done or failed, more often done for a good agent.
    await tx.query(
      `INSERT INTO tasks (id, agent_id, title, status, created_at, started_at, finished_at)
       SELECT i, agent_id, title, status, created_at,
              CASE WHEN status = 'queued' THEN NULL
                   WHEN status = 'running' THEN created_at + ($2::timestamptz - created_at) * wait
                   ELSE created_at + wait * interval '10 minutes' END,
              CASE WHEN status IN ('done', 'failed')
                   THEN created_at + wait * interval '10 minutes' + (0.02 + run) * interval '1 hour' END
       FROM (
         SELECT i, agent_id, title, created_at, wait, run,
                CASE WHEN created_at > $2::timestamptz - interval '3 hours'
                       THEN CASE WHEN outcome < 0.4 THEN 'queued' ELSE 'running' END
                     WHEN outcome < 0.6 + 0.35 * ${QUALITY} THEN 'done'
                     ELSE 'failed' END AS status
         FROM (
           SELECT i, ${agentFor('i', 11)} AS agent_id,
                  ${pick(VERBS, 'i', 12)} || ' ' || ${pick(OBJECTS, 'i', 13)} || ' #' || i AS title,
                  $2::timestamptz - ${draw('i', 14)} * interval '30 days' AS created_at,
                  ${draw('i', 15)} AS wait,
                  ${draw('i', 16)} AS run,
                  ${draw('i', 17)} AS outcome
           FROM generate_series(1, $3) AS i
         ) AS drawn
       ) AS generated`,
      [size.agents, at, size.tasks],
    );

    await tx.query(
      `INSERT INTO votes (id, agent_id, voter, value, created_at)
       SELECT i, agent_id,
              'user-' || (1 + floor(${draw('i', 21)} * 25000)::int),
              CASE WHEN ${draw('i', 22)} < 0.35 + 0.55 * ${QUALITY} THEN 1 ELSE -1 END,
              $2::timestamptz - ${draw('i', 23)} * interval '30 days'
       FROM (SELECT i, ${agentFor('i', 24)} AS agent_id FROM generate_series(1, $3) AS i) AS drawn`,
      [size.agents, at, size.votes],
    );
  }

  await tx.query(
    `UPDATE agents SET reputation = tally.total, updated_at = greatest(agents.created_at, tally.last_vote)
     FROM (SELECT agent_id, sum(value)::int AS total, max(created_at) AS last_vote FROM votes GROUP BY agent_id) AS tally
     WHERE agents.id = tally.agent_id`,
  );

  // Explicit ids leave the identity sequences at 1; the next POST must not collide with seeded rows.
  for (const table of ['agents', 'tasks', 'votes']) {
    await tx.query(
      `SELECT setval(pg_get_serial_sequence('${table}', 'id'), coalesce(max(id), 0) + 1, false) FROM ${table}`,
    );
  }

  // Fresh tables have no planner statistics; without them the first leaderboard queries plan badly.
  await tx.query('ANALYZE agents, tasks, votes');
}
