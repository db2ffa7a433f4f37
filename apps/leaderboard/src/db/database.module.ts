import { Logger, Module, type DynamicModule, type OnApplicationShutdown } from '@nestjs/common';
import { Database } from './database.js';
import { PgliteDatabase } from './pglite.database.js';
import { PostgresDatabase } from './postgres.database.js';
import type { SeedSize } from './seed.js';
import { setUpDatabase } from './setup.js';

export interface DatabaseOptions {
  /** PostgreSQL connection string; without one the app runs on embedded, in-memory PGlite. */
  url: string | undefined;
  /** Seed size for an empty database, or `null` to never seed on start. */
  seed: SeedSize | null;
}

/**
 * Provides `Database` to the whole app: opens the engine the options ask for, creates the schema,
 * seeds an empty database, and closes the connection when the app shuts down.
 */
@Module({})
export class DatabaseModule implements OnApplicationShutdown {
  constructor(private readonly db: Database) {}

  static forRoot(options: DatabaseOptions): DynamicModule {
    return {
      module: DatabaseModule,
      // Global: every feature module's service needs it, and there is only ever one.
      global: true,
      providers: [{ provide: Database, useFactory: () => openDatabase(options) }],
      exports: [Database],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await this.db.close();
  }
}

async function openDatabase(options: DatabaseOptions): Promise<Database> {
  const logger = new Logger('Database');
  const db = options.url ? new PostgresDatabase(options.url) : await PgliteDatabase.open();
  logger.log(`using ${db.engine}`);
  try {
    const { seededInMs } = await setUpDatabase(db, { seed: options.seed });
    if (seededInMs !== null && options.seed) {
      const { agents, tasks, votes } = options.seed;
      logger.log(`seeded ${agents} agents, ${tasks} tasks and ${votes} votes in ${(seededInMs / 1000).toFixed(1)} s`);
    }
    return db;
  } catch (error) {
    // Nest never sees this provider if its factory throws, so nothing else would close the pool.
    await db.close();
    throw error;
  }
}
