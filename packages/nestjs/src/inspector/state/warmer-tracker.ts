import type { EventEmitter } from 'node:events';
import type { WarmerEventMap } from '../../warmers/warmer-events.js';
import type { WarmerStatus } from '../../warmers/warmer-status.js';
import type { WarmerView } from './inspector-state.js';

/** The part of `WarmerRegistry` the inspector uses; the warmers module is optional. */
export interface WarmerSource {
  readonly events: EventEmitter<WarmerEventMap>;
  statuses(): WarmerStatus[];
  names(): string[];
  run(name: string): Promise<unknown>;
}

export type WarmerChange = { name: string; kind: 'start' | 'progress' | 'finish' };

/**
 * Remembers the progress of each warmer's current (or last) run: the registry reports progress only as
 * events, and the page needs it when it connects in the middle of a warm.
 */
export class WarmerTracker {
  readonly #progress = new Map<string, { done: number; total?: number; at: number }>();
  readonly #off: () => void;

  constructor(
    private readonly source: WarmerSource,
    onChange: (change: WarmerChange) => void,
  ) {
    const start = ({ name }: { name: string }) => {
      this.#progress.set(name, { done: 0, at: Date.now() });
      onChange({ name, kind: 'start' });
    };
    const progress = ({ name, done, total }: { name: string; done: number; total?: number }) => {
      this.#progress.set(name, { done, ...(total !== undefined && { total }), at: Date.now() });
      onChange({ name, kind: 'progress' });
    };
    const finish = ({ name }: { name: string }) => {
      // A warmer that never reports progress shows none, rather than a run stuck at 0.
      const last = this.#progress.get(name);
      if (last !== undefined && last.done === 0 && last.total === undefined) this.#progress.delete(name);
      onChange({ name, kind: 'finish' });
    };
    source.events.on('start', start);
    source.events.on('progress', progress);
    source.events.on('finish', finish);
    this.#off = () => {
      source.events.off('start', start);
      source.events.off('progress', progress);
      source.events.off('finish', finish);
    };
  }

  views(): WarmerView[] {
    return this.source.statuses().map((status) => ({
      name: status.name,
      schedule: status.schedule,
      running: status.running,
      lastStart: status.lastStart?.getTime() ?? null,
      lastSuccess: status.lastSuccess?.getTime() ?? null,
      lastDurationMs: status.lastDurationMs ?? null,
      lastItems: status.lastItems ?? null,
      lastError: status.lastError?.message ?? null,
      runs: { ...status.runs },
      progress: this.#progress.get(status.name) ?? null,
    }));
  }

  close(): void {
    this.#off();
  }
}
