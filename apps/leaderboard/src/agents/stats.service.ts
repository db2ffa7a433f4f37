import { Injectable } from '@nestjs/common';
import { CacheTags, Cacheable } from '@tiercache/nestjs';
import { CACHES, KEYS, TAGS } from '../cache/cache-policy.js';
import { Database } from '../db/database.js';
import type { AgentStats } from './agent.js';

interface StatsRow {
  agent_id: number;
  reputation: number;
  total: number;
  queued: number;
  running: number;
  done: number;
  failed: number;
  up: number;
  down: number;
}

/** Per-agent figures aggregated from its tasks and votes on every call: nothing is precomputed. */
@Injectable()
export class StatsService {
  constructor(private readonly db: Database) {}

  /** Task counts by status, success rate, votes up and down, reputation; `null` for an unknown agent. */
  @Cacheable({ cache: CACHES.activity, key: KEYS.stats })
  // `agent:` because it shows the reputation (votes evict it); `activity:` for task changes.
  @CacheTags((id: number, stats: AgentStats | null) => (stats === null ? [TAGS.missing] : [TAGS.agent(id), TAGS.activity(id)]))
  async forAgent(agentId: number): Promise<AgentStats | null> {
    const [row] = await this.db.query<StatsRow>(
      `SELECT a.id AS agent_id, a.reputation, t.*, v.*
       FROM agents a
       CROSS JOIN LATERAL (
         SELECT count(*)::int AS total,
                count(*) FILTER (WHERE status = 'queued')::int AS queued,
                count(*) FILTER (WHERE status = 'running')::int AS running,
                count(*) FILTER (WHERE status = 'done')::int AS done,
                count(*) FILTER (WHERE status = 'failed')::int AS failed
         FROM tasks WHERE agent_id = a.id
       ) AS t
       CROSS JOIN LATERAL (
         SELECT count(*) FILTER (WHERE value > 0)::int AS up,
                count(*) FILTER (WHERE value < 0)::int AS down
         FROM votes WHERE agent_id = a.id
       ) AS v
       WHERE a.id = $1`,
      [agentId],
    );
    if (row === undefined) return null;

    const { total, queued, running, done, failed } = row;
    const finished = done + failed;
    return {
      agent_id: row.agent_id,
      reputation: row.reputation,
      tasks: {
        total,
        queued,
        running,
        done,
        failed,
        success_rate: finished === 0 ? null : Math.round((done / finished) * 10_000) / 10_000,
      },
      votes: { up: row.up, down: row.down },
    };
  }
}
