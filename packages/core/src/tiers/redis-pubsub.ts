import { Cluster, Redis } from 'ioredis';
import { watchdogBoundOf, type RedisClient } from './redis-connection.js';

/** How soon a lost cluster subscription is re-made on another node, doubling up to the maximum. */
const RETRY_MIN_MS = 50;
const RETRY_MAX_MS = 2_000;

/**
 * We subscribe on every 'ready' ourselves, and handle the answer. ioredis's own resubscription after a
 * reconnect leaves its promise unhandled: with no offline queue, a connection that drops again at once
 * rejects it ("Stream isn't writeable"), an unhandled rejection in the application.
 */
const OWN_RESUBSCRIBE = { autoResubscribe: false } as const;

export interface SubscriptionHandlers {
  message(raw: string): void;
  /** The subscription came back after a drop: messages may have been missed meanwhile. */
  resubscribed(): void;
}

export interface Subscription {
  /** Whether the subscription has been active at least once. */
  readonly subscribed: boolean;
  close(): void;
}

/**
 * A channel subscription on a dedicated connection that fails fast like the main one and reconnects
 * (and re-subscribes) by itself. Pub/sub delivers at most once, so every drop is reported.
 *
 * On a cluster, classic PUBLISH reaches the subscribers of every node, so one connection to any node
 * hears everything. That connection is ours rather than a `Cluster.duplicate()`: ioredis moves a
 * cluster subscription to another node silently when its node dies, and we must know.
 */
export class RedisSubscription implements Subscription {
  readonly #channel: string;
  readonly #handlers: SubscriptionHandlers;
  #subscriber: Redis | undefined;
  #subscribedOnce = false;
  #closed = false;
  #retry: NodeJS.Timeout | undefined;
  #retryDelayMs = RETRY_MIN_MS;

  constructor(client: RedisClient, channel: string, handlers: SubscriptionHandlers) {
    this.#channel = channel;
    this.#handlers = handlers;
    if (client instanceof Cluster) this.#subscribeOnClusterNode(client);
    // A client of ours bounds its commands with a watchdog, which its duplicate lacks: ioredis' own bound, then.
    else this.#attach(client.duplicate({ ...OWN_RESUBSCRIBE, commandTimeout: watchdogBoundOf(client) ?? client.options.commandTimeout }));
  }

  get subscribed(): boolean {
    return this.#subscribedOnce;
  }

  close(): void {
    this.#closed = true;
    clearTimeout(this.#retry);
    this.#subscriber?.disconnect();
  }

  #attach(subscriber: Redis): void {
    this.#subscriber = subscriber;
    subscriber.on('error', () => undefined); // reconnection is handled elsewhere; state is tracked below
    subscriber.on('message', (channel: string, raw: string) => {
      if (channel === this.#channel && !this.#closed) this.#handlers.message(raw);
    });
    subscriber.on('ready', () => {
      if (this.#closed || this.#subscriber !== subscriber) return;
      // ioredis re-subscribes by itself after a reconnection; we only need to know it happened.
      const resubscribing = this.#subscribedOnce;
      subscriber.subscribe(this.#channel).then(
        () => {
          if (this.#closed || this.#subscriber !== subscriber) return;
          this.#retryDelayMs = RETRY_MIN_MS;
          this.#subscribedOnce = true;
          if (resubscribing) this.#handlers.resubscribed();
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
      ...OWN_RESUBSCRIBE,
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
