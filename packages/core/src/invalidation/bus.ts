import { randomUUID } from 'node:crypto';
import type { CacheLogger } from '../logger.js';
import { Redis } from 'ioredis';
import type { RedisClient } from '../tiers/redis-tier.js';
import type { InvalidationMode } from './marks.js';

/** What one instance tells the others to drop from their L1. */
export type BusMessage =
  | { op: 'keys'; keys: readonly string[] }
  | { op: 'marks'; keys: readonly string[]; mode: InvalidationMode; at: number }
  | { op: 'pattern'; pattern: string };

export interface BusHandlers {
  onMessage(message: BusMessage): void;
  /** The subscription came back after a drop: messages may have been missed meanwhile. */
  onResubscribed(): void;
}

// Compact wire form: [sender, op, ...] — a JSON array, so it needs no schema and stays small.
function encode(sender: string, message: BusMessage): string {
  switch (message.op) {
    case 'keys':
      return JSON.stringify([sender, 'k', message.keys]);
    case 'marks':
      return JSON.stringify([sender, 'm', message.keys, message.mode, message.at]);
    case 'pattern':
      return JSON.stringify([sender, 'p', message.pattern]);
  }
}

function decode(raw: string): { sender: string; message: BusMessage } | undefined {
  try {
    const parsed = JSON.parse(raw) as unknown[];
    const [sender, op] = parsed;
    if (typeof sender !== 'string') return undefined;
    if (op === 'k' && Array.isArray(parsed[2])) return { sender, message: { op: 'keys', keys: parsed[2] as string[] } };
    if (op === 'm' && Array.isArray(parsed[2]) && (parsed[3] === 'hard' || parsed[3] === 'soft') && typeof parsed[4] === 'number') {
      return { sender, message: { op: 'marks', keys: parsed[2] as string[], mode: parsed[3], at: parsed[4] } };
    }
    if (op === 'p' && typeof parsed[2] === 'string') return { sender, message: { op: 'pattern', pattern: parsed[2] } };
  } catch {
    // Not ours: ignored below.
  }
  return undefined;
}

/**
 * Invalidation messages over Redis pub/sub, on a dedicated subscriber connection. An instance
 * ignores its own messages. Pub/sub delivers at most once, so a dropped subscription is treated as
 * lost messages: when it comes back, `onResubscribed` lets the cache flush what it can't trust.
 */
export class InvalidationBus {
  readonly id = randomUUID();
  readonly #publisher: RedisClient;
  readonly #subscriber: RedisClient;
  readonly #channel: string;
  #subscribedOnce = false;
  #closed = false;

  constructor(client: RedisClient, channel: string, handlers: BusHandlers, logger: CacheLogger) {
    this.#publisher = client;
    this.#channel = channel;
    // A subscribed connection can't run other commands; it fails fast like the main one.
    this.#subscriber = client instanceof Redis ? client.duplicate() : client.duplicate();
    this.#subscriber.on('error', () => undefined); // reconnection is ioredis's job; state is tracked below
    this.#subscriber.on('message', (channel: string, raw: string) => {
      if (channel !== this.#channel) return;
      const decoded = decode(raw);
      if (decoded !== undefined && decoded.sender !== this.id) handlers.onMessage(decoded.message);
    });
    this.#subscriber.on('ready', () => {
      if (this.#closed) return;
      // ioredis re-subscribes by itself after a reconnection; we only need to know it happened.
      const resubscribing = this.#subscribedOnce;
      this.#subscriber.subscribe(this.#channel).then(
        () => {
          if (resubscribing) {
            logger.log('Tiercache: invalidation bus reconnected; flushing L1, which may have missed messages.');
            handlers.onResubscribed();
          }
          this.#subscribedOnce = true;
        },
        () => undefined,
      );
    });
  }

  /** Whether the subscription has been active at least once. */
  get subscribed(): boolean {
    return this.#subscribedOnce;
  }

  /** Throws when Redis refuses the message; the caller decides how to fail open. */
  async publish(message: BusMessage): Promise<void> {
    await this.#publisher.publish(this.#channel, encode(this.id, message));
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#subscriber.disconnect();
  }
}
