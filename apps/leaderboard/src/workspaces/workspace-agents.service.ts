import { Injectable, type OnModuleInit } from '@nestjs/common';
import { CacheEvict, CacheTags, Cacheable } from '@tiercache/nestjs';
import { CACHES, TAGS } from '../cache/cache-policy.js';
import { Database } from '../db/database.js';
import { AGENTS_PER_WORKSPACE, TENANTS, type WorkspaceAgent } from './workspace-agent.js';

/*
 * Keys and tags name no tenant: the `workspaces` cache is tenant-scoped, so `['agent', 1]` of acme
 * and of globex are different entries and `agent:1` different tags. The tenant argument is for SQL.
 */
@Injectable()
export class WorkspaceAgentsService implements OnModuleInit {
  constructor(private readonly db: Database) {}

  /** A fixed demo set per workspace, kept if it is there already. */
  async onModuleInit(): Promise<void> {
    const rows = TENANTS.flatMap((tenant) => Array.from({ length: AGENTS_PER_WORKSPACE }, (_, i) => [tenant, i + 1, `${tenant}-agent-${i + 1}`]));
    const values = rows.map((_, i) => `($${i * 3 + 1}, $${i * 3 + 2}, $${i * 3 + 3})`).join(', ');
    await this.db.query(`INSERT INTO workspace_agents (tenant, id, name) VALUES ${values} ON CONFLICT DO NOTHING`, rows.flat());
  }

  @Cacheable({ cache: CACHES.workspaces, key: 'agents' })
  @CacheTags(TAGS.lists)
  async list(tenant: string): Promise<WorkspaceAgent[]> {
    return this.db.query<WorkspaceAgent>('SELECT tenant, id, name FROM workspace_agents WHERE tenant = $1 ORDER BY id', [tenant]);
  }

  @Cacheable({ cache: CACHES.workspaces, key: (_tenant: string, id: number) => ['agent', id] })
  @CacheTags((_tenant: string, id: number) => TAGS.agent(id))
  async find(tenant: string, id: number): Promise<WorkspaceAgent | null> {
    const [agent] = await this.db.query<WorkspaceAgent>('SELECT tenant, id, name FROM workspace_agents WHERE tenant = $1 AND id = $2', [tenant, id]);
    return agent ?? null;
  }

  /** Evicts this workspace's entries of the agent and its list (service and HTTP entries alike). */
  @CacheEvict({ cache: CACHES.workspaces, tags: (_tenant: string, id: number) => [TAGS.agent(id), TAGS.lists] })
  async rename(tenant: string, id: number, name: string): Promise<WorkspaceAgent | null> {
    const [agent] = await this.db.query<WorkspaceAgent>(
      'UPDATE workspace_agents SET name = $3 WHERE tenant = $1 AND id = $2 RETURNING tenant, id, name',
      [tenant, id, name],
    );
    return agent ?? null;
  }
}
