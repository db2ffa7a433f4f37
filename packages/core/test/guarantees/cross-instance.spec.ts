import { CacheFactory } from '../support/cache-factory.js';
import { adminClient, eventually, uniqueNamespace } from '../support/redis.js';

const caches = new CacheFactory();
const admin = adminClient();
afterEach(() => caches.closeAll());
afterAll(() => admin.quit());

function gatedLoader<T>(value: T) {
  let release!: () => void;
  let started!: () => void;
  const running = new Promise<void>((resolve) => (started = resolve));
  const gate = new Promise<void>((resolve) => (release = resolve));
  const loader = async () => {
    started();
    await gate;
    return value;
  };
  return { loader, running, release };
}

describe('a load that began before another instance wrote', () => {
  it.each([
    ['set', 'new'],
    ['delete', undefined],
  ] as const)('never overwrites its %s', async (op, expected) => {
    const namespace = uniqueNamespace('lww');
    // Without L1 the loading instance hears no bus message: only the write to Redis can protect B's write.
    const a = caches.twoTier({ namespace, l1: false, distributed: false });
    const b = caches.twoTier({ namespace });
    await Promise.all([a.ready(), b.ready()]);
    const slow = gatedLoader('old');
    const loading = a.getOrSet('k', slow.loader);
    await slow.running;
    if (op === 'set') await b.set('k', 'new');
    else await b.delete('k');
    slow.release();
    expect(await loading).toBe('old');
    const c = caches.twoTier({ namespace, l1: false });
    expect(await c.get('k')).toBe(expected);
  });
});

describe('an instance without L1', () => {
  it('stops serving an entry once another instance invalidated its tag', async () => {
    const namespace = uniqueNamespace('nol1');
    const reader = caches.twoTier({ namespace, l1: false });
    const writer = caches.twoTier({ namespace });
    await Promise.all([reader.ready(), writer.ready()]);
    await writer.set('k', 'v', { tags: ['t'] });
    expect(await reader.get('k')).toBe('v'); // learns that t was never invalidated
    await writer.invalidateTags(['t']);
    await eventually(async () => (await reader.get('k')) === undefined, 3_000);
  });
});

describe('mark retention in Redis', () => {
  it('keeps a mark at least as long as the longest entry any instance may write', async () => {
    const namespace = uniqueNamespace('retain');
    const writer = caches.twoTier({ namespace, ttl: 3 * 24 * 3600_000 });
    const invalidator = caches.twoTier({ namespace });
    expect(await Promise.all([writer.ready(), invalidator.ready()])).toEqual([true, true]);
    await writer.set('k', 'v', { tags: ['t'] });
    await invalidator.invalidateTags(['t']);
    const keys = await admin.keys(`${invalidator.prefix}*|t|t`);
    expect(keys).toHaveLength(1);
    expect(await admin.pttl(keys[0]!)).toBeGreaterThanOrEqual(3 * 24 * 3600_000);
  });
});
