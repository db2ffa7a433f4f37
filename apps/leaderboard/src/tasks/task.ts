export const TASK_STATUSES = ['queued', 'running', 'done', 'failed'] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];

export interface Task {
  id: number;
  agent_id: number;
  title: string;
  status: TaskStatus;
  created_at: Date;
  /** When it went to running; `null` while queued, and for a task failed before it ran. */
  started_at: Date | null;
  /** When it went to done or failed. */
  finished_at: Date | null;
}

/**
 * The moves a task may make. A queued task may fail without running (it was cancelled or rejected);
 * done and failed are final.
 */
export const NEXT_STATUSES: Readonly<Record<TaskStatus, readonly TaskStatus[]>> = {
  queued: ['running', 'failed'],
  running: ['done', 'failed'],
  done: [],
  failed: [],
};
