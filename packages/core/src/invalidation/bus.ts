import { randomUUID } from 'node:crypto';
import type { CacheLogger } from '../logger.js';
import { Cluster, Redis } from 'ioredis';
import { resendOnTopologyChange, type RedisClient } from '../tiers/redis-tier.js';
import type { InvalidationMode } from './marks.js';

/** How soon a lost cluster subscription is re-made on another node, doubling up to the maximum. */
const RETRY_MIN_MS = 50;
const RETRY_MAX_MS = 2_000;

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
 *
 * On a cluster, classic PUBLISH reaches the subscribers of every node, so one connection to any node
 * hears everything. That connection is ours rather than a `Cluster.duplicate()`: ioredis moves a
 * cluster subscription to another node silently when its node dies, and the bus must know.
 */
export class InvalidationBus {
  readonly id = randomUUID();
  readonly #publisher: RedisClient;
  readonly #channel: string;
  readonly #handlers: BusHandlers;
  readonly #logger: CacheLogger;
  #subscriber: Redis | undefined;
  #subscribedOnce = false;
  #closed = false;
  #retry: NodeJS.Timeout | undefined;
  #retryDelayMs = RETRY_MIN_MS;

  constructor(client: RedisClient, channel: string, handlers: BusHandlers, logger: CacheLogger) {
    this.#publisher = client;
    this.#channel = channel;
    this.#handlers = handlers;
    this.#logger = logger;
    if (client instanceof Cluster) {
      this.#subscribeOnClusterNode(client);
    } else {
      // A subscribed connection can't run other commands; it fails fast like the main one and
      // reconnects (and re-subscribes) by itself.
      this.#attach(client.duplicate());
    }
  }

  /** Whether the subscription has been active at least once. */
  get subscribed(): boolean {
    return this.#subscribedOnce;
  }

  /** Throws when Redis refuses the message; the caller decides how to fail open. */
  async publish(message: BusMessage): Promise<void> {
    const raw = encode(this.id, message);
    // Auto-pipelining batches PUBLISH with key commands, so a reshard can refuse it like them.
    await resendOnTopologyChange(this.#publisher, this.#publisher.publish(this.#channel, raw), 'publish', [this.#channel, raw]);
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#retry);
    this.#subscriber?.disconnect();
  }

  #attach(subscriber: Redis): void {
    this.#subscriber = subscriber;
    subscriber.on('error', () => undefined); // reconnection is handled elsewhere; state is tracked below
    subscriber.on('message', (channel: string, raw: string) => {
      if (channel !== this.#channel) return;
      const decoded = decode(raw);
      if (decoded !== undefined && decoded.sender !== this.id) this.#handlers.onMessage(decoded.message);
    });
    subscriber.on('ready', () => {
      if (this.#closed || this.#subscriber !== subscriber) return;
      // ioredis re-subscribes by itself after a reconnection; we only need to know it happened.
      const resubscribing = this.#subscribedOnce;
      subscriber.subscribe(this.#channel).then(
        () => {
          if (this.#closed || this.#subscriber !== subscriber) return;
          this.#retryDelayMs = RETRY_MIN_MS;
          if (resubscribing) {
            this.#logger.log('Tiercache: invalidation bus reconnected; flushing L1, which may have missed messages.');
            this.#handlers.onResubscribed();
          }
          this.#subscribedOnce = true;
        },
        () => undefined,
      );
    });
  }

  /**
   * Subscribes through one node of the cluster, picked at random from those the application's client
   * knows now; when that connection ends (the node died, left, or dropped us), another is picked.
   */
  #subscribeOnClusterNode(cluster: Cluster): void {
    this.#retry = undefined;
    if (this.#closed) return;
    const nodes = cluster.nodes('all');
    const node = nodes[Math.floor(Math.random() * nodes.length)];
    if (node === undefined || cluster.status === 'end') {
      // Not connected yet (no slot map), or closed by its owner: look again later.
      if (cluster.status !== 'end') this.#retryLater(cluster);
      return;
    }
    const { host, port, username, password, tls, connectTimeout } = node.options;
    const subscriber = new Redis({
      host,
      port,
      username,
      password,
      tls,
      connectTimeout,
      connectionName: 'tiercache:bus',
      // Never back to the same node by itself: on 'end' we pick again among the live ones.
      retryStrategy: () => null,
      enableOfflineQueue: true,
      maxRetriesPerRequest: 0,
    });
    subscriber.once('end', () => {
      if (this.#closed || this.#subscriber !== subscriber) return;
      this.#retryLater(cluster);
    });
    this.#attach(subscriber);
  }

  #retryLater(cluster: Cluster): void {
    const delay = this.#retryDelayMs;
    this.#retryDelayMs = Math.min(delay * 2, RETRY_MAX_MS);
    this.#retry = setTimeout(() => this.#subscribeOnClusterNode(cluster), delay);
    this.#retry.unref();
  }
}
