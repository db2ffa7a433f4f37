import type { INestApplication, LoggerService } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { TieredCache } from '@tiercache/nestjs';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { createApp } from '../src/app.factory.js';
import { AppModule } from '../src/app.module.js';
import type { AppConfig } from '../src/config.js';
import { Database } from '../src/db/database.js';
import { PgliteDatabase } from '../src/db/pglite.database.js';
import { setUpDatabase } from '../src/db/setup.js';

/**
 * Embedded PGlite with a small seed: big enough for every endpoint to have data, quick to build. With
 * the Redis of the Jest global setup, so every test runs the full tiers, in a namespace of its own
 * (spec files run in parallel against that one Redis, each on its own database).
 */
export const TEST_CONFIG: AppConfig = {
  port: 0,
  databaseUrl: undefined,
  seedOnStart: true,
  seedSize: { agents: 200, tasks: 2_000, votes: 3_000 },
  redisUrl: process.env.REDIS_URL,
  cacheEnabled: true,
  cacheNamespace: 'leaderboard-test',
};

/** Starting PGlite takes a few seconds on its own. */
export const START_TIMEOUT_MS = 60_000;

/** TEST_CONFIG with a fresh cache namespace, and the overrides. */
export function testConfig(overrides: Partial<AppConfig> = {}): AppConfig {
  return { ...TEST_CONFIG, cacheNamespace: `lb-test-${randomUUID()}`, ...overrides };
}

export function startApp(overrides: Partial<AppConfig> = {}, logger: LoggerService | false = false): Promise<INestApplication> {
  return createApp(testConfig(overrides), { logger });
}

/**
 * Instances of the app as pods run them: one database, one Redis, one cache namespace, each its own
 * L1. An in-memory PGlite lives in one process's memory, so every instance is given the same
 * Database object in place of the one DatabaseModule would open.
 */
export class Fleet {
  readonly config = testConfig();
  readonly #apps: INestApplication[] = [];

  private constructor(readonly db: PgliteDatabase) {}

  static async open(): Promise<Fleet> {
    const db = await PgliteDatabase.open();
    try {
      await setUpDatabase(db, { seed: TEST_CONFIG.seedSize });
    } catch (error) {
      await db.close();
      throw error;
    }
    return new Fleet(db);
  }

  /** Starts an instance, its cache connected to Redis; `database` overrides what it sees of the shared one. */
  async start(database: Partial<Database> = {}): Promise<INestApplication> {
    // Closing an instance closes its Database; the shared one is closed once, by close().
    const shared = Object.assign(Object.create(this.db) as Database, { close: async () => undefined }, database);
    const moduleRef = await Test.createTestingModule({ imports: [AppModule.forRoot(this.config)] })
      .overrideProvider(Database)
      .useValue(shared)
      .compile();
    const app = moduleRef.createNestApplication({ logger: false });
    this.#apps.push(app);
    await app.init();
    // Bounded, and generous: a loaded machine connects slowly, and the tests need Redis up.
    if (!(await app.get(TieredCache).ready(10_000))) throw new Error('the instance did not connect to Redis');
    return app;
  }

  /** Every instance, last started first, then the database. */
  async close(): Promise<void> {
    for (const app of this.#apps.splice(0).reverse()) await app.close();
    await this.db.close();
  }
}

/** A supertest agent for the app's routes. */
export function http(app: INestApplication) {
  return request(app.getHttpServer());
}

/** Keeps what Nest logs, to assert on it. */
export class CapturingLogger implements LoggerService {
  readonly lines: { level: string; context: string | undefined; message: string }[] = [];

  log(message: unknown, context?: string): void {
    this.push('log', message, context);
  }
  warn(message: unknown, context?: string): void {
    this.push('warn', message, context);
  }
  error(message: unknown, context?: string): void {
    this.push('error', message, context);
  }

  private push(level: string, message: unknown, context: string | undefined): void {
    this.lines.push({ level, context, message: String(message) });
  }
}
