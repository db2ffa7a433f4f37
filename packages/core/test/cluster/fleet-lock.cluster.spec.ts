import { CacheFactory } from '../support/cache-factory.js';
import { uniqueNamespace } from '../support/redis.js';
import { clusterNodes } from './cluster-support.js';

const caches = new CacheFactory();
afterEach(() => caches.closeAll());

describe('the fleet load lock on a cluster', () => {
  // The lock is taken and the entry read in one script, so both keys must share a slot whatever the key.
  it.each(['agent:42', 'user:{42}:profile', 'a{}b', 'a}b', '}{x', 'café'])('runs one load for two instances, without faults: %s', async (key) => {
    const namespace = uniqueNamespace('cfleet');
    const l2 = { redis: { cluster: clusterNodes() } };
    const [a, b] = [caches.build({ namespace, l2 }), caches.build({ namespace, l2 })];
    expect(await Promise.all([a.ready(10_000), b.ready(10_000)])).toEqual([true, true]);
    const faults: string[] = [];
    for (const cache of [a, b]) cache.events.on('fault', ({ operation, error }) => faults.push(`${operation}: ${String(error)}`));
    let loads = 0;
    let started!: () => void;
    const running = new Promise<void>((resolve) => (started = resolve));
    const loader = async () => (loads++, started(), await new Promise((resolve) => setTimeout(resolve, 200)), 'v');
    const first = a.getOrSet(key, loader);
    await running;
    expect(await Promise.all([first, b.getOrSet(key, loader)])).toEqual(['v', 'v']);
    expect(loads).toBe(1);
    expect(faults).toEqual([]);
  });
});
