import { join } from 'node:path';
import { ChildWorkers, ask } from '../support/child-workers.js';
import { adminClient, eventually, redisUrl, uniqueNamespace } from '../support/redis.js';

const admin = adminClient();
const workers = new ChildWorkers();
afterEach(() => workers.killAll());
afterAll(() => admin.quit());

const LOOP_MS = 7_000;

function worker(namespace: string, counterKey: string) {
  return workers.start(join(__dirname, 'fixtures', 'early-refresh-worker.mjs'), [redisUrl(), namespace, counterKey, String(LOOP_MS)]);
}

describe('early refresh with Redis, in two processes (fleet locking on)', () => {
  it('refreshes a hot key before it expires, and no caller waits for a load', async () => {
    const namespace = uniqueNamespace('ahead');
    const counterKey = `${namespace}:loads`;
    const [a, b] = [worker(namespace, counterKey), worker(namespace, counterKey)];
    expect(await Promise.all([ask(a, 'ready'), ask(b, 'ready')])).toEqual([true, true]);
    const warmed = await ask<{ value: unknown; key: string }>(a, 'warm');
    expect(warmed.value).toEqual({ version: 1 });
    // The loaded value's L2 write lands behind its caller: B's first read must find it there.
    await eventually(async () => (await admin.exists(warmed.key)) === 1);
    // TTL 3 s, refresh due after 0.9 s: over 7 s of reads the entry would expire twice without it.
    const seen = await Promise.all([a, b].map((child) => ask<{ misses: number; versions: number[] }>(child, 'loop')));
    const loads = Number(await admin.get(counterKey));
    // Every read was a hit: the refreshes ran behind the callers, one at a time across both processes.
    expect(seen.map((s) => s.misses)).toEqual([0, 0]);
    expect(loads).toBeGreaterThanOrEqual(4);
    // One refresh per due point fleet-wide, not one per process: about LOOP_MS / 0.9 s of them.
    expect(loads).toBeLessThanOrEqual(Math.ceil(LOOP_MS / 900) + 2);
    // Both processes took the refreshed values, not just the one that loaded them.
    for (const { versions } of seen) expect(Math.max(...versions)).toBeGreaterThanOrEqual(loads - 1);
  }, 30_000);
});
