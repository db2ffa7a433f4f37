import { Module, type DynamicModule } from '@nestjs/common';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { ScheduleModule } from '@nestjs/schedule';
import { CacheModule } from '@tiercache/nestjs';
import { CacheEventsModule } from '@tiercache/nestjs/events';
import { HotKeysModule } from '@tiercache/nestjs/hot-keys';
import { HttpCacheModule } from '@tiercache/nestjs/http';
import { InspectorModule } from '@tiercache/nestjs/inspector';
import { WarmersModule } from '@tiercache/nestjs/warmers';
import { AgentsModule } from './agents/agents.module.js';
import { APP_CONFIG, CacheModeReporter } from './cache/cache-mode.reporter.js';
import { CACHES, HOT_AGENTS, cacheModuleOptions, httpCacheTtl } from './cache/cache-policy.js';
import type { AppConfig } from './config.js';
import { DatabaseModule } from './db/database.module.js';
import { HealthModule } from './health/health.module.js';
import { HeartbeatsModule } from './heartbeats/heartbeats.module.js';
import { IndexController } from './http/index.controller.js';
import { inspectorOptions } from './inspector/inspector-policy.js';
import { LeaderboardModule } from './leaderboard/leaderboard.module.js';
import { MetricsModule } from './metrics/metrics.module.js';
import { TasksModule } from './tasks/tasks.module.js';
import { VotesModule } from './votes/votes.module.js';
import { WorkspacesModule } from './workspaces/workspaces.module.js';

@Module({})
export class AppModule {
  /** The configuration comes in as an argument, not from the environment, so tests choose their own. */
  static forRoot(config: AppConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        DatabaseModule.forRoot({
          url: config.databaseUrl,
          seed: config.seedOnStart ? config.seedSize : null,
        }),
        CacheModule.forRoot({ isGlobal: true, ...cacheModuleOptions(config) }),
        // Votes and finished tasks are announced as events; the caches that depend on them say so
        // (`invalidateOn`), and this applies it on every instance.
        EventEmitterModule.forRoot(),
        CacheEventsModule.forRoot(),
        // Whole GET responses of the routes that ask for it (leaderboards, workspaces), with ETag and 304.
        HttpCacheModule.forRoot({ ttl: httpCacheTtl(config) }),
        ScheduleModule.forRoot(),
        // Startup warms finish before the app listens: an instance joins the fleet with a warm cache.
        WarmersModule.forRoot({ startup: 'await' }),
        // The fleet's hottest agents, shared through Redis, warmed into a starting instance's L1.
        ...(config.redisUrl === undefined ? [] : [HotKeysModule.register({ cache: CACHES.agents, ...HOT_AGENTS })]),
        AgentsModule,
        HeartbeatsModule,
        TasksModule,
        VotesModule,
        LeaderboardModule,
        WorkspacesModule,
        HealthModule,
        MetricsModule.forRoot(),
        // Reads the same CacheMetrics that /metrics exports; logs where it is mounted and how it is guarded.
        InspectorModule.forRoot(inspectorOptions(config)),
      ],
      controllers: [IndexController],
      providers: [{ provide: APP_CONFIG, useValue: config }, CacheModeReporter],
    };
  }
}
