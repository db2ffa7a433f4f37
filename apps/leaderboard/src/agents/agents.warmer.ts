import { Injectable } from '@nestjs/common';
import { CacheWarmer, type WarmerContext } from '@tiercache/nestjs/warmers';
import { InjectAbsentKeyFilter, type AbsentKeyFilter } from '@tiercache/nestjs/absent-keys';
import { AGENT_IDS, CACHES, KEYS, TAGS } from '../cache/cache-policy.js';
import { AgentsService } from './agents.service.js';

/**
 * How many active agents are preloaded: the most reputable are the ones boards link to and people
 * open. All of them would not fit L1's default 10 000 entries on the default seed (15 000 active).
 */
export const WARM_AGENTS = 1_000;

@Injectable()
export class AgentsWarmer {
  constructor(
    private readonly agents: AgentsService,
    @InjectAbsentKeyFilter(AGENT_IDS.name) private readonly agentIds: AbsentKeyFilter,
  ) {}

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

  /**
   * Rebuilds the `agent-ids` filter from the database into a new filter and swaps it in: at startup
   * and every minute, once per fleet (exclusive). Ids are read once the new filter is open, and
   * agents created meanwhile are added to it, so none is ever answered 404 by mistake.
   */
  @CacheWarmer({ name: AGENT_IDS.name, runOnStartup: true, everyMs: AGENT_IDS.rebuildEveryMs, cache: CACHES.agents, timeoutMs: 30_000 })
  async rebuildAgentIds(ctx: WarmerContext): Promise<void> {
    await this.agentIds.rebuild(async () => (await this.agents.ids()).map((id) => KEYS.agent(id)), { signal: ctx.signal, onProgress: ctx.progress });
  }
}
