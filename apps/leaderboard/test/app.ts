import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { createApp } from '../src/app.factory.js';
import type { AppConfig } from '../src/config.js';

/** Embedded PGlite with a small seed: big enough for every endpoint to have data, quick to build. */
export const TEST_CONFIG: AppConfig = {
  port: 0,
  databaseUrl: undefined,
  seedOnStart: true,
  seedSize: { agents: 200, tasks: 2_000, votes: 3_000 },
};

/** Starting PGlite takes a few seconds on its own. */
export const START_TIMEOUT_MS = 60_000;

export function startApp(): Promise<INestApplication> {
  return createApp(TEST_CONFIG, { logger: false });
}

/** A supertest agent for the app's routes. */
export function http(app: INestApplication) {
  return request(app.getHttpServer());
}
