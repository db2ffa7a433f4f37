import { Body, Controller, Get, Param, Patch, Post, Query } from '@nestjs/common';
import { orNotFound } from '../http/not-found.js';
import { ID, LIMIT } from '../http/pipes.js';
import type { Task } from './task.js';
import { readCreateTask, readTaskStatus } from './tasks.input.js';
import { TasksService } from './tasks.service.js';

// No prefix: an agent's task list lives under /agents/:id/tasks, but it is the tasks' concern.
@Controller()
export class TasksController {
  constructor(private readonly tasks: TasksService) {}

  @Get('agents/:id/tasks')
  async forAgent(@Param('id', ID) agentId: number, @Query('limit', LIMIT) limit: number): Promise<Task[]> {
    return orNotFound(await this.tasks.forAgent(agentId, limit), 'agent', agentId);
  }

  @Post('tasks')
  async create(@Body() body: unknown): Promise<Task> {
    const input = readCreateTask(body);
    return orNotFound(await this.tasks.create(input), 'agent', input.agent_id);
  }

  @Patch('tasks/:id')
  async moveTo(@Param('id', ID) id: number, @Body() body: unknown): Promise<Task> {
    return orNotFound(await this.tasks.moveTo(id, readTaskStatus(body)), 'task', id);
  }
}
