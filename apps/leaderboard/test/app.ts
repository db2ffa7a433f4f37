import type { INestApplication, LoggerService } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { createApp } from '../src/app.factory.js';
import type { AppConfig } from '../src/config.js';

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
