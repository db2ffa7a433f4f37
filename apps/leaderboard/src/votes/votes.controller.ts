import { Body, Controller, Post } from '@nestjs/common';
import { orNotFound } from '../http/not-found.js';
import type { CastVote } from './vote.js';
import { readVote } from './votes.input.js';
import { VotesService } from './votes.service.js';

@Controller('votes')
export class VotesController {
  constructor(private readonly votes: VotesService) {}

  @Post()
  async cast(@Body() body: unknown): Promise<CastVote> {
    const input = readVote(body);
    return orNotFound(await this.votes.cast(input), 'agent', input.agent_id);
  }
}
