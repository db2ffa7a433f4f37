import { BadRequestException, Body, Controller, Get, Headers, Param, Patch, UseGuards, UseInterceptors } from '@nestjs/common';
import { HttpCache, HttpCacheInterceptor, HttpCacheTags } from '@tiercache/nestjs/http';
import { CACHES, TAGS, TENANT_HEADER } from '../cache/cache-policy.js';
import { orNotFound } from '../http/not-found.js';
import { ID } from '../http/pipes.js';
import { TenantGuard } from './tenant.guard.js';
import type { WorkspaceAgent } from './workspace-agent.js';
import { WorkspaceAgentsService } from './workspace-agents.service.js';

/** Agents of the workspace the x-tenant header names; responses cached per workspace. */
@Controller('workspace/agents')
@UseGuards(TenantGuard)
@UseInterceptors(HttpCacheInterceptor)
@HttpCache({ cache: CACHES.workspaces })
export class WorkspaceAgentsController {
  constructor(private readonly agents: WorkspaceAgentsService) {}

  @Get()
  @HttpCacheTags(TAGS.lists)
  list(@Headers(TENANT_HEADER) tenant: string): Promise<WorkspaceAgent[]> {
    return this.agents.list(tenant);
  }

  @Get(':id')
  @HttpCacheTags((request: { params: { id: string } }) => TAGS.agent(Number(request.params.id)))
  async find(@Headers(TENANT_HEADER) tenant: string, @Param('id', ID) id: number): Promise<WorkspaceAgent> {
    return orNotFound(await this.agents.find(tenant, id), 'agent', id);
  }

  @Patch(':id')
  async rename(@Headers(TENANT_HEADER) tenant: string, @Param('id', ID) id: number, @Body() body: { name?: unknown }): Promise<WorkspaceAgent> {
    if (typeof body?.name !== 'string' || body.name.trim() === '') throw new BadRequestException('name must be a non-empty string');
    return orNotFound(await this.agents.rename(tenant, id, body.name.trim()), 'agent', id);
  }
}
