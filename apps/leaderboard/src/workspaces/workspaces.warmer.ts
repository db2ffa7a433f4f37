import { Injectable } from '@nestjs/common';
import { TenantContext } from '@tiercache/nestjs/tenancy';
import { CacheWarmer } from '@tiercache/nestjs/warmers';
import { CACHES } from '../cache/cache-policy.js';
import { TENANTS } from './workspace-agent.js';
import { WorkspaceAgentsService } from './workspace-agents.service.js';

@Injectable()
export class WorkspacesWarmer {
  constructor(private readonly agents: WorkspaceAgentsService) {}

  /** Warms each workspace's list in its own namespace: outside a request, the tenant comes from TenantContext.run. */
  @CacheWarmer({ name: 'workspace-agents', runOnStartup: true, cache: CACHES.workspaces })
  async warm(): Promise<void> {
    for (const tenant of TENANTS) await TenantContext.run(tenant, () => this.agents.list(tenant));
  }
}
