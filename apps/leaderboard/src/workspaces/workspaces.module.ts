import { Module } from '@nestjs/common';
import { WorkspaceAgentsController } from './workspace-agents.controller.js';
import { WorkspaceAgentsService } from './workspace-agents.service.js';
import { WorkspacesWarmer } from './workspaces.warmer.js';

@Module({
  controllers: [WorkspaceAgentsController],
  providers: [WorkspaceAgentsService, WorkspacesWarmer],
})
export class WorkspacesModule {}
