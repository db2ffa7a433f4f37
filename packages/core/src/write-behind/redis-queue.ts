import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { RedisClient } from '../tiers/redis-tier.js';
import type { StoredDeadLetter, EnqueueResult, QueueBackend, StoredItem } from './queue.js';
import { ackScript, deadLetterScript, enqueueScript, leaseScript, releaseScript, requeueScript } from './redis-scripts.js';

const GROUP = 'flushers';

/** Runs one call through L2's breaker of the node serving `key`; undefined when it was skipped or failed. */
export type QueueGuard = <T>(operation: string, key: string, call: () => Promise<T>) => Promise<T | undefined>;

/** What a skipped call throws: the write-behind then writes through (enqueue) or retries later (flush). */
function skipped(operation: string): Error {
  return new Error(`write-behind ${operation}: Redis was skipped (circuit breaker open, or no answer within the command timeout)`);
}

type Entry = [id: string, fields: string[] | null];

function fieldsOf(fields: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < fields.length; i += 2) out[fields[i]!] = fields[i + 1]!;
  return out;
}

function itemOf([id, fields]: Entry): StoredItem | undefined {
  // An entry deleted while still pending reads back with no fields: there is nothing left to write.
  if (fields === null || fields.length === 0) return undefined;
  const f = fieldsOf(fields);
  return { id, key: f.k!, seq: Number(f.s), payload: f.v!, enqueuedAt: Number(f.t) };
}

/**
 * One Redis stream per partition, consumed through a consumer group. Every key of a partition shares
 * one hash tag, so its scripts run on one Redis Cluster node; partitions spread over the cluster.
 */
export class RedisQueue implements QueueBackend {
  readonly durable = true;
  /** Unique per instance: a restarted process is a new consumer and reclaims the old one's entries. */
  readonly consumer = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;

  constructor(
    private readonly client: RedisClient,
    private readonly prefix: string,
    private readonly name: string,
    private readonly partitions: number,
    private readonly leaseMs: number,
    private readonly claimIdleMs: number,
    /** The cache's L2 breaker, when the queue is on the cache's own connection. */
    private readonly guard?: QueueGuard,
  ) {}

  key(partition: number, part: 'stream' | 'seq' | 'latest' | 'dead' | 'lease'): string {
    return `${this.prefix}{${this.name}:${partition}}:${part}`;
  }

  async start(): Promise<void> {
    for (let p = 0; p < this.partitions; p++) {
      try {
        await this.#send('start', p, () => this.client.xgroup('CREATE', this.key(p, 'stream'), GROUP, '0', 'MKSTREAM'));
      } catch (error) {
        if (!(error instanceof Error) || !error.message.startsWith('BUSYGROUP')) throw error;
      }
    }
  }

  async enqueue(partition: number, key: string, seq: number, payload: string, max: number, enqueuedAt: number): Promise<EnqueueResult> {
    const keys = [this.key(partition, 'stream'), this.key(partition, 'seq'), this.key(partition, 'latest')];
    const reply = (await this.#send('enqueue', partition, () => enqueueScript.run(this.client, keys, [key, seq, payload, max, enqueuedAt]))) as [number, string?, string?];
    if (reply[0] === 0) return 'full';
    return { id: reply[1]!, seq: Number(reply[2]) };
  }

  async pending(partition: number, key: string): Promise<{ seq: number; payload: string } | undefined> {
    const raw = await this.#send('pending', partition, () => this.client.hget(this.key(partition, 'latest'), key));
    if (raw === null) return undefined;
    const colon = raw.indexOf(':');
    return { seq: Number(raw.slice(0, colon)), payload: raw.slice(colon + 1) };
  }

  async lease(partition: number): Promise<boolean> {
    return (await this.#send('lease', partition, () => leaseScript.run(this.client, [this.key(partition, 'lease')], [this.consumer, this.leaseMs]))) === 1;
  }

  async release(partition: number): Promise<void> {
    await this.#send('release', partition, () => releaseScript.run(this.client, [this.key(partition, 'lease')], [this.consumer]));
  }

  async read(partition: number, count: number): Promise<StoredItem[]> {
    try {
      // One bound for the read and its reclaim: results cut off are our pending entries, read again next time.
      return await this.#send('read', partition, () => this.#read(partition, count));
    } catch (error) {
      // A Redis that restarted without persistence lost the group (and whatever it held): recreate it.
      if (!(error instanceof Error) || !error.message.startsWith('NOGROUP')) throw error;
      await this.start();
      return [];
    }
  }

  async #read(partition: number, count: number): Promise<StoredItem[]> {
    const stream = this.key(partition, 'stream');
    if (!(await this.#reclaim(stream))) return [];
    // Our own unacknowledged entries first (id 0 reads our history), then new ones ('>').
    for (const from of ['0', '>']) {
      const reply = (await this.client.xreadgroup('GROUP', GROUP, this.consumer, 'COUNT', count, 'STREAMS', stream, from)) as
        | [string, Entry[]][]
        | null;
      const entries = reply?.[0]?.[1] ?? [];
      const items = entries.map(itemOf).filter((item): item is StoredItem => item !== undefined);
      if (items.length > 0) return items;
      // Deleted-but-pending leftovers are acknowledged so they stop shadowing the history.
      const gone = entries.filter(([, fields]) => fields === null || fields.length === 0).map(([id]) => id);
      if (gone.length > 0) await this.client.xack(stream, GROUP, ...gone);
    }
    return [];
  }

  /**
   * Takes over what other consumers were given and did not acknowledge, once it is idle for
   * `claimIdleMs`. True when no other consumer holds an entry any more: only then may we read on,
   * or a new entry could be written before an older one of the same key.
   */
  async #reclaim(stream: string): Promise<boolean> {
    const held = async (): Promise<number> => {
      const consumers = (await this.client.xinfo('CONSUMERS', stream, GROUP)) as unknown[][];
      let others = 0;
      for (const info of consumers) {
        const f = fieldsOf(info as string[]);
        if (f.name === this.consumer) continue;
        const count = Number(f.pending);
        // A consumer that holds nothing is left over from a restart: forget it.
        if (count === 0) await this.client.xgroup('DELCONSUMER', stream, GROUP, f.name!);
        others += count;
      }
      return others;
    };
    if ((await held()) === 0) return true;
    let cursor = '0-0';
    do {
      const reply = (await this.client.xautoclaim(stream, GROUP, this.consumer, this.claimIdleMs, cursor, 'COUNT', 500)) as [string, Entry[], string[]?];
      cursor = reply[0];
    } while (cursor !== '0-0');
    return (await held()) === 0;
  }

  async ack(partition: number, items: readonly StoredItem[]): Promise<void> {
    if (items.length === 0) return;
    const args: (string | number)[] = [GROUP];
    for (const item of items) args.push(item.id, item.key, String(item.seq));
    await this.#send('ack', partition, () => ackScript.run(this.client, [this.key(partition, 'stream'), this.key(partition, 'latest')], args));
  }

  async deadLetter(partition: number, item: StoredItem, error: string, attempts: number): Promise<void> {
    const keys = [this.key(partition, 'stream'), this.key(partition, 'latest'), this.key(partition, 'dead')];
    const args = [GROUP, item.id, item.key, String(item.seq), item.payload, item.enqueuedAt, error, attempts, Date.now()];
    await this.#send('deadLetter', partition, () => deadLetterScript.run(this.client, keys, args));
  }

  async depth(): Promise<number> {
    let total = 0;
    for (let p = 0; p < this.partitions; p++) total += await this.#send('depth', p, () => this.client.xlen(this.key(p, 'stream')));
    return total;
  }

  async oldest(): Promise<number | undefined> {
    let oldest: number | undefined;
    for (let p = 0; p < this.partitions; p++) {
      const [first] = (await this.#send('oldest', p, () => this.client.xrange(this.key(p, 'stream'), '-', '+', 'COUNT', 1))) as Entry[];
      const item = first === undefined ? undefined : itemOf(first);
      if (item !== undefined && (oldest === undefined || item.enqueuedAt < oldest)) oldest = item.enqueuedAt;
    }
    return oldest;
  }

  async deadLetters(limit: number): Promise<StoredDeadLetter[]> {
    const out: StoredDeadLetter[] = [];
    for (let p = 0; p < this.partitions && out.length < limit; p++) {
      const entries = (await this.#send('deadLetters', p, () => this.client.xrange(this.key(p, 'dead'), '-', '+', 'COUNT', limit - out.length))) as Entry[];
      for (const [id, fields] of entries) {
        const f = fieldsOf(fields ?? []);
        out.push({
          id: `${p}/${id}`,
          partition: p,
          item: { id: f.i!, key: f.k!, seq: Number(f.s), payload: f.v!, enqueuedAt: Number(f.t) },
          error: f.e ?? '',
          attempts: Number(f.a),
          failedAt: Number(f.f),
        });
      }
    }
    return out;
  }

  async deadLetterCount(): Promise<number> {
    let total = 0;
    for (let p = 0; p < this.partitions; p++) total += await this.#send('deadLetterCount', p, () => this.client.xlen(this.key(p, 'dead')));
    return total;
  }

  async requeue(id: string): Promise<boolean> {
    const at = this.#deadId(id);
    if (at === undefined) return false;
    return (
      (await this.#send('requeue', at.partition, () => requeueScript.run(this.client, [this.key(at.partition, 'stream'), this.key(at.partition, 'dead')], [at.entry]))) === 1
    );
  }

  async drop(id: string): Promise<boolean> {
    const at = this.#deadId(id);
    if (at === undefined) return false;
    return (await this.#send('drop', at.partition, () => this.client.xdel(this.key(at.partition, 'dead'), at.entry))) === 1;
  }

  /**
   * A partition's keys share one hash tag, so its stream's node serves every call on it. An error
   * reply (NOGROUP, BUSYGROUP) is the node answering: the caller's to handle, not a breaker failure.
   */
  async #send<T>(operation: string, partition: number, call: () => Promise<T>): Promise<T> {
    if (this.guard === undefined) return call();
    const answered = (value: T) => ({ value });
    const refused = (error: unknown) => {
      if (error instanceof Error && error.name === 'ReplyError') return { error };
      throw error;
    };
    const reply = await this.guard(`writeBehind:${operation}`, this.key(partition, 'stream'), () => call().then(answered, refused));
    if (reply === undefined) throw skipped(operation);
    if ('error' in reply) throw reply.error;
    return reply.value;
  }

  #deadId(id: string): { partition: number; entry: string } | undefined {
    const match = /^(\d+)\/(\d+-\d+)$/.exec(id);
    if (match === null || Number(match[1]) >= this.partitions) return undefined;
    return { partition: Number(match[1]), entry: match[2]! };
  }
}
