import { Injectable } from '@nestjs/common';
import { CacheEvict, CachePut, CacheTags, Cacheable } from '@tiercache/nestjs';
import { InjectAbsentKeyFilter, type AbsentKeyFilter } from '@tiercache/nestjs/absent-keys';
import { AGENT_IDS, CACHES, KEYS, TAGS } from '../cache/cache-policy.js';
import { Database } from '../db/database.js';
import type { Agent, AgentPage, AgentStatus } from './agent.js';
import type { CreateAgent, UpdateAgent } from './agents.input.js';

const COLUMNS = 'id, name, status, reputation, created_at, updated_at';

function boardTags(id: number, input: UpdateAgent): string[] {
  return input.status === undefined ? [TAGS.ranked(id)] : [TAGS.boards];
}

@Injectable()
export class AgentsService {
  constructor(
    private readonly db: Database,
    @InjectAbsentKeyFilter(AGENT_IDS.name) private readonly agentIds: AbsentKeyFilter,
  ) {}

  /** A page of agents in id order, optionally of one status. */
  @Cacheable({ cache: CACHES.agents, key: KEYS.agentPage })
  // Tagged with every agent on the page, so a vote or a rename evicts only the pages that show it.
  @CacheTags(TAGS.lists, (_status: unknown, _limit: number, _offset: number, page: AgentPage) => page.items.map((agent) => TAGS.agent(agent.id)))
  async list(status: AgentStatus | undefined, limit: number, offset: number): Promise<AgentPage> {
    const filter = status === undefined ? '' : 'WHERE status = $1';
    const params = status === undefined ? [] : [status];
    const items = await this.db.query<Agent>(
      `SELECT ${COLUMNS} FROM agents ${filter}
       ORDER BY id LIMIT $${params.length + 1} OFFSET $${params.length + 2}`,
      [...params, limit, offset],
    );
    const [{ total }] = await this.db.query<{ total: number }>(
      `SELECT count(*)::int AS total FROM agents ${filter}`,
      params,
    );
    return { items, total, limit, offset };
  }

  /**
   * `null` for an unknown id: at once, without a query, for an id the `agent-ids` filter never saw;
   * negative-cached briefly (see TTL_PROFILES) for the others (deleted, or a false positive of the filter).
   */
  @Cacheable({ cache: CACHES.agents, key: KEYS.agent, absentKeys: AGENT_IDS.name })
  @CacheTags((id: number, agent: Agent | null) => (agent === null ? TAGS.missing : TAGS.agent(id)))
  async findById(id: number): Promise<Agent | null> {
    const [agent] = await this.db.query<Agent>(`SELECT ${COLUMNS} FROM agents WHERE id = $1`, [id]);
    return agent ?? null;
  }

  /** Every agent id, as the `agent-ids` filter's rebuild reads them. */
  async ids(): Promise<number[]> {
    const rows = await this.db.query<{ id: number }>('SELECT id FROM agents');
    return rows.map((row) => row.id);
  }

  /** The `active` agents with the most reputation first: what the startup warmer preloads. */
  async mostReputable(limit: number): Promise<Agent[]> {
    return this.db.query<Agent>(
      `SELECT ${COLUMNS} FROM agents WHERE status = 'active' ORDER BY reputation DESC, id LIMIT $1`,
      [limit],
    );
  }

  // A new agent changes every list's total, and its id may have been looked up (and negative-cached)
  // before it existed: ids are serial, so "agent 201 not found" is exactly what the next POST creates.
  @CacheEvict({ cache: CACHES.agents, tags: [TAGS.lists, TAGS.missing] })
  @CacheEvict({ cache: CACHES.activity, tags: [TAGS.missing] })
  async create(input: CreateAgent): Promise<Agent> {
    const [agent] = await this.db.query<Agent>(
      `INSERT INTO agents (name, status) VALUES ($1, $2) RETURNING ${COLUMNS}`,
      [input.name, input.status],
    );
    // Committed: from now on the filter (shared by the fleet through Redis) must let its id load.
    await this.agentIds.add(KEYS.agent(agent.id));
    return agent;
  }

  /**
   * Renames and/or changes the status of an agent; `null` when there is no such agent.
   *
   * Order matters: @CachePut is the outermost wrapper, so it stores the new row *after* the
   * evictions below ran. Were it inside them, the `agent:<id>` eviction would kill the entry it just
   * wrote (an entry is dead when it was written at or before its tag's invalidation).
   */
  @CachePut({ cache: CACHES.agents, key: KEYS.agent, unless: (agent) => agent === null })
  @CacheTags((id: number) => TAGS.agent(id))
  // The list pages that show its row (its stats show neither name nor status); a new status also
  // moves it between the status-filtered lists and their totals.
  @CacheEvict({
    cache: CACHES.agents,
    tags: (id: number, input: UpdateAgent) => (input.status === undefined ? [TAGS.agent(id)] : [TAGS.agent(id), TAGS.lists]),
  })
  // Boards show the name and status of the agents they rank. A rename changes the boards that rank it;
  // a status change can also add it to boards that didn't (suspended agents are left out of every
  // board), so it evicts them all: status changes are rare, boards are quick to rebuild.
  @CacheEvict({ cache: CACHES.liveBoards, tags: (id: number, input: UpdateAgent) => boardTags(id, input) })
  @CacheEvict({ cache: CACHES.pastBoards, tags: (id: number, input: UpdateAgent) => boardTags(id, input) })
  async update(id: number, input: UpdateAgent): Promise<Agent | null> {
    const [agent] = await this.db.query<Agent>(
      `UPDATE agents
       SET name = coalesce($2, name), status = coalesce($3, status), updated_at = now()
       WHERE id = $1
       RETURNING ${COLUMNS}`,
      [id, input.name ?? null, input.status ?? null],
    );
    return agent ?? null;
  }
}
