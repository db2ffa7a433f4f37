import calculateSlot from 'cluster-key-slot';
import { Cluster } from 'ioredis';
import type { RedisClock } from './redis-clock.js';
import { groupBy } from './group-by.js';
import { commandTimeoutOf, inOneWrite, sendNow, type RedisClient } from './redis-connection.js';
import { writeIfNewerScript, writeInTimeScript } from './redis-scripts.js';
import type { CarriedAnnouncements, RemoteWrite } from './remote-tier.js';

/**
 * Keys per MGET or script call (and per invalidation message: see `Announcer`). Each leaves as
 * soon as it is full (see `sendNow`), so Redis runs one while this process still gathers the next,
 * and its callers go on while Redis runs the next: 64 concurrent writes took a third longer in one
 * script than in four.
 */
export const BATCH_KEYS = 16;
/**
 * About this many bytes of values per MGET. One reply is parsed only once all of it has arrived, so
 * single reads of large values are gathered in smaller batches (see `keysPerRead`), sent as they
 * fill: their replies overlap, ioredis parsing one while Redis still sends the next, and each caller
 * is answered as its own arrives. Held for the batch's last reply, the others' 100 KB texts lived
 * through young-generation collections, which cost a 100 KB hit about 6 % of its throughput.
 */
const READ_BYTES = 128 * 1024;
/** The share of a command timeout within which a user's write must reach Redis (see `#writeInTime`). */
const IN_TIME = 0.9;

/** `items` in runs of at most `size`, in order. */
function chunked<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
}

/** `args` followed by the channel and the message announcing `keys`, built anew for each attempt. */
function withMessage(args: (string | number)[], announcements: CarriedAnnouncements, keys: readonly string[]): () => (string | number)[] {
  const at = args.length;
  const message = announcements.message(keys);
  return () => ((args[at] = announcements.channel), (args[at + 1] = message()), args);
}

/** Redis answers a missing key with null. */
const orUndefined = (reply: string | null): string | undefined => reply ?? undefined;

/**
 * L2's reads, as MGETs of up to `keysPerRead` keys (single reads come gathered: see
 * `ResilientTier.get`), and writes, sent as multi-key scripts of up to BATCH_KEYS keys (they come
 * gathered too): write-in-time scripts for a user's writes and deletes, conditional-write scripts for
 * loaded values. On a cluster a multi-key command keeps to one slot; a lone key is a GET.
 */
export class BatchedCommands {
  /** The length of the values read lately (a moving average), which sizes the MGETs. */
  #valueLength = 0;
  /** Set when a user's writes publish their own announcement (see `RemoteTier.carryAnnouncements`). */
  announcements: CarriedAnnouncements | undefined;

  constructor(
    private readonly client: RedisClient,
    /** For write deadlines, and told the time each write was stamped with. */
    private readonly clock: RedisClock,
  ) {}

  /** Keys per MGET: BATCH_KEYS, fewer when values are large (see READ_BYTES). */
  keysPerRead(): number {
    return Math.min(BATCH_KEYS, Math.max(1, Math.floor(READ_BYTES / Math.max(1, this.#valueLength))));
  }

  /** One command for a few small values; else several, written together. */
  read(keys: readonly string[]): Promise<(string | undefined)[]> {
    const perRead = this.keysPerRead();
    if (!(this.client instanceof Cluster) && keys.length <= perRead) return this.#readAtOnce(keys);
    // One group per slot on a cluster, each split by what its values weigh.
    const groups = this.client instanceof Cluster ? [...groupBy(keys, calculateSlot).values()] : [keys.map((key, i): [string, number] => [key, i])];
    const values: (string | undefined)[] = [];
    const sent = inOneWrite(this.client, () =>
      groups.flatMap((group) => chunked(group, perRead)).map((chunk) =>
        this.#readAtOnce(chunk.map(([key]) => key)).then((found) => chunk.forEach(([, i], j) => (values[i] = found[j]))),
      ),
    );
    return Promise.all(sent).then(() => values);
  }

  /** Writes of one node: a user's writes and deletes (in time), loaded values (`conditional`, if newer). */
  write(items: readonly RemoteWrite[]): Promise<void> {
    const inTime: RemoteWrite[] = [];
    const ifNewer: RemoteWrite[] = [];
    for (const item of items) (item.conditional ? ifNewer : inTime).push(item);
    const sent: Promise<void>[] = [];
    for (const chunk of chunked(inTime, BATCH_KEYS)) sent.push(this.#writeInTime(chunk, Date.now()));
    for (const chunk of chunked(ifNewer, BATCH_KEYS)) sent.push(this.#writeIfNewer(chunk));
    return sent.length === 1 ? sent[0]! : Promise.all(sent).then(() => undefined);
  }

  /** One MGET, or a GET for one key; what it read sizes the next ones. */
  async #readAtOnce(keys: readonly string[]): Promise<(string | undefined)[]> {
    const values = keys.length === 1 ? [orUndefined(await sendNow<string | null>(this.client, 'get', keys))] : (await sendNow<(string | null)[]>(this.client, 'mget', keys)).map(orUndefined);
    let length = 0;
    for (const value of values) length += value?.length ?? 0;
    this.#valueLength += (length / values.length - this.#valueLength) / 8;
    return values;
  }

  /**
   * A user's write or delete, which must land in the order it was made, so not by creation time:
   * written only if Redis gets it before its caller can have given up on it (90 % of a command
   * timeout from when it is sent, on Redis's clock: its caller's wait starts then). A write a hung link delivers later is
   * refused, and fails here, so the caller keeps its tombstone for replay: it can never land over a
   * write made after it. Redis stamps what it writes with its own time (see `writeInTimeScript`).
   * The keys of `announced` items are published by the script, numbered as it leaves.
   */
  async #writeInTime(items: readonly RemoteWrite[], sentAt: number): Promise<void> {
    const deadline = sentAt + this.clock.midOffset() + IN_TIME * commandTimeoutOf(this.client);
    await Promise.all(
      this.#bySlot(items).map(async (batch) => {
        const keys: string[] = [];
        const announced: string[] = [];
        const args: (string | number)[] = [deadline];
        for (const item of batch) {
          keys.push(item.key), args.push(item.value, Math.max(1, Math.ceil(item.ttlMs)));
          if (item.announced) announced.push(item.key);
        }
        const announcements = announced.length > 0 ? this.announcements : undefined;
        const stamp = await writeInTimeScript.run(this.client, keys, announcements === undefined ? args : withMessage(args, announcements, announced));
        if (stamp === 0) throw new Error('Redis received the write after its deadline (held by a slow or hung link); it was not applied');
        this.clock.saw(Number(stamp));
      }),
    );
  }

  async #writeIfNewer(items: readonly RemoteWrite[]): Promise<void> {
    await Promise.all(
      this.#bySlot(items).map((batch) => {
        const keys: string[] = [];
        const args: (string | number)[] = [];
        for (const item of batch) keys.push(item.key), args.push(item.value, Math.max(1, Math.ceil(item.ttlMs)), item.createdAt);
        return writeIfNewerScript.run(this.client, keys, args);
      }),
    );
  }

  /** A batch split for multi-key commands: one group per slot on a cluster, else as it is. */
  #bySlot(items: readonly RemoteWrite[]): (readonly RemoteWrite[])[] {
    if (!(this.client instanceof Cluster) || items.length === 1) return [items];
    return [...groupBy(items, (item) => calculateSlot(item.key)).values()].map((group) => group.map(([item]) => item));
  }
}
