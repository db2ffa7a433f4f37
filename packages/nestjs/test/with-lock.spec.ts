import { Injectable } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import { CacheModule, InProcessLockProvider, LockProvider, RedisLockProvider, WithLock } from '../src/index.js';
import { redisUrl, uniqueNamespace } from './support.js';

/** Shared by every instance in this process, as a downstream resource would be. */
const inside = { now: 0, most: 0 };

@Injectable()
class Payouts {
  @WithLock((account: string) => `payout:${account}`, { ttlMs: 5_000, waitMs: 5_000 })
  async payOut(account: string): Promise<string> {
    inside.now++;
    inside.most = Math.max(inside.most, inside.now);
    await new Promise((resolve) => setTimeout(resolve, 20));
    inside.now--;
    return account;
  }
}

async function app(options: Parameters<typeof CacheModule.forRoot>[0]): Promise<TestingModule> {
  const moduleRef = await Test.createTestingModule({ imports: [CacheModule.forRoot(options)], providers: [Payouts] }).compile();
  await moduleRef.init();
  return moduleRef;
}

beforeEach(() => Object.assign(inside, { now: 0, most: 0 }));

describe('@WithLock', () => {
  it('serialises calls across two apps sharing Redis, with an injectable LockProvider', async () => {
    const lockName = uniqueNamespace('acct');
    const [a, b] = await Promise.all([app({ l2: { redis: redisUrl() } }), app({ l2: { redis: redisUrl() } })]);
    try {
      expect(a.get(LockProvider)).toBeInstanceOf(RedisLockProvider);
      const calls = [a, b].flatMap((moduleRef) => Array.from({ length: 4 }, () => moduleRef.get(Payouts).payOut(lockName)));
      expect(await Promise.all(calls)).toEqual(Array(8).fill(lockName));
      expect(inside.most).toBe(1);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('uses in-process locks without Redis, and different resources do not wait for each other', async () => {
    const moduleRef = await app({ l2: false });
    try {
      expect(moduleRef.get(LockProvider)).toBeInstanceOf(InProcessLockProvider);
      await Promise.all([moduleRef.get(Payouts).payOut('x'), moduleRef.get(Payouts).payOut('y')]);
      expect(inside.most).toBe(2);
    } finally {
      await moduleRef.close();
    }
  });

  it('refuses to run without its lock on an object Nest did not create', async () => {
    await expect(new Payouts().payOut('z')).rejects.toMatchObject({ code: 'E_INVALID_ARGUMENT' });
    expect(inside.most).toBe(0);
  });
});
