import { Redis } from 'ioredis';
import { startTcpProxy } from '../../../../tools/net/tcp-proxy.js';
import { RedisTier } from '../../src/tiers/redis-tier.js';
import { eventually, redisUrl, uniqueNamespace } from '../support/redis.js';
import { describeTierConformance } from './tier-conformance.js';

let tier: RedisTier;

describeTierConformance(
  'RedisTier',
  async () => {
    tier = new RedisTier(redisUrl());
    // firstConnection() is bounded (200 ms) and a busy machine can take longer: these tests need Redis.
    await eventually(() => tier.isReady());
    return {
      tier,
      value: (n) => `value-${n}`,
      prefix: `${uniqueNamespace('tier')}:`,
      advance: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    };
  },
  () => tier.close(),
);

describe('RedisTier connections', () => {
  it('never closes a client it was given', async () => {
    const client = new Redis(redisUrl());
    const given = new RedisTier(client);
    await given.close();
    expect(await client.ping()).toBe('PONG');
    await client.quit();
  });

  it('closes a client it created', async () => {
    const owned = new RedisTier(redisUrl());
    await owned.firstConnection();
    await owned.close();
    expect(owned.client.status).toBe('end');
  });

  it('closes cleanly when the connection is reset while it closes', async () => {
    // ioredis ignores read errors while it closes, but tells them by `instanceof Error`, which fails
    // for errors made in another realm (Jest's sandbox is one, so is any vm context): the 'error'
    // event then reaches listeners, and a close waiting for 'end' must not fail because of it.
    const proxy = await startTcpProxy(Number(new URL(redisUrl()).port));
    try {
      const tier = new RedisTier(proxy.url);
      await eventually(() => tier.isReady());
      const closed = tier.close();
      proxy.reset();
      await expect(closed).resolves.toBeUndefined();
      expect(tier.client.status).toBe('end');
    } finally {
      await proxy.close();
    }
  });

  it('uses a pipeline for many reads on a client without auto-pipelining', async () => {
    const client = new Redis(redisUrl());
    const plain = new RedisTier(client);
    const prefix = uniqueNamespace('pipe');
    await plain.setMany([{ key: `${prefix}:a`, value: 'A', ttlMs: 10_000 }]);
    expect(await plain.getMany([`${prefix}:a`, `${prefix}:b`])).toEqual(['A', undefined]);
    await client.quit();
  });
});

describe('RedisTier bulk commands', () => {
  /** Counts what reaches the socket as separate writes (each is a system call). */
  function countWrites(client: Redis): { readonly count: number } {
    const socket = client.stream as unknown as Record<'_write' | '_writev', (...args: unknown[]) => void>;
    const counter = { count: 0 };
    for (const method of ['_write', '_writev'] as const) {
      const original = socket[method].bind(socket);
      socket[method] = (...args: unknown[]) => (counter.count++, original(...args));
    }
    return counter;
  }

  it('writes the commands of one bulk call to the socket together', async () => {
    const client = new Redis(redisUrl());
    const bulk = new RedisTier(client);
    try {
      await eventually(() => bulk.isReady());
      const prefix = uniqueNamespace('bulk');
      const keys = Array.from({ length: 8 }, (_, i) => `${prefix}:k${i}`);
      await Promise.all(keys.map((key) => client.set(key, 'v')));
      const marks = keys.map((key) => `${key}:mark`);
      // Once, so the script is loaded and the calls below are the steady ones.
      await bulk.writeMarks([{ key: `${prefix}:warm`, mode: 'hard', at: 1 }], 60_000);
      const writes = countWrites(client);
      const stored = await bulk.writeMarks(marks.map((key) => ({ key, mode: 'hard', at: 1 })), 60_000);
      expect((await bulk.readMarks(marks)).map((mark) => mark.hard)).toEqual(stored);
      await bulk.delete(keys.slice(0, 4));
      expect(writes.count).toBe(3);
      // scanDelete: each SCAN (on the same client, as many as the shared server's keys take), then
      // one write for the UNLINKs of each page that had matching keys.
      let scans = 0;
      const scan = client.scan.bind(client);
      client.scan = ((...args: Parameters<typeof scan>) => (scans++, scan(...args))) as typeof client.scan;
      let pagesWithDeletes = 0;
      let deleted = 0;
      const progress = await bulk.scanDelete(`${prefix}:k?`, () => true, (now) => {
        if (now.deleted > deleted) pagesWithDeletes++;
        deleted = now.deleted;
      });
      expect(progress.deleted).toBe(4);
      expect(writes.count - 3).toBe(scans + pagesWithDeletes);
    } finally {
      await bulk.close();
      await client.quit();
    }
  });
});
