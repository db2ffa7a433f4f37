import type { Database } from './database.js';
import { applySchema } from './schema.js';
import { seed, type SeedSize } from './seed.js';

export interface SetupOptions {
  /** Seed with this size when the database has no agents yet; `null` never seeds. */
  seed: SeedSize | null;
  /** Empty the tables first, so that the seed replaces whatever was there. */
  reset?: boolean;
}

export interface SetupResult {
  /** Milliseconds spent seeding, or `null` when nothing was seeded. */
  seededInMs: number | null;
}

/**
 * Creates the schema and seeds an empty database, in one transaction under an advisory lock: two
 * instances starting against the same PostgreSQL neither race on CREATE TABLE nor seed twice, and a
 * seed that fails halfway leaves no rows that would make the next start think the database is seeded.
 */
export async function setUpDatabase(db: Database, options: SetupOptions): Promise<SetupResult> {
  return db.transaction(async (tx) => {
    await tx.query(`SELECT pg_advisory_xact_lock(hashtext('tiercache.leaderboard.setup'))`);
    await applySchema(tx);
    if (options.seed === null) return { seededInMs: null };

    if (options.reset) {
      await tx.query('TRUNCATE votes, tasks, agent_sessions, agents RESTART IDENTITY');
    } else {
      const [{ empty }] = await tx.query<{ empty: boolean }>('SELECT NOT EXISTS (SELECT 1 FROM agents) AS empty');
      if (!empty) return { seededInMs: null };
    }

    const started = performance.now();
    await seed(tx, options.seed, new Date());
    return { seededInMs: Math.round(performance.now() - started) };
  });
}
