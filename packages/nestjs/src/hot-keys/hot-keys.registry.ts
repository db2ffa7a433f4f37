import { Injectable, Logger, type BeforeApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import type { HotKeys, TieredCache, WarmOptions } from '@tiercache/core';
import { WarmersOrchestrator } from '../warmers/warmers.orchestrator.js';

interface Registered {
  readonly cache: string;
  readonly hot: HotKeys;
  readonly tiered: TieredCache;
  readonly warmOnStartup: Pick<WarmOptions, 'maxEntries' | 'timeoutMs'> | false;
}

/**
 * The predictive warming of every cache. Its startup warm is a warmer of `WarmersModule` (when the
 * application has it: `hot-keys:<cache>`, with its status and progress events), else runs on its own
 * at bootstrap; counts are published one last time before `CacheModule` closes Redis.
 */
@Injectable()
export class HotKeysRegistry implements OnModuleInit, BeforeApplicationShutdown {
  readonly #registered: Registered[] = [];
  readonly #logger = new Logger('Tiercache');

  constructor(private readonly moduleRef: ModuleRef) {}

  add(entry: Registered): void {
    this.#registered.push(entry);
  }

  /** The HotKeys of each cache, by cache name. */
  entries(): [cache: string, hot: HotKeys][] {
    return this.#registered.map(({ cache, hot }) => [cache, hot]);
  }

  onModuleInit(): void {
    const warmers = this.#warmers();
    for (const { cache, hot, tiered, warmOnStartup } of this.#registered) {
      hot.start();
      if (warmOnStartup === false) continue;
      const warm = (signal?: AbortSignal, onProgress?: (done: number, total: number) => void) => hot.warm({ ...warmOnStartup, signal, onProgress });
      if (warmers === undefined) {
        warm().catch((error: unknown) => this.#logger.warn(`Hot keys of cache "${cache}" could not warm L1: ${(error as Error).message}`));
        continue;
      }
      warmers.add({
        // Every instance warms its own L1: not exclusive.
        metadata: { name: `hot-keys:${cache}`, runOnStartup: true, timeoutMs: (warmOnStartup.timeoutMs ?? 10_000) + 1_000 },
        method: (ctx) => warm(ctx.signal, ctx.progress),
        cache: tiered,
        exclusive: false,
      });
    }
  }

  /** Looked up, not injected: WarmersModule is optional and keeps its orchestrator to itself. */
  #warmers(): WarmersOrchestrator | undefined {
    try {
      return this.moduleRef.get(WarmersOrchestrator, { strict: false });
    } catch {
      return undefined;
    }
  }

  async beforeApplicationShutdown(): Promise<void> {
    await Promise.all(this.#registered.map(({ hot }) => hot.close()));
  }
}
