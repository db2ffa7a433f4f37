import { Redis } from 'ioredis';
import { RedisTier } from '../../src/tiers/redis-tier.js';
import { redisUrl, uniqueNamespace } from '../support/redis.js';
import { describeTierConformance } from './tier-conformance.js';

let tier: RedisTier;

describeTierConformance(
  'RedisTier',
  async () => {
    tier = new RedisTier(redisUrl());
    await tier.firstConnection();
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

  it('uses a pipeline for many reads on a client without auto-pipelining', async () => {
    const client = new Redis(redisUrl());
    const plain = new RedisTier(client);
    const prefix = uniqueNamespace('pipe');
    await plain.setMany([{ key: `${prefix}:a`, value: 'A', ttlMs: 10_000 }]);
    expect(await plain.getMany([`${prefix}:a`, `${prefix}:b`])).toEqual(['A', undefined]);
    await client.quit();
  });
});
