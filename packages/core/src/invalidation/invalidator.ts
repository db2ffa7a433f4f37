import type { Clock } from '../cache/clock.js';
import type { Telemetry } from '../cache/telemetry.js';
import type { CacheLogger } from '../logger.js';
import type { L1Store } from '../read/l1-store.js';
import type { Replayed } from '../tiers/outage-queue.js';
import type { ResilientTier } from '../tiers/resilient-tier.js';
import type { Announcer } from './announcer.js';
import type { BusMessage } from './bus.js';
import type { Epochs } from './epochs.js';
import type { InvalidationMode, MarkStore } from './marks.js';

/**
 * Invalidations wider than one key, made here or heard from other instances: marks (tags and
 * clears), pattern deletes, and resyncs when messages may have been lost. Replayed invalidations
 * are announced again once L2 is back, so an instance that was partitioned still reaches everyone.
 */
export class Invalidator {
  constructor(
    private readonly marks: MarkStore,
    private readonly epochs: Epochs,
    private readonly l1: L1Store | undefined,
    private readonly l2: ResilientTier | undefined,
    private readonly announcer: Announcer,
    private readonly clock: Clock,
    private readonly telemetry: Telemetry,
    private readonly logger: CacheLogger,
    /** How long L2 keeps a mark: as long as the longest-lived entry it can kill. */
    private readonly retentionMs: number,
  ) {}

  /** Records marks here, in L2 (queued if L2 is away) and on every other instance. */
  async mark(keys: readonly string[], mode: InvalidationMode): Promise<void> {
    const at = this.clock.stamp();
    const now = Date.now();
    for (const key of keys) this.marks.apply(key, mode, at, now);
    const stored = await this.l2?.writeMarks(
      keys.map((key) => ({ key, mode, at })),
      this.retentionMs,
    );
    // Redis may have stamped a later time (its clock, or a later mark): adopt it, so every instance
    // judges entries against the same number.
    const latest = stored === undefined ? at : Math.max(at, ...stored);
    if (latest > at) {
      this.clock.observe(latest);
      stored!.forEach((time, i) => this.marks.apply(keys[i]!, mode, time, Date.now()));
    }
    await this.announcer.announce({ op: 'marks', keys, mode, at: latest });
  }

  /** Deletes a glob's keys from every tier and instance; returns how many (from L2 when there is one). */
  async removeMatching(pattern: string): Promise<number> {
    this.epochs.touchAll();
    const fromL1 = (await this.l1?.deleteMatching(pattern)) ?? 0;
    const fromL2 = (await this.l2?.deleteMatching(pattern)) ?? 0;
    await this.announcer.announce({ op: 'pattern', pattern });
    return this.l2 === undefined ? fromL1 : fromL2;
  }

  receive(message: BusMessage): void {
    switch (message.op) {
      case 'keys':
        this.epochs.touch(message.keys);
        this.l1?.delete(message.keys);
        break;
      case 'marks': {
        const now = Date.now();
        for (const key of message.keys) this.marks.apply(key, message.mode, message.at, now);
        break;
      }
      case 'pattern':
        this.epochs.touchAll();
        void this.l1?.deleteMatching(message.pattern);
        break;
      case 'flush':
        this.#forgetAll();
        break;
    }
    this.telemetry.events.emit('remote', { op: message.op === 'flush' ? 'resync' : message.op });
  }

  /** Messages may have been lost: nothing in L1, and no mark this process knows, can be trusted. */
  resync(reason: 'reconnect' | 'gap'): void {
    this.logger.log(
      reason === 'reconnect'
        ? 'invalidation bus reconnected; flushing L1, which may have missed messages.'
        : 'an invalidation message from another instance was lost; flushing L1.',
    );
    this.#forgetAll();
    this.telemetry.events.emit('remote', { op: 'resync' });
  }

  /** After L2 came back: tell everyone what was replayed, then send what could not be published. */
  async replayed(replayed: Replayed): Promise<void> {
    if (replayed.removedKeys.length > 0) await this.announcer.announce({ op: 'keys', keys: replayed.removedKeys });
    for (const mark of replayed.marks) await this.announcer.announce({ op: 'marks', keys: [mark.key], mode: mark.mode, at: mark.at });
    for (const pattern of replayed.patterns) await this.announcer.announce({ op: 'pattern', pattern });
    await this.announcer.flush();
  }

  #forgetAll(): void {
    this.epochs.touchAll();
    this.marks.forgetAll();
    this.l1?.clear();
  }
}
