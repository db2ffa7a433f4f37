import { Injectable } from '@nestjs/common';
import { Database } from '../db/database.js';
import type { Agent, AgentPage, AgentStatus } from './agent.js';
import type { CreateAgent, UpdateAgent } from './agents.input.js';

const COLUMNS = 'id, name, status, reputation, created_at, updated_at';

@Injectable()
export class AgentsService {
  constructor(private readonly db: Database) {}

  /** A page of agents in id order, optionally of one status. */
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

  async findById(id: number): Promise<Agent | null> {
    const [agent] = await this.db.query<Agent>(`SELECT ${COLUMNS} FROM agents WHERE id = $1`, [id]);
    return agent ?? null;
  }

  async create(input: CreateAgent): Promise<Agent> {
    const [agent] = await this.db.query<Agent>(
      `INSERT INTO agents (name, status) VALUES ($1, $2) RETURNING ${COLUMNS}`,
      [input.name, input.status],
    );
    return agent;
  }

  /** Renames and/or changes the status of an agent; `null` when there is no such agent. */
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
