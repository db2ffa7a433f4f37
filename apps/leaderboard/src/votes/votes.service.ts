import { Injectable } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { CacheEvict } from '@tiercache/nestjs';
import type { Agent } from '../agents/agent.js';
import { CACHES, EVENTS, TAGS } from '../cache/cache-policy.js';
import { Database } from '../db/database.js';
import type { CastVote, Vote } from './vote.js';
import type { NewVote } from './votes.input.js';

@Injectable()
export class VotesService {
  constructor(
    private readonly db: Database,
    private readonly events: EventEmitter2,
  ) {}

  /**
   * Records a vote and moves the agent's reputation by its value, in one transaction so reputation
   * always equals the sum of the agent's votes; `null` when there is no such agent.
   *
   * A vote moves the agent's reputation (its row, the list pages and stats that show it), evicted
   * here, and the boards of the windows open now, which it may enter: `vote.cast` tells them (see
   * LeaderboardService), awaited so the voter's next read sees the vote. Boards of closed windows cannot change.
   */
  @CacheEvict({ cache: CACHES.agents, tags: (input: NewVote) => [TAGS.agent(input.agent_id)] })
  @CacheEvict({ cache: CACHES.activity, tags: (input: NewVote) => [TAGS.agent(input.agent_id)] })
  async cast(input: NewVote): Promise<CastVote | null> {
    const cast = await this.record(input);
    if (cast !== null) await this.events.emitAsync(EVENTS.voteCast, cast.vote);
    return cast;
  }

  private async record(input: NewVote): Promise<CastVote | null> {
    return this.db.transaction(async (tx) => {
      // Updating the agent first both checks that it exists and locks its row, so concurrent votes
      // for one agent queue up instead of losing an increment.
      const [agent] = await tx.query<Agent>(
        `UPDATE agents SET reputation = reputation + $2, updated_at = now() WHERE id = $1
         RETURNING id, name, status, reputation, created_at, updated_at`,
        [input.agent_id, input.value],
      );
      if (agent === undefined) return null;
      const [vote] = await tx.query<Vote>(
        `INSERT INTO votes (agent_id, voter, value) VALUES ($1, $2, $3)
         RETURNING id, agent_id, voter, value, created_at`,
        [input.agent_id, input.voter, input.value],
      );
      return { vote, agent };
    });
  }
}
