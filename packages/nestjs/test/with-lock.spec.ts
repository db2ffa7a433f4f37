import { Injectable } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import { Redis } from 'ioredis';
import { CacheModule, InProcessLockProvider, LockProvider, RedisLockProvider, WithLock, currentLock } from '../src/index.js';
import { deferred, redisUrl, uniqueNamespace } from './support.js';

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
    await expect(new Payouts().payOut('z')).rejects.toMatchObject({ code: 'E_INVALID_ARGUMENT', message: expect.stringContaining('@WithLock Payouts.payOut') });
    expect(inside.most).toBe(0);
  });
});

describe('@WithLock hands the lock to the method', () => {
  @Injectable()
  class Guarded {
    seen: { fence: number; resource: string } | undefined;
    stoppedBy: unknown;

    @WithLock((name: string) => name, { ttlMs: 300, waitMs: 1_000 })
    async work(name: string, gate: Promise<void>): Promise<string> {
      const lock = currentLock()!;
      this.seen = { fence: lock.fence, resource: lock.resource };
      lock.signal.addEventListener('abort', () => (this.stoppedBy = lock.signal.reason), { once: true });
      await gate;
      return name;
    }
  }

  it('exposes the lock through currentLock(), and a lost lease aborts the call with E_LOCK_LOST', async () => {
    const namespace = uniqueNamespace('lost');
    const moduleRef = await Test.createTestingModule({
      imports: [CacheModule.forRoot({ namespace, l2: { redis: redisUrl() } })],
      providers: [Guarded],
    }).compile();
    await moduleRef.init();
    const redis = new Redis(redisUrl());
    const gate = deferred<void>();
    try {
      const guarded = moduleRef.get(Guarded);
      const call = guarded.work('res', gate.promise);
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(guarded.seen).toEqual({ fence: expect.any(Number), resource: 'res' });
      expect(currentLock()).toBeUndefined();
      // Another party takes the lock over: the watchdog's next renewal finds it gone.
      expect(await redis.del(`${namespace}:lock:{res}`)).toBe(1);
      await expect(call).rejects.toMatchObject({ code: 'E_LOCK_LOST' });
      expect(guarded.stoppedBy).toMatchObject({ code: 'E_LOCK_LOST' });
    } finally {
      gate.resolve();
      redis.disconnect();
      await moduleRef.close();
    }
  });
});
