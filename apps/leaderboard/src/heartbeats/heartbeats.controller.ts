import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { AgentsService } from '../agents/agents.service.js';
import { BodyReader } from '../http/body.js';
import { orNotFound } from '../http/not-found.js';
import { ID } from '../http/pipes.js';
import type { Presence } from './heartbeat.js';
import { HeartbeatsService } from './heartbeats.service.js';

@Controller('agents')
export class HeartbeatsController {
  constructor(
    private readonly heartbeats: HeartbeatsService,
    private readonly agents: AgentsService,
  ) {}

  /** `{ session }`. 202: accepted, in the database within a flush interval. */
  @Post(':id/heartbeat')
  @HttpCode(202)
  async beat(@Param('id', ID) id: number, @Body() body: unknown): Promise<{ agent_id: number; session: string; last_seen: string; queued: boolean }> {
    const reader = new BodyReader(body, ['session']);
    const session = reader.required('session', reader.string('session', 100));
    // The agent's cached row: a heartbeat costs no database read.
    orNotFound(await this.agents.findById(id), 'agent', id);
    const { heartbeat, queued } = await this.heartbeats.beat(id, session);
    return { agent_id: id, session, last_seen: heartbeat.last_seen, queued };
  }

  @Get(':id/presence')
  async presence(@Param('id', ID) id: number): Promise<Presence> {
    orNotFound(await this.agents.findById(id), 'agent', id);
    return this.heartbeats.presence(id);
  }
}
