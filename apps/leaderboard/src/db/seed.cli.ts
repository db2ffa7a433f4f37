/**
 * Seeds the PostgreSQL database named by DATABASE_URL, with the sizes from SEED_AGENTS, SEED_TASKS and
 * SEED_VOTES:
 *
 *   DATABASE_URL=postgres://localhost/leaderboard node apps/leaderboard/dist/db/seed.cli.js [--reset]
 *
 * It creates the schema, then seeds if the database has no agents; --reset empties the tables first.
 * The embedded PGlite needs no CLI: it lives in the app's memory, and the app seeds it on start.
 */
import { loadConfig } from '../config.js';
import { PostgresDatabase } from './postgres.database.js';
import { setUpDatabase } from './setup.js';

const USAGE = 'usage: DATABASE_URL=postgres://… node dist/db/seed.cli.js [--reset]';

async function main(args: readonly string[]): Promise<void> {
  const unknown = args.filter((arg) => arg !== '--reset');
  if (unknown.length > 0) throw new Error(`unknown argument ${unknown.join(' ')}\n${USAGE}`);
  const config = loadConfig();
  if (config.databaseUrl === undefined) throw new Error(`DATABASE_URL is not set\n${USAGE}`);

  const db = new PostgresDatabase(config.databaseUrl);
  try {
    const { seededInMs } = await setUpDatabase(db, { seed: config.seedSize, reset: args.includes('--reset') });
    const { agents, tasks, votes } = config.seedSize;
    console.log(
      seededInMs === null
        ? `${db.engine} already has agents: nothing seeded (pass --reset to replace them)`
        : `seeded ${db.engine} with ${agents} agents, ${tasks} tasks and ${votes} votes in ${(seededInMs / 1000).toFixed(1)} s`,
    );
  } finally {
    await db.close();
  }
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exitCode = 1;
});
