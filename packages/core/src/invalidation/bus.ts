import { randomUUID } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { Subscription } from '../tiers/redis-pubsub.js';
import type { RemoteTier } from '../tiers/remote-tier.js';
import type { InvalidationMode } from './marks.js';

/** What one instance tells the others: drop keys, apply marks, drop a pattern, or distrust everything. */
export type BusMessage =
  | { op: 'keys'; keys: readonly string[] }
  | { op: 'marks'; keys: readonly string[]; mode: InvalidationMode; at: number }
  | { op: 'pattern'; pattern: string }
  | { op: 'flush' };

export interface BusHandlers {
  onMessage(message: BusMessage): void;
  /** Messages may have been missed (the subscription dropped, or a publisher's sequence has a gap). */
  onResync(reason: 'reconnect' | 'gap'): void;
}

// Compact wire form: [sender, seq, op, ...] — a JSON array, so it needs no schema and stays small.
function encode(sender: string, seq: number, message: BusMessage): string {
  switch (message.op) {
    case 'keys':
      return JSON.stringify([sender, seq, 'k', message.keys]);
    case 'marks':
      return JSON.stringify([sender, seq, 'm', message.keys, message.mode, message.at]);
    case 'pattern':
      return JSON.stringify([sender, seq, 'p', message.pattern]);
    case 'flush':
      return JSON.stringify([sender, seq, 'f']);
  }
}

function isStrings(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}

function decode(raw: string): { sender: string; seq: number; message: BusMessage } | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return undefined;
  }
  if (!Array.isArray(parsed)) return undefined;
  const [sender, seq, op, a, b, c] = parsed as unknown[];
  if (typeof sender !== 'string' || typeof seq !== 'number') return undefined;
  if (op === 'k' && isStrings(a)) return { sender, seq, message: { op: 'keys', keys: a } };
  if (op === 'm' && isStrings(a) && (b === 'hard' || b === 'soft') && typeof c === 'number') {
    return { sender, seq, message: { op: 'marks', keys: a, mode: b, at: c } };
  }
  if (op === 'p' && typeof a === 'string') return { sender, seq, message: { op: 'pattern', pattern: a } };
  if (op === 'f') return { sender, seq, message: { op: 'flush' } };
  return undefined;
}

/**
 * Invalidation messages over pub/sub. An instance ignores its own messages. Pub/sub delivers at
 * most once, so every message carries its publisher's sequence number: a gap means a message was
 * lost, and a drop of the subscription may have lost any; either way the receiver resyncs (flushes
 * what it can't trust). A repeated message is ignored. An instance that joins a running fleet
 * resyncs once per publisher it first hears mid-sequence: it cannot tell what it missed before.
 */
export class InvalidationBus {
  readonly id = randomUUID();
  readonly #channel: string;
  readonly #subscription: Subscription;
  readonly #handlers: BusHandlers;
  /** `raw` is built once the message is about to leave: its sequence number is then the next on the wire. */
  readonly #send: (channel: string, raw: () => string) => Promise<boolean>;
  #seq = 0;
  /** The last sequence number heard from each publisher. */
  readonly #heard = new LRUCache<string, number>({ max: 10_000 });

  constructor(remote: RemoteTier, send: (channel: string, raw: () => string) => Promise<boolean>, channel: string, handlers: BusHandlers) {
    this.#channel = channel;
    this.#handlers = handlers;
    this.#send = send;
    this.#subscription = remote.subscribe(channel, {
      message: (raw) => this.#receive(raw),
      resubscribed: () => handlers.onResync('reconnect'),
    });
  }

  get subscribed(): boolean {
    return this.#subscription.subscribed;
  }

  get channel(): string {
    return this.#channel;
  }

  /**
   * Whether the message left. Numbered as it leaves, so numbers follow the order on the wire even
   * when sends wait for a connection; one that did not leave still uses a number, so receivers see
   * the gap and resync.
   */
  async publish(message: BusMessage): Promise<boolean> {
    let numbered = false;
    const sent = await this.#send(this.#channel, () => ((numbered = true), encode(this.id, ++this.#seq, message)));
    if (!sent && !numbered) this.skip();
    return sent;
  }

  /**
   * The message a write script publishes itself with its writes (see `RemoteTier.carryAnnouncements`),
   * built as it leaves. A script Redis did not know is sent again: the resend keeps the number unless
   * another message left in between, after which it would read as a repeat and be ignored.
   */
  carried(keys: readonly string[]): () => string {
    let seq = 0;
    let raw = '';
    return () => {
      if (seq === 0 || seq !== this.#seq) raw = encode(this.id, (seq = ++this.#seq), { op: 'keys', keys });
      return raw;
    };
  }

  /** Uses up a number for a message that did not leave: the next one tells receivers they missed it. */
  skip(): void {
    this.#seq++;
  }

  close(): void {
    this.#subscription.close();
  }

  #receive(raw: string): void {
    const decoded = decode(raw);
    if (decoded === undefined || decoded.sender === this.id) return;
    const { sender, seq, message } = decoded;
    // A publisher heard for the first time starts from 0: if its first message reaching us is not
    // its first, we may have missed some (or it predates us, and the resync costs one L1 flush).
    const last = this.#heard.get(sender) ?? 0;
    if (seq <= last) return;
    this.#heard.set(sender, seq);
    if (seq > last + 1) this.#handlers.onResync('gap');
    this.#handlers.onMessage(message);
  }
}
