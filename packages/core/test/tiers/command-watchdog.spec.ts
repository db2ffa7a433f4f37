import { Command, type Redis } from 'ioredis';
import { redisBehindProxy } from '../support/redis-behind-proxy.js';
import { TieredCache } from '../../src/index.js';
import { eventually, silentLogger, uniqueNamespace } from '../support/redis.js';

/**
 * The clients Tiercache creates bound their commands with one watchdog per connection instead of a
 * timer per command. Commands the breaker does not bound (a caller's own use of `redisClient`, a
 * quit) must still fail on a hung Redis, as ioredis' own `commandTimeout` made them. Redis hangs
 * behind a frozen proxy: connections stay open, nothing answers.
 */
describe('the command watchdog', () => {
  const open: TieredCache[] = [];

  const redis = redisBehindProxy(async () => {
    await Promise.all(open.splice(0).map((cache) => cache.close()));
  });

  async function make(connection: string | { host: string; port: number; commandTimeout?: number }) {
    const cache = new TieredCache({ namespace: uniqueNamespace('watchdog'), logger: silentLogger, l2: { redis: connection } });
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
    const { client } = await make(redis.proxy.url);
    expect(client.options.commandTimeout).toBeUndefined();
    expect(await client.set('k', 'v')).toBe('OK');
    redis.proxy.freeze();
    expect(await outcome(Promise.all([client.get('k'), client.get('k')]))).toBe('Command timed out');
    redis.proxy.thaw();
    // Replies keep their order: the late answers go to the commands that were given up on.
    expect(await client.get('k')).toBe('v');
  });

  it('enforces the command timeout given in the connection options, and still counts it as L2’s bound', async () => {
    const { cache, client } = await make({ host: '127.0.0.1', port: redis.proxy.port, commandTimeout: 200 });
    expect(client.options.commandTimeout).toBeUndefined();
    redis.proxy.freeze();
    expect(await outcome(client.get('k'))).toBe('Command timed out');
    // The breaker's bound is the same 200 ms: a hung Redis is skipped, and the loader answers.
    expect(await cache.getOrSet('cold', async () => 'db')).toBe('db');
    expect(cache.status().l2?.breakerOpen).toBe(true);
  });

  it('fails a command sent before its connection dropped while Redis stays unreachable', async () => {
    const { client } = await make(redis.proxy.url);
    // The command must go out on a live connection: ioredis refuses one at once while it is not ready (the offline queue is off).
    await eventually(() => client.status === 'ready');
    redis.proxy.freeze();
    // Written now, not auto-pipelined: ioredis sends one auto-pipeline at a time, so behind one of the
    // cache's own (frozen) commands an auto-pipelined GET would only leave after the cut, and be refused.
    const sent = client.sendCommand(new Command('get', ['k'], { replyEncoding: 'utf8' })) as Promise<unknown>;
    expect((client as unknown as { commandQueue: { length: number } }).commandQueue.length).toBeGreaterThan(0);
    // ioredis keeps the commands of a dropped connection to send them again on the next one.
    redis.proxy.cut();
    expect(await outcome(sent)).toBe('Command timed out');
  });

  it('lets close() finish on a hung Redis: the quit it sends is bounded too', async () => {
    const { cache } = await make(redis.proxy.url);
    redis.proxy.freeze();
    expect(await outcome(cache.close(), 10_000)).toBe('answered');
  }, 15_000);
});
