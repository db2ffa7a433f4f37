import type { INestApplication, LoggerService, LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module.js';
import type { AppConfig } from './config.js';

export interface CreateAppOptions {
  /** Nest's log levels or a logger; tests turn logging off with `false`, or capture it. */
  logger?: LogLevel[] | LoggerService | false;
}

/**
 * Builds the app, initialised (database open, schema applied, seeded) but not listening: main.ts
 * listens on a port, tests hand `app.getHttpServer()` to supertest.
 */
export async function createApp(config: AppConfig, options: CreateAppOptions = {}): Promise<INestApplication> {
  const app = await NestFactory.create(AppModule.forRoot(config), {
    // Nest's default on a failed start is process.abort(); a thrown error lets main.ts exit cleanly
    // and lets a test report what went wrong.
    abortOnError: false,
    ...(options.logger !== undefined && { logger: options.logger }),
  });
  await app.init();
  return app;
}
