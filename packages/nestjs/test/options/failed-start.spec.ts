import { Injectable, type OnModuleInit } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { Redis } from 'ioredis';
import { startRedisServer, type RedisServerHandle } from '../../../../tools/redis/redis-server.js';
import { CacheModule, type CacheModuleOptions } from '../../src/index.js';
import { eventually, uniqueNamespace } from '../support.js';

/** A start that fails after the registry has opened connections must close every one of them. */
describe('CacheModule: a failed start', () => {
  let server: RedisServerHandle;
  let observer: Redis;
  /** Every ioredis client that connected during the test, whoever created it. */
  const opened: Redis[] = [];
  const connect = Redis.prototype.connect;

  beforeAll(async () => {
    server = await startRedisServer();
    observer = new Redis(server.url);
    jest.spyOn(Redis.prototype, 'connect').mockImplementation(function (this: Redis, ...args: Parameters<Redis['connect']>) {
      opened.push(this);
      return connect.apply(this, args);
    });
  });
  afterAll(async () => {
    jest.restoreAllMocks();
    for (const client of opened) client.disconnect();
    observer.disconnect();
    await server.stop();
  });

  async function clients(): Promise<number> {
    const list = (await observer.client('LIST')) as string;
    return list.trim().split('\n').length;
  }

  const l2 = (): { redis: string } => ({ redis: server.url });
  async function failToStart(options: CacheModuleOptions): Promise<void> {
    opened.length = 0;
    const start = Test.createTestingModule({ imports: [CacheModule.forRoot({ namespace: uniqueNamespace('failed'), ...options })] }).compile();
    await expect(start).rejects.toMatchObject({ code: 'E_INVALID_OPTION' });
  }

  it.each<[string, () => CacheModuleOptions]>([
    ['a bad named cache', () => ({ l2: l2(), caches: { bad: { ttl: -1 } } })],
    ['a bad named cache after one with its own connection', () => ({ l2: l2(), caches: { own: { l2: l2() }, bad: { l1: { maxEntries: 0 } } } })],
  ])('closes the connections it opened, on %s', async (_, options) => {
    await failToStart(options());
    expect(opened.length).toBeGreaterThan(0);
    await eventually(() => opened.every((client) => client.status === 'end'));
    await eventually(async () => (await clients()) === 1);
  }, 20_000);

  it('closes them on app.close() when a later provider fails to initialise', async () => {
    @Injectable()
    class NeedsSomethingMissing implements OnModuleInit {
      onModuleInit(): void {
        throw new Error('required service unreachable');
      }
    }
    opened.length = 0;
    const moduleRef = await Test.createTestingModule({
      imports: [CacheModule.forRoot({ namespace: uniqueNamespace('failed'), l2: l2() })],
      providers: [NeedsSomethingMissing],
    }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    await expect(app.init()).rejects.toThrow('required service unreachable');
    await app.close();
    expect(opened.length).toBeGreaterThan(0);
    await eventually(() => opened.every((client) => client.status === 'end'));
    await eventually(async () => (await clients()) === 1);
  }, 20_000);

  it.each<[string, () => CacheModuleOptions]>([
    ['a bad `locks`', () => ({ l2: l2(), locks: 'redis' as never })],
    ['a bad `tenancy`', () => ({ l2: l2(), tenancy: { resolve: 'x-tenant' as never } })],
  ])('opens no connection at all on %s', async (_, options) => {
    await failToStart(options());
    expect(opened).toEqual([]);
  });
});
