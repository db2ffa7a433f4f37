import type { RedisClient } from '@tiercache/core';
import type { FleetView, InstanceSummary } from '../state/inspector-state.js';

/** Instances silent this many times `staleAfterMs` are dropped from the board, not just marked. */
const FORGET_AFTER_STALE = 20;

/**
 * Every instance's latest summary in one Redis hash (one key, so it works on a cluster too): a field
 * per instance, the summary with its own timestamp. Stale is judged from that timestamp, so an
 * instance that crashed stays visible, marked, until it is forgotten.
 */
export class FleetBoard {
  #lastPublish = 0;

  constructor(
    private readonly redis: RedisClient | undefined,
    private readonly key: string,
    private readonly publishEveryMs: number,
    private readonly staleAfterMs: number,
  ) {}

  get shared(): boolean {
    return this.redis !== undefined;
  }

  /** Publishes at most once per `publishEveryMs`; Redis errors reach the caller, which reports them. */
  async publish(summary: InstanceSummary): Promise<void> {
    if (this.redis === undefined || summary.at - this.#lastPublish < this.publishEveryMs) return;
    this.#lastPublish = summary.at;
    await this.redis.hset(this.key, summary.id, JSON.stringify(summary));
    await this.redis.pexpire(this.key, this.staleAfterMs * FORGET_AFTER_STALE);
  }

  async read(self: InstanceSummary, now: number): Promise<FleetView> {
    if (this.redis === undefined) return { shared: false, instances: [{ ...self, stale: false, self: true }] };
    const fields = await this.redis.hgetall(this.key);
    const instances: FleetView['instances'] = [];
    const forget: string[] = [];
    for (const [id, raw] of Object.entries(fields)) {
      if (id === self.id) continue;
      let summary: InstanceSummary;
      try {
        summary = JSON.parse(raw) as InstanceSummary;
      } catch {
        forget.push(id);
        continue;
      }
      const age = now - summary.at;
      if (age > this.staleAfterMs * FORGET_AFTER_STALE) forget.push(id);
      else instances.push({ ...summary, id, stale: age > this.staleAfterMs, self: false });
    }
    if (forget.length > 0) await this.redis.hdel(this.key, ...forget);
    instances.push({ ...self, stale: false, self: true });
    instances.sort((a, b) => a.id.localeCompare(b.id));
    return { shared: true, instances };
  }

  /** On shutdown: a clean stop leaves the board at once instead of going stale. */
  async leave(id: string): Promise<void> {
    await this.redis?.hdel(this.key, id);
  }
}
