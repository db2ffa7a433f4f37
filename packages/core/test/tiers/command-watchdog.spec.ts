import type { Redis } from 'ioredis';
import { startTcpProxy, type TcpProxy } from '../../../../tools/net/tcp-proxy.js';
import { startRedisServer, type RedisServerHandle } from '../../../../tools/redis/redis-server.js';
import { TieredCache } from '../../src/index.js';
import { eventually, silentLogger, uniqueNamespace } from '../support/redis.js';

/**
 * The clients Tiercache creates bound their commands with one watchdog per connection instead of a
 * timer per command. Commands the breaker does not bound (a caller's own use of `redisClient`, a
 * quit) must still fail on a hung Redis, as ioredis' own `commandTimeout` made them. Redis hangs
 * behind a frozen proxy: connections stay open, nothing answers.
 */
describe('the command watchdog', () => {
  let server: RedisServerHandle;
  let proxy: TcpProxy;
  const open: TieredCache[] = [];

  beforeEach(async () => {
    server = await startRedisServer();
    proxy = await startTcpProxy(server.port);
  });
  afterEach(async () => {
    proxy.thaw();
    await Promise.all(open.splice(0).map((cache) => cache.close()));
    await proxy.close();
    await server.stop();
  });

  async function make(redis: string | { host: string; port: number; commandTimeout?: number }) {
    const cache = new TieredCache({ namespace: uniqueNamespace('watchdog'), logger: silentLogger, l2: { redis } });
    open.push(cache);
    expect(await cache.ready()).toBe(true);
    return { cache, client: cache.redisClient as Redis };
  }

  /** How `promise` settles, or 'still waiting' after `ms` (far beyond any command timeout here). */
  async function outcome(promise: Promise<unknown>, ms = 3_000): Promise<string> {
    let timer: NodeJS.Timeout | undefined;
    const waiting = new Promise<string>((resolve) => (timer = setTimeout(() => resolve('still waiting'), ms)));
    try {
      return await Promise.race([promise.then(() => 'answered', (error: Error) => error.message), waiting]);
    } finally {
      clearTimeout(timer);
    }
  }

  it('fails a command the breaker does not bound with ioredis’ own timeout error, with no timer per command', async () => {
    const { client } = await make(proxy.url);
    expect(client.options.commandTimeout).toBeUndefined();
    expect(await client.set('k', 'v')).toBe('OK');
    proxy.freeze();
    expect(await outcome(Promise.all([client.get('k'), client.get('k')]))).toBe('Command timed out');
    proxy.thaw();
    // Replies keep their order: the late answers go to the commands that were given up on.
    expect(await client.get('k')).toBe('v');
  });

  it('enforces the command timeout given in the connection options, and still counts it as L2’s bound', async () => {
    const { cache, client } = await make({ host: '127.0.0.1', port: proxy.port, commandTimeout: 200 });
    expect(client.options.commandTimeout).toBeUndefined();
    proxy.freeze();
    expect(await outcome(client.get('k'))).toBe('Command timed out');
    // The breaker's bound is the same 200 ms: a hung Redis is skipped, and the loader answers.
    expect(await cache.getOrSet('cold', async () => 'db')).toBe('db');
    expect(cache.status().l2?.breakerOpen).toBe(true);
  });

  it('fails a command sent before its connection dropped while Redis stays unreachable', async () => {
    const { client } = await make(proxy.url);
    proxy.freeze();
    const sent = client.get('k');
    await eventually(() => (client as unknown as { commandQueue: { length: number } }).commandQueue.length > 0);
    // ioredis keeps the commands of a dropped connection to send them again on the next one.
    proxy.cut();
    expect(await outcome(sent)).toBe('Command timed out');
  });

  it('lets close() finish on a hung Redis: the quit it sends is bounded too', async () => {
    const { cache } = await make(proxy.url);
    proxy.freeze();
    expect(await outcome(cache.close(), 10_000)).toBe('answered');
  }, 15_000);
});
