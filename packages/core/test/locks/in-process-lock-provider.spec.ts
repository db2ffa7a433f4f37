import { randomUUID } from 'node:crypto';
import { InProcessLockProvider, type LockHandle } from '../../src/locks/index.js';
import { lockProviderConformance } from './lock-provider.conformance.js';

describe('InProcessLockProvider', () => {
  lockProviderConformance(() => new InProcessLockProvider());

  it('hands the lock to waiters in the order they asked', async () => {
    const locks = new InProcessLockProvider();
    const resource = `res-${randomUUID()}`;
    const order: string[] = [];
    const first = await locks.acquire(resource);

    const waiters = ['a', 'b', 'c'].map((name) =>
      locks.acquire(resource).then(async (lock: LockHandle) => {
        order.push(name);
        await lock.release();
      }),
    );
    // A caller arriving while others queue must not barge in when the lock frees up.
    expect(await locks.tryAcquire(resource)).toBeUndefined();
    await first.release();
    await Promise.all(waiters);

    expect(order).toEqual(['a', 'b', 'c']);
    await locks.close();
  });
});
