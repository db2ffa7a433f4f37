import { Injectable } from '@nestjs/common';
import { CacheWarmer, type WarmerContext } from '@tiercache/nestjs/warmers';
import { CACHES, KEYS, TAGS } from '../cache/cache-policy.js';
import { AgentsService } from './agents.service.js';

/**
 * How many active agents are preloaded: the most reputable are the ones boards link to and people
 * open. All of them would not fit L1's default 10 000 entries on the default seed (15 000 active).
 */
export const WARM_AGENTS = 1_000;

@Injectable()
export class AgentsWarmer {
  constructor(private readonly agents: AgentsService) {}

  /**
   * At startup, loads the most reputable active agents with one query and writes them in one pipelined
   * batch, under the same keys and tags as AgentsService.findById, so a new instance does not meet its
   * first traffic with a cold cache.
   */
  @CacheWarmer({ name: 'active-agents', runOnStartup: true, cache: CACHES.agents, timeoutMs: 30_000 })
  async warm(ctx: WarmerContext): Promise<void> {
    const agents = await this.agents.mostReputable(WARM_AGENTS);
    ctx.signal.throwIfAborted();
    await ctx.setMany(agents.map((agent) => ({ key: KEYS.agent(agent.id), value: agent, options: { tags: [TAGS.agent(agent.id)] } })));
  }
}
