import type { INestApplication, LoggerService, LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { ExpressAdapter } from '@nestjs/platform-express';
import { AppModule } from './app.module.js';
import type { AppConfig } from './config.js';

export interface CreateAppOptions {
  /** Nest's log levels or a logger; tests turn logging off with `false`, or capture it. */
  logger?: LogLevel[] | LoggerService | false;
  /** The Express adapter to build on: main.ts serves its instance from an HTTP server it already opened. */
  adapter?: ExpressAdapter;
}

/**
 * Builds the app, initialised (database open, schema applied, seeded) but not listening: main.ts
 * listens on a port, tests hand `app.getHttpServer()` to supertest.
 */
export async function createApp(config: AppConfig, options: CreateAppOptions = {}): Promise<INestApplication> {
  const nestOptions = {
    // Nest's default on a failed start is process.abort(); a thrown error lets main.ts exit cleanly
    // and lets a test report what went wrong.
    abortOnError: false,
    ...(options.logger !== undefined && { logger: options.logger }),
  };
  const module = AppModule.forRoot(config);
  const app = options.adapter ? await NestFactory.create(module, options.adapter, nestOptions) : await NestFactory.create(module, nestOptions);
  await app.init();
  return app;
}
