import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { CacheHealthModule } from '@tiercache/nestjs/health';
import { WriteBehindHealthIndicator } from '@tiercache/nestjs/write-behind/health';
import { DatabaseHealthIndicator } from './database.indicator.js';
import { HealthController } from './health.controller.js';

@Module({
  imports: [TerminusModule, CacheHealthModule],
  controllers: [HealthController],
  providers: [DatabaseHealthIndicator, WriteBehindHealthIndicator],
})
export class HealthModule {}
