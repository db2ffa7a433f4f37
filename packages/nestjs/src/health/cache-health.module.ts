import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { CacheHealthIndicator } from './cache-health.indicator.js';

/**
 * Provides `CacheHealthIndicator`, and Terminus' `HealthCheckService` with it. Import it where your
 * health controller lives; `CacheModule` (and `WarmersModule`, whose warmers it can check) may live anywhere.
 */
@Module({
  imports: [TerminusModule],
  providers: [CacheHealthIndicator],
  exports: [CacheHealthIndicator, TerminusModule],
})
export class CacheHealthModule {}
