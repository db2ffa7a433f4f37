import { Module } from '@nestjs/common';
import { AgentsController } from './agents.controller.js';
import { AgentsService } from './agents.service.js';
import { AgentsWarmer } from './agents.warmer.js';
import { StatsService } from './stats.service.js';

@Module({
  controllers: [AgentsController],
  providers: [AgentsService, StatsService, AgentsWarmer],
  // Heartbeats check that the agent exists through its cached read.
  exports: [AgentsService],
})
export class AgentsModule {}
