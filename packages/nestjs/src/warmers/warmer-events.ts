import type { WarmerRunResult, WarmerTrigger } from './warmer-status.js';

/** Events of `WarmerRegistry.events`. */
export interface WarmerEventMap {
  start: [{ name: string; trigger: WarmerTrigger }];
  /** From `ctx.progress(done, total)`. */
  progress: [{ name: string; done: number; total?: number }];
  /** Every run ends with one, skipped runs included. */
  finish: [WarmerRunResult];
}
