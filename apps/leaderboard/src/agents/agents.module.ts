import { Module } from '@nestjs/common';
import { AbsentKeysModule } from '@tiercache/nestjs/absent-keys';
import { AGENT_IDS, CACHES } from '../cache/cache-policy.js';
import { AgentsController } from './agents.controller.js';
import { AgentsService } from './agents.service.js';
import { AgentsWarmer } from './agents.warmer.js';
import { StatsService } from './stats.service.js';

@Module({
  imports: [
    AbsentKeysModule.register({ name: AGENT_IDS.name, cache: CACHES.agents, expectedItems: AGENT_IDS.expectedItems, falsePositiveRate: AGENT_IDS.falsePositiveRate }),
  ],
  controllers: [AgentsController],
  providers: [AgentsService, StatsService, AgentsWarmer],
  // Heartbeats check that the agent exists through its cached read.
  exports: [AgentsService],
})
export class AgentsModule {}
