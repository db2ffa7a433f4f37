import type { Cluster } from 'ioredis';
import { startTcpProxy, type TcpProxy } from '../../../../tools/net/tcp-proxy.js';
import { TieredCache } from '../../src/index.js';
import { eventually, recordingLogger, uniqueNamespace } from '../support/redis.js';
import { clusterNodes, closeCluster, connectCluster, slotOf } from './cluster-support.js';

/**
 * One master that hangs for this client only: its connection goes through a TCP proxy (ioredis'
 * natMap), which freezes. The cluster itself stays healthy, so the other masters go on serving.
 */
describe('the L2 breaker on a Redis Cluster with one master hung', () => {
  let proxy: TcpProxy;
  let admin: Cluster;
  let cache: TieredCache;
  let hungMaster: string;
  let proxied: string;

  beforeAll(async () => {
    admin = await connectCluster();
    const master = admin.nodes('master')[0]!;
    hungMaster = `${master.options.host}:${master.options.port}`;
    proxy = await startTcpProxy(master.options.port!, master.options.host);
    proxied = `127.0.0.1:${proxy.port}`;
    // An entry whose marks can't be read is not served (it loads instead): keep this namespace's
    // clear mark off the hung master, so that the other masters' entries stay readable.
    let namespace: string;
    do namespace = uniqueNamespace('node-breaker');
    while (admin.slots[slotOf(`${namespace}:|c`)]?.[0] === hungMaster);
    cache = new TieredCache({
      namespace,
      l1: false,
      logger: recordingLogger(),
      l2: {
        redis: { cluster: clusterNodes(), options: { natMap: { [hungMaster]: { host: '127.0.0.1', port: proxy.port } } } },
        breaker: { openMs: 60_000, maxOpenMs: 60_000 },
      },
    });
    expect(await cache.ready()).toBe(true);
  });
  afterAll(async () => {
    proxy?.thaw();
    await cache?.close();
    await proxy?.close();
    if (admin) await closeCluster(admin);
  });

  /** `count` keys of this cache that the hung master serves (`onHung`), or that it does not. */
  function keys(onHung: boolean, count: number): string[] {
    const client = cache.redisClient as Cluster;
    const found: string[] = [];
    for (let i = 0; found.length < count; i++) {
      const key = `${onHung ? 'h' : 'o'}${i}`;
      if ((client.slots[slotOf(cache.keyFor(key))]?.[0] === proxied) === onHung) found.push(key);
    }
    return found;
  }

  it('skips the hung master after its first timeout while the other masters serve, and closes when it answers', async () => {
    const states: string[] = [];
    cache.events.on('breaker:open', ({ node }) => states.push(`open ${node}`));
    cache.events.on('breaker:close', ({ node }) => states.push(`close ${node}`));
    const hung = keys(true, 10);
    const others = keys(false, 10);
    for (const key of [...hung, ...others]) await cache.set(key, `v:${key}`);

    proxy.freeze();
    expect(await cache.get(hung[0]!)).toBeUndefined();
    expect(states).toEqual([`open ${proxied}`]);
    expect(cache.status().l2?.openNodes.map((open) => open.node)).toEqual([proxied]);

    // Without L1, only Redis can answer these: the other masters serve...
    const errors = cache.stats().errors;
    for (const key of others) expect(await cache.get(key)).toBe(`v:${key}`);
    // ...and the hung one is skipped, not waited for: no command to it, so no new failure.
    for (const key of hung) expect(await cache.getOrSet(key, async () => `db:${key}`)).toBe(`db:${key}`);
    expect(cache.stats().errors).toBe(errors);

    proxy.thaw();
    await eventually(() => states.length === 2);
    expect(states[1]).toBe(`close ${proxied}`);
    await cache.set(hung[1]!, 'after');
    expect(await cache.get(hung[1]!)).toBe('after');
  }, 20_000);
});
