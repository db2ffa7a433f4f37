import { BadRequestException } from '@nestjs/common';
import { BodyReader } from '../http/body.js';
import { AGENT_STATUSES, type AgentStatus } from './agent.js';

const NAME_MAX = 100;

export interface CreateAgent {
  name: string;
  status: AgentStatus;
}

export interface UpdateAgent {
  name?: string;
  status?: AgentStatus;
}

/** POST /agents: `{ name, status? }`, status defaulting to active. */
export function readCreateAgent(body: unknown): CreateAgent {
  const reader = new BodyReader(body, ['name', 'status']);
  return {
    name: reader.required('name', reader.string('name', NAME_MAX)),
    status: reader.oneOf('status', AGENT_STATUSES) ?? 'active',
  };
}

/** PATCH /agents/:id: `{ name?, status? }`, at least one of them. */
export function readUpdateAgent(body: unknown): UpdateAgent {
  const reader = new BodyReader(body, ['name', 'status']);
  const name = reader.string('name', NAME_MAX);
  const status = reader.oneOf('status', AGENT_STATUSES);
  if (name === undefined && status === undefined) {
    throw new BadRequestException('nothing to update: give name, status or both');
  }
  return { name, status };
}
