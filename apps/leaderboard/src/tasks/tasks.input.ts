import { BodyReader } from '../http/body.js';
import { TASK_STATUSES, type TaskStatus } from './task.js';

export interface CreateTask {
  agent_id: number;
  title: string;
}

/** POST /tasks: `{ agent_id, title }`; a task always starts queued. */
export function readCreateTask(body: unknown): CreateTask {
  const reader = new BodyReader(body, ['agent_id', 'title']);
  return {
    agent_id: reader.required('agent_id', reader.id('agent_id')),
    title: reader.required('title', reader.string('title', 200)),
  };
}

/** PATCH /tasks/:id: `{ status }`, the status to move the task to. */
export function readTaskStatus(body: unknown): TaskStatus {
  const reader = new BodyReader(body, ['status']);
  return reader.required('status', reader.oneOf('status', TASK_STATUSES));
}
