import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/**
 * App instances in OS processes of their own: fixture scripts that import the built package (so
 * `npm run build` first) and answer commands over IPC. `killAll()` in afterEach, whatever happened.
 */
export class ChildWorkers {
  readonly #children: ChildProcess[] = [];

  start(fixture: string, args: readonly string[]): ChildProcess {
    if (!existsSync(join(__dirname, '..', '..', 'dist', 'index.js'))) throw new Error('packages/core/dist is missing: run `npm run build` first');
    const child = fork(fixture, [...args], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.#children.push(child);
    return child;
  }

  killAll(): void {
    for (const child of this.#children.splice(0)) child.kill('SIGKILL');
  }
}

/** Sends `command` to a worker and resolves with its next message. */
export function ask<T>(child: ChildProcess, command: string): Promise<T> {
  return new Promise((resolve) => {
    child.once('message', (message) => resolve(message as T));
    child.send(command);
  });
}
