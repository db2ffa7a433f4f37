import { Injectable } from '@nestjs/common';
import type { EventEmitter } from 'node:events';
import type { WarmerEventMap } from './warmer-events.js';
import type { WarmerRunResult, WarmerStatus, WarmerStatusSource } from './warmer-status.js';
import { WarmersOrchestrator } from './warmers.orchestrator.js';

function copy(status: WarmerStatus): WarmerStatus {
  return { ...status, runs: { ...status.runs }, lastSkip: status.lastSkip && { ...status.lastSkip } };
}

/**
 * The warmers of the application: their status, their events, and `run(name)` to warm now — from an
 * admin endpoint, or when an application event fires:
 *
 * @example
 * @OnEvent('catalog.imported')
 * async onCatalogImported() {
 *   await this.warmers.run('catalog'); // skipped, not doubled, if a run is already going
 * }
 */
@Injectable()
export class WarmerRegistry implements WarmerStatusSource {
  constructor(private readonly orchestrator: WarmersOrchestrator) {}

  /** `start`, `progress` (from `ctx.progress`) and `finish` (every run, skipped ones included). */
  get events(): EventEmitter<WarmerEventMap> {
    return this.orchestrator.events;
  }

  names(): string[] {
    return this.orchestrator.names();
  }

  status(name: string): WarmerStatus {
    return copy(this.orchestrator.runner(name).status);
  }

  statuses(): WarmerStatus[] {
    return this.orchestrator.runners().map((runner) => copy(runner.status));
  }

  /**
   * Runs the warmer now, with the same lock and no-overlap rules as its schedule. Resolves with the
   * outcome (failures included); rejects only for an unknown name (E_INVALID_ARGUMENT).
   */
  async run(name: string): Promise<WarmerRunResult> {
    return this.orchestrator.run(name, 'manual');
  }
}
