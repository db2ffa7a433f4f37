import { Module } from '@nestjs/common';
import { WriteBehindModule } from '@tiercache/nestjs/write-behind';
import { AgentsModule } from '../agents/agents.module.js';
import { CACHES } from '../cache/cache-policy.js';
import { Database } from '../db/database.js';
import { HEARTBEATS, type Heartbeat } from './heartbeat.js';
import { HeartbeatsController } from './heartbeats.controller.js';
import { HeartbeatsService } from './heartbeats.service.js';
import { writeHeartbeats } from './heartbeats.writer.js';

/**
 * Agent heartbeats: frequent, small, and fine to reach the database a moment later, so they go
 * through write-behind (durable in Redis; in memory, and said so at startup, without REDIS_URL).
 */
@Module({
  imports: [
    AgentsModule,
    WriteBehindModule.registerAsync<Heartbeat>({
      name: HEARTBEATS,
      inject: [Database],
      useFactory: (db: Database) => ({
        cache: CACHES.activity,
        writer: (batch) => writeHeartbeats(db, batch),
        maxBatch: 500,
        flushEveryMs: 200,
      }),
    }),
  ],
  controllers: [HeartbeatsController],
  providers: [HeartbeatsService],
})
export class HeartbeatsModule {}
