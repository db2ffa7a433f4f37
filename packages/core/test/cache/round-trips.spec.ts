import { once } from 'node:events';
import { Redis, type Command } from 'ioredis';
import type { TieredCache, TieredCacheOptions } from '../../src/index.js';
import { CacheFactory } from '../support/cache-factory.js';
import { eventually, redisUrl, remoteApplied, uniqueNamespace } from '../support/redis.js';

/**
 * What each call sends to Redis, counted on the client the cache uses (the bus and lock wake-ups
 * listen on connections of their own, which send nothing per call). A round trip starts with a
 * command sent while none of the call's earlier commands is still waiting for its reply, so two
 * commands sent back to back (auto-pipelined into one write) are one round trip.
 */
class CommandLog {
  readonly names: string[] = [];
  roundTrips = 0;
  #outstanding = 0;

  constructor(client: Redis) {
    const send = client.sendCommand.bind(client);
    client.sendCommand = ((command: Command, ...rest: unknown[]) => {
      if (this.#outstanding === 0) this.roundTrips++;
      this.#outstanding++;
      this.names.push(command.name);
      const done = () => this.#outstanding--;
      command.promise.then(done, done);
      return (send as (...args: unknown[]) => unknown)(command, ...rest);
    }) as Redis['sendCommand'];
  }

  /** Counts what `call` sends, including what it leaves running (a release), once all of it is answered. */
  async measure(call: () => Promise<unknown>): Promise<{ commands: string[]; roundTrips: number }> {
    this.names.length = 0;
    this.roundTrips = 0;
    await call();
    while (this.#outstanding > 0) await new Promise((resolve) => setImmediate(resolve));
    // A command left running after the call (the lock release) is sent within a turn or two of the loop.
    await new Promise((resolve) => setTimeout(resolve, 20));
    while (this.#outstanding > 0) await new Promise((resolve) => setImmediate(resolve));
    return { commands: [...this.names], roundTrips: this.roundTrips };
  }
}

const times = (count: number, name: string): string[] => Array.from({ length: count }, () => name);

const caches = new CacheFactory();
const clients: Redis[] = [];
afterEach(async () => {
  await caches.closeAll();
  await Promise.all(clients.splice(0).map((client) => client.quit()));
});

async function cacheOnCountedClient(namespace: string, options: TieredCacheOptions = {}): Promise<{ cache: TieredCache; log: CommandLog }> {
  const client = new Redis(redisUrl(), { enableAutoPipelining: true, maxRetriesPerRequest: 1 });
  clients.push(client);
  await once(client, 'ready');
  const cache = caches.build({ namespace, ...options, l2: { redis: client } });
  expect(await cache.ready()).toBe(true);
  const log = new CommandLog(client);
  // Every script has been loaded once (EVALSHA then EVAL on first use), so counts are the steady ones.
  await cache.getOrSet('warm:lock', async () => 'w');
  await cache.getOrSet('warm:nolock', async () => 'w', { distributed: false });
  await cache.set('warm:set', 'w');
  await cache.delete('warm:set');
  await cache.invalidateTags(['warm']);
  return { cache, log };
}

describe('Redis commands per call', () => {
  it('an L2 hit is one GET', async () => {
    const namespace = uniqueNamespace('rt');
    const { cache: writer } = await cacheOnCountedClient(namespace);
    await writer.set('k', 'v');
    const { cache: reader, log } = await cacheOnCountedClient(namespace);
    expect(await log.measure(() => reader.getOrSet('k', async () => 'other'))).toEqual({ commands: ['get'], roundTrips: 1 });
  });

  it('a cold getOrSet without the fleet lock: the read, then the conditional write', async () => {
    const { cache, log } = await cacheOnCountedClient(uniqueNamespace('rt'));
    expect(await log.measure(() => cache.getOrSet('cold', async () => 'v', { distributed: false }))).toEqual({
      commands: ['get', 'evalsha'],
      roundTrips: 2,
    });
  });

  it('a cold getOrSet with the fleet lock: the caller waits for two round trips', async () => {
    const { cache, log } = await cacheOnCountedClient(uniqueNamespace('rt'));
    // The read; the lock taken and the entry re-read in one script; then, behind the caller, the
    // conditional write and the lock's release in one script.
    expect(await log.measure(() => cache.getOrSet('cold', async () => 'v'))).toEqual({
      commands: ['get', 'evalsha', 'evalsha'],
      roundTrips: 3,
    });
  });

  it('concurrent callers of a cold key: the read goes with the lock attempt, one script before the loader', async () => {
    const { cache, log } = await cacheOnCountedClient(uniqueNamespace('rt'));
    let loads = 0;
    let sentBeforeLoad: string[] = [];
    const loader = async () => ((sentBeforeLoad = [...log.names]), loads++, 'v');
    const measured = await log.measure(() => Promise.all(Array.from({ length: 10 }, () => cache.getOrSet('cold', loader))));
    expect(loads).toBe(1);
    // The first caller's plain read (gathered for the end of the turn) leaves after the lock attempt,
    // in the same round trip, and is not waited for: the script answers.
    expect(sentBeforeLoad).toEqual(['evalsha', 'get']);
    expect(measured.commands).toEqual(['evalsha', 'get', 'evalsha']);
  });

  it("sends a stampede's lock attempt as the second caller joins, while the turn's other callers still arrive", async () => {
    const { cache, log } = await cacheOnCountedClient(uniqueNamespace('rt'));
    log.names.length = 0;
    const loader = async () => 'v';
    const first = cache.getOrSet('cold', loader);
    expect(log.names).toEqual([]); // a lone caller's read waits for the end of the turn
    const second = cache.getOrSet('cold', loader);
    expect(log.names).toEqual(['evalsha']);
    expect(await Promise.all([first, second, cache.getOrSet('cold', loader)])).toEqual(['v', 'v', 'v']);
  });

  it('a caller joining after the turn the flight began in starts no lock attempt: the read decides', async () => {
    const { cache, log } = await cacheOnCountedClient(uniqueNamespace('rt'));
    log.names.length = 0;
    let loads = 0;
    const loader = async () => (loads++, 'v');
    const first = cache.getOrSet('cold', loader);
    await Promise.resolve(); // the turn is over; the read is still out
    const sent = [...log.names];
    const second = cache.getOrSet('cold', loader);
    expect(log.names).toEqual(sent);
    expect(await Promise.all([first, second])).toEqual(['v', 'v']);
    expect(loads).toBe(1);
  });

  it('sends a lock attempt after the writes made before it, so it reads what they wrote', async () => {
    const { cache } = await cacheOnCountedClient(uniqueNamespace('rt'), { l1: false });
    await cache.set('k', 'old');
    const deleted = cache.delete('k');
    const loader = async () => 'loaded';
    expect(await Promise.all([cache.getOrSet('k', loader), cache.getOrSet('k', loader)])).toEqual(['loaded', 'loaded']);
    await deleted;
  });

  it("answers a load's callers before its write and the lock's release leave", async () => {
    const namespace = uniqueNamespace('rt');
    const { cache, log } = await cacheOnCountedClient(namespace);
    let sentBeforeAnswer: string[] = [];
    const measured = await log.measure(async () => {
      await Promise.all(Array.from({ length: 10 }, () => cache.getOrSet('cold', async () => 'v')));
      sentBeforeAnswer = [...log.names];
    });
    expect(sentBeforeAnswer).toEqual(['evalsha', 'get']);
    expect(measured.commands).toEqual(['evalsha', 'get', 'evalsha']);
    const other = caches.l2Only({ namespace });
    expect(await other.get('cold')).toBe('v');
  });

  it('concurrent callers of a key L2 holds: the script returns the entry, and no lock is taken', async () => {
    const namespace = uniqueNamespace('rt');
    const { cache: writer } = await cacheOnCountedClient(namespace);
    await writer.set('k', 'stored');
    const { cache, log } = await cacheOnCountedClient(namespace);
    const calls = () => Promise.all(Array.from({ length: 10 }, () => cache.getOrSet('k', async () => 'loaded')));
    let values: unknown;
    expect(await log.measure(async () => (values = await calls()))).toEqual({ commands: ['evalsha', 'get'], roundTrips: 1 });
    expect(values).toEqual(Array.from({ length: 10 }, () => 'stored'));
  });

  /** The holder loads `value` while the waiter's getOrSet waits on the lock; resolves with what the waiter sent. */
  async function wokenByHolder(value: string, meanwhile?: (namespace: string) => Promise<unknown>, key = 'cold') {
    const namespace = uniqueNamespace('rt');
    const { cache: holder } = await cacheOnCountedClient(namespace);
    const { cache: waiter, log } = await cacheOnCountedClient(namespace);
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    let loading = false;
    // The holder's loader runs once it holds the lock.
    const held = holder.getOrSet(key, async () => ((loading = true), await gate, value));
    await eventually(() => loading);
    let answer: unknown;
    const measured = log.measure(async () => (answer = await waiter.getOrSet(key, async () => 'waiter loaded')));
    // The read, a first attempt, then (subscribed to releases) the attempt that waits.
    await eventually(() => log.names.length >= 4);
    await meanwhile?.(namespace);
    open();
    expect(await held).toBe(value);
    const { commands } = await measured;
    return { commands, answer };
  }

  it('a process woken by the holder takes the value from the release: no read after it', async () => {
    const { commands, answer } = await wokenByHolder('v');
    expect(answer).toBe('v');
    expect(commands).toEqual(['get', 'evalsha', 'evalsha', 'evalsha']);
  });

  it('the carried value comes first, then the plain release that waiters of other versions know', async () => {
    const listener = new Redis(redisUrl());
    clients.push(listener);
    await listener.subscribe('tiercache:load:released', 'tiercache:load:released:value');
    const heard: [string, string][] = [];
    const key = 'cold:ключ:{x}';
    listener.on('message', (channel: string, message: string) => message.includes(key) && heard.push([channel, message]));
    const { commands, answer } = await wokenByHolder('v: ü', undefined, key);
    expect(answer).toBe('v: ü');
    expect(commands).toHaveLength(4);
    await eventually(() => heard.length === 2);
    const [[valueChannel, carried], [plainChannel, resource]] = heard;
    expect([valueChannel, plainChannel]).toEqual(['tiercache:load:released:value', 'tiercache:load:released']);
    expect(resource.endsWith(key)).toBe(true);
    expect(carried.startsWith(`${resource.length}:${resource}`)).toBe(true);
    expect(carried).toContain('v: ü');
  });

  it('a value over 16 KB is not carried: the woken process reads it, without taking the lock', async () => {
    const large = 'x'.repeat(17 * 1024);
    const { commands, answer } = await wokenByHolder(large);
    expect(answer).toBe(large);
    expect(commands).toEqual(['get', 'evalsha', 'evalsha', 'evalsha', 'evalsha']);
  });

  it('a value that lost to a newer write is not carried: the woken process reads the newer one', async () => {
    const { commands, answer } = await wokenByHolder('v', (namespace) =>
      // A write neither the holder nor the waiter hears of (no bus): Redis refuses the older load over it.
      caches.build({ namespace, l2: { redis: redisUrl(), bus: false } }).set('cold', 'newer'),
    );
    expect(answer).toBe('newer');
    expect(commands).toEqual(['get', 'evalsha', 'evalsha', 'evalsha', 'evalsha']);
  });

  it('set is one script, which announces the key on the bus itself: one command', async () => {
    const { cache, log } = await cacheOnCountedClient(uniqueNamespace('rt'));
    expect(await log.measure(() => cache.set('k', 'v'))).toEqual({ commands: ['evalsha'], roundTrips: 1 });
  });

  it('setMany writes many entries in scripts of 16 keys, each announcing its own: one round trip', async () => {
    const { cache, log } = await cacheOnCountedClient(uniqueNamespace('rt'));
    const items = Array.from({ length: 150 }, (_, i) => ({ key: `k${i}`, value: i }));
    expect(await log.measure(() => cache.setMany(items))).toEqual({ commands: times(10, 'evalsha'), roundTrips: 1 });
    expect((await cache.getMany(items.map((item) => item.key))).size).toBe(150);
  });

  it('concurrent sets send write scripts of 16 keys, each announcing its keys: one round trip', async () => {
    const namespace = uniqueNamespace('rt');
    const { cache, log } = await cacheOnCountedClient(namespace);
    const measured = await log.measure(() => Promise.all(Array.from({ length: 64 }, (_, i) => cache.set(`k${i}`, i))));
    expect(measured).toEqual({ commands: times(4, 'evalsha'), roundTrips: 1 });
    const { cache: reader } = await cacheOnCountedClient(namespace);
    expect(await Promise.all(Array.from({ length: 64 }, (_, i) => reader.get(`k${i}`)))).toEqual(Array.from({ length: 64 }, (_, i) => i));
  });

  it('a full batch is written at once, not held by auto-pipelining until the tick ends', async () => {
    const namespace = uniqueNamespace('rt');
    const { cache: writer } = await cacheOnCountedClient(namespace);
    await writer.setMany(Array.from({ length: 32 }, (_, i) => ({ key: `k${i}`, value: i })));
    const { cache: reader, log } = await cacheOnCountedClient(namespace);
    log.names.length = 0;
    const reads = Array.from({ length: 32 }, (_, i) => reader.get(`k${i}`));
    // Still in the tick that made the calls: the first 16 keys have gone, the rest wait for its end.
    expect(log.names).toEqual(['mget']);
    expect(await Promise.all(reads)).toEqual(Array.from({ length: 32 }, (_, i) => i));
  });

  it('a write made while connecting announces itself once it is sent: a peer drops its copy', async () => {
    const namespace = uniqueNamespace('rt');
    const { cache: peer } = await cacheOnCountedClient(namespace);
    await peer.set('k', 'old');
    expect(await peer.get('k')).toBe('old'); // in the peer's L1
    const client = new Redis(redisUrl(), { enableAutoPipelining: true });
    clients.push(client);
    const log = new CommandLog(client);
    const cache = caches.build({ namespace, l2: { redis: client } });
    const applied = remoteApplied(peer);
    // Made while connecting: the script waits for the connection, and carries the message.
    await cache.set('k', 'v');
    expect(log.names.filter((name) => name === 'evalsha' || name === 'eval' || name === 'publish')).toEqual(['evalsha']);
    await applied;
    expect(await peer.get('k')).toBe('v');
  });

  it("keeps a given client's keyPrefix on the commands it writes at once", async () => {
    const namespace = uniqueNamespace('rt');
    const client = new Redis(redisUrl(), { enableAutoPipelining: true, keyPrefix: 'pfx:' });
    clients.push(client);
    await once(client, 'ready');
    const cache = caches.build({ namespace, l2: { redis: client } });
    expect(await cache.ready()).toBe(true);
    await Promise.all(Array.from({ length: 20 }, (_, i) => cache.set(`k${i}`, i)));
    const plain = new Redis(redisUrl());
    clients.push(plain);
    expect(await plain.exists(`pfx:${namespace}:k19`)).toBe(1);
    expect(await plain.exists(`${namespace}:k19`)).toBe(0);
    const other = new Redis(redisUrl(), { enableAutoPipelining: true, keyPrefix: 'pfx:' });
    clients.push(other);
    const reader = caches.build({ namespace, l2: { redis: other } });
    expect(await reader.ready()).toBe(true);
    expect(await Promise.all(Array.from({ length: 20 }, (_, i) => reader.get(`k${i}`)))).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });

  it('concurrent L2 hits are MGETs of 16 keys, in one round trip', async () => {
    const namespace = uniqueNamespace('rt');
    const { cache: writer } = await cacheOnCountedClient(namespace);
    await writer.setMany(Array.from({ length: 64 }, (_, i) => ({ key: `k${i}`, value: i })));
    const { cache: reader, log } = await cacheOnCountedClient(namespace);
    let values: unknown[] = [];
    const measured = await log.measure(async () => (values = await Promise.all(Array.from({ length: 64 }, (_, i) => reader.getOrSet(`k${i}`, async () => -1)))));
    expect(measured).toEqual({ commands: times(4, 'mget'), roundTrips: 1 });
    expect(values).toEqual(Array.from({ length: 64 }, (_, i) => i));
  });

  it('reads large values in MGETs of about 128 KB, sent in one round trip, so that their replies overlap', async () => {
    const namespace = uniqueNamespace('rt');
    const { cache: writer } = await cacheOnCountedClient(namespace);
    const big = 'x'.repeat(64 * 1024);
    await writer.setMany(Array.from({ length: 16 }, (_, i) => ({ key: `b${i}`, value: big })));
    const { cache: reader, log } = await cacheOnCountedClient(namespace, { l1: false });
    const readAll = () => Promise.all(Array.from({ length: 16 }, (_, i) => reader.get(`b${i}`)));
    // A few rounds teach the reader what its values weigh.
    for (let round = 0; round < 20; round++) await readAll();
    let values: unknown[] = [];
    const { commands, roundTrips } = await log.measure(async () => (values = await readAll()));
    expect(values).toEqual(Array.from({ length: 16 }, () => big));
    expect(commands.filter((name) => name === 'mget' || name === 'get').length).toBeGreaterThanOrEqual(8);
    expect(roundTrips).toBe(1);
  });

  it('answers each reader of a large value as its own reply arrives, not once the last of its tick has', async () => {
    const namespace = uniqueNamespace('rt');
    const { cache: writer } = await cacheOnCountedClient(namespace);
    const big = 'x'.repeat(200_000);
    const keys = Array.from({ length: 4 }, (_, i) => `b${i}`);
    await writer.setMany(keys.map((key) => ({ key, value: big })));
    const client = new Redis(redisUrl(), { enableAutoPipelining: true });
    clients.push(client);
    await once(client, 'ready');
    const reader = caches.build({ namespace, l1: false, l2: { redis: client } });
    expect(await reader.ready()).toBe(true);
    // A few rounds teach the reader what its values weigh.
    for (let round = 0; round < 5; round++) await Promise.all(keys.map((key) => reader.get(key)));
    let received = 0;
    client.stream.on('data', (chunk: Buffer) => (received += chunk.length));
    let receivedAtFirstAnswer: number | undefined;
    const read = await Promise.all(keys.map((key) => reader.get(key).then((found) => ((receivedAtFirstAnswer ??= received), found))));
    expect(read).toEqual(keys.map(() => big));
    // The socket delivers at most 64 KB at a time: the first reader was answered with ~3 of the ~12 chunks in.
    expect(receivedAtFirstAnswer).toBeLessThan(received / 2);
  });

  it('concurrent cold loads without the fleet lock: MGETs, then conditional write scripts', async () => {
    const { cache, log } = await cacheOnCountedClient(uniqueNamespace('rt'));
    const measured = await log.measure(() => Promise.all(Array.from({ length: 64 }, (_, i) => cache.getOrSet(`cold${i}`, async () => i, { distributed: false }))));
    expect(measured.commands).toEqual([...times(4, 'mget'), ...times(4, 'evalsha')]);
    // Two at most: the first MGET's reply may come back, and its loads be written, while the last is still out.
    expect(measured.roundTrips).toBeLessThanOrEqual(2);
  });

  it('delete is one script, which writes the tombstone and announces the key', async () => {
    const { cache, log } = await cacheOnCountedClient(uniqueNamespace('rt'));
    expect(await log.measure(() => cache.delete('k'))).toEqual({ commands: ['evalsha'], roundTrips: 1 });
  });

  it('invalidateTags writes the mark, then announces the stored time', async () => {
    const { cache, log } = await cacheOnCountedClient(uniqueNamespace('rt'));
    expect(await log.measure(() => cache.invalidateTags(['t']))).toEqual({ commands: ['evalsha', 'publish'], roundTrips: 2 });
  });
});
