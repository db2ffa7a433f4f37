import { Controller, Get } from '@nestjs/common';
import { HealthCheck, HealthCheckService, type HealthCheckResult } from '@nestjs/terminus';
import { CacheHealthIndicator } from '@tiercache/nestjs/health';
import { WriteBehindHealthIndicator } from '@tiercache/nestjs/write-behind/health';
import { HEARTBEATS } from '../heartbeats/heartbeat.js';
import { DatabaseHealthIndicator } from './database.indicator.js';

/** Warmers whose last success is older than this make the cache `degraded`: the live boards warm every minute. */
const MAX_WARMER_AGE_MS = { leaderboards: 5 * 60_000 };
/** Heartbeats flush every 200 ms: ten seconds behind means the database is not keeping up. */
const MAX_HEARTBEAT_LAG_MS = 10_000;

@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly database: DatabaseHealthIndicator,
    private readonly cache: CacheHealthIndicator,
    private readonly writeBehind: WriteBehindHealthIndicator,
  ) {}

  /**
   * 200 while the database answers and the cache can serve (degraded included: a full L1 or a late
   * warmer still serves), 503 otherwise. Without Redis the cache check covers L1 only.
   */
  @Get()
  @HealthCheck()
  check(): Promise<HealthCheckResult> {
    return this.health.check([
      () => this.database.ping('database'),
      () => this.cache.isHealthy('cache', { maxWarmerAgeMs: MAX_WARMER_AGE_MS }),
      () => this.writeBehind.isHealthy(HEARTBEATS, { queue: HEARTBEATS, maxLagMs: MAX_HEARTBEAT_LAG_MS }),
    ]);
  }
}
