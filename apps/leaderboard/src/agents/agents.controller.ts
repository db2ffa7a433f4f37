import { Body, Controller, Get, Param, Patch, Post, Query } from '@nestjs/common';
import { orNotFound } from '../http/not-found.js';
import { ID, IntPipe, LIMIT, OneOfPipe } from '../http/pipes.js';
import { AGENT_STATUSES, type Agent, type AgentPage, type AgentStats, type AgentStatus } from './agent.js';
import { readCreateAgent, readUpdateAgent } from './agents.input.js';
import { AgentsService } from './agents.service.js';
import { StatsService } from './stats.service.js';

@Controller('agents')
export class AgentsController {
  constructor(
    private readonly agents: AgentsService,
    private readonly statsService: StatsService,
  ) {}

  @Get()
  list(
    @Query('status', new OneOfPipe(AGENT_STATUSES)) status: AgentStatus | undefined,
    @Query('limit', LIMIT) limit: number,
    @Query('offset', new IntPipe({ min: 0, max: 1_000_000, default: 0 })) offset: number,
  ): Promise<AgentPage> {
    return this.agents.list(status, limit, offset);
  }

  @Get(':id')
  async findById(@Param('id', ID) id: number): Promise<Agent> {
    return orNotFound(await this.agents.findById(id), 'agent', id);
  }

  @Get(':id/stats')
  async stats(@Param('id', ID) id: number): Promise<AgentStats> {
    return orNotFound(await this.statsService.forAgent(id), 'agent', id);
  }

  @Post()
  create(@Body() body: unknown): Promise<Agent> {
    return this.agents.create(readCreateAgent(body));
  }

  @Patch(':id')
  async update(@Param('id', ID) id: number, @Body() body: unknown): Promise<Agent> {
    return orNotFound(await this.agents.update(id, readUpdateAgent(body)), 'agent', id);
  }
}
