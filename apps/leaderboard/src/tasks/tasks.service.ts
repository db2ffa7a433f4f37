import { ConflictException, Injectable } from '@nestjs/common';
import { EventEmitter2 } from '@nestjs/event-emitter';
import { CacheEvict, CacheTags, Cacheable } from '@tiercache/nestjs';
import { CACHES, EVENTS, KEYS, TAGS } from '../cache/cache-policy.js';
import { Database } from '../db/database.js';
import { NEXT_STATUSES, TASK_STATUSES, type Task, type TaskStatus } from './task.js';
import type { CreateTask } from './tasks.input.js';

const COLUMNS = 'id, agent_id, title, status, created_at, started_at, finished_at';

@Injectable()
export class TasksService {
  constructor(
    private readonly db: Database,
    private readonly events: EventEmitter2,
  ) {}

  /** An agent's latest tasks, newest first; `null` for an unknown agent. */
  @Cacheable({ cache: CACHES.activity, key: KEYS.tasks })
  @CacheTags((agentId: number, _limit: number, tasks: Task[] | null) => (tasks === null ? TAGS.missing : TAGS.activity(agentId)))
  async forAgent(agentId: number, limit: number): Promise<Task[] | null> {
    const tasks = await this.db.query<Task>(
      `SELECT ${COLUMNS} FROM tasks WHERE agent_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2`,
      [agentId, limit],
    );
    if (tasks.length > 0 || (await this.agentExists(agentId))) return tasks;
    return null;
  }

  /** Queues a task for an agent; `null` when there is no such agent. */
  @CacheEvict({ cache: CACHES.activity, tags: (input: CreateTask) => [TAGS.activity(input.agent_id)] })
  async create(input: CreateTask): Promise<Task | null> {
    const [task] = await this.db.query<Task>(
      `INSERT INTO tasks (agent_id, title) SELECT id, $2 FROM agents WHERE id = $1 RETURNING ${COLUMNS}`,
      [input.agent_id, input.title],
    );
    return task ?? null;
  }

  /**
   * Moves a task to `status`, stamping started_at or finished_at; `null` when there is no such task.
   * The allowed previous statuses are part of the UPDATE's WHERE, so two concurrent moves cannot both
   * win; a move the task's current status forbids is a 409.
   */
  async moveTo(id: number, status: TaskStatus): Promise<Task | null> {
    const from = TASK_STATUSES.filter((current) => NEXT_STATUSES[current].includes(status));
    const [task] = await this.db.query<Task>(
      `UPDATE tasks
       SET status = $2::text,
           started_at = CASE WHEN $2::text = 'running' THEN now() ELSE started_at END,
           finished_at = CASE WHEN $2::text IN ('done', 'failed') THEN now() ELSE finished_at END
       WHERE id = $1 AND status = ANY($3::text[])
       RETURNING ${COLUMNS}`,
      [id, status, from],
    );
    if (task !== undefined) return this.moved(task);

    const [current] = await this.db.query<{ status: TaskStatus }>('SELECT status FROM tasks WHERE id = $1', [id]);
    if (current === undefined) return null;
    const allowed = NEXT_STATUSES[current.status];
    throw new ConflictException(
      `task ${id} is ${current.status}, so it cannot move to ${status}` +
        (allowed.length > 0 ? `; it can move to ${allowed.join(' or ')}` : `; ${current.status} is final`),
    );
  }

  /**
   * Evicts what a task's move changed. @CacheEvict computes its tags from arguments, and moveTo's
   * arguments don't name the agent: only the updated row does, so the eviction sits on this method,
   * which takes the row (a call through `this` goes through the decorator: it wraps the prototype).
   */
  @CacheEvict({ cache: CACHES.activity, tags: (task: Task) => [TAGS.activity(task.agent_id)] })
  protected async moved(task: Task): Promise<Task> {
    // A task finished as done counts on the boards of the windows open now (ties are broken by it).
    if (task.status === 'done') await this.events.emitAsync(EVENTS.taskDone, task);
    return task;
  }

  private async agentExists(agentId: number): Promise<boolean> {
    const rows = await this.db.query('SELECT 1 FROM agents WHERE id = $1', [agentId]);
    return rows.length > 0;
  }
}
