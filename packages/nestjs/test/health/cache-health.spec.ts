import { Controller, Get, Injectable, type INestApplication } from '@nestjs/common';
import { HealthCheck, HealthCheckService } from '@nestjs/terminus';
import { Test } from '@nestjs/testing';
import { CacheModule } from '@tiercache/nestjs';
import { CacheHealthIndicator, CacheHealthModule, type CacheHealthCheckOptions } from '@tiercache/nestjs/health';
import { CacheWarmer, WarmerRegistry, WarmersModule } from '@tiercache/nestjs/warmers';
import { TieredCache } from '@tiercache/core';
import { Redis } from 'ioredis';
import { once } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import request from 'supertest';
import { startTcpProxy } from '../../../../tools/net/tcp-proxy.js';
import { startRedisServer, type RedisServerHandle } from '../../../../tools/redis/redis-server.js';
import { uniqueNamespace } from '../support.js';

/** What the controller passes to the indicator; set per test. */
let checkOptions: CacheHealthCheckOptions = {};

@Controller('health')
class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly cacheHealth: CacheHealthIndicator,
  ) {}

  @Get()
  @HealthCheck()
  check() {
    return this.health.check([() => this.cacheHealth.isHealthy('cache', checkOptions)]);
  }
}

@Injectable()
class FailingWarmer {
  @CacheWarmer({ name: 'broken', exclusive: false })
  async warm(): Promise<void> {
    throw new Error('source unavailable');
  }
}

const fast = { enableOfflineQueue: false, maxRetriesPerRequest: 1, commandTimeout: 500, retryStrategy: () => 50 } as const;

describe('CacheHealthIndicator behind a Terminus endpoint', () => {
  let server: RedisServerHandle;
  let client: Redis;
  let app: INestApplication | undefined;

  beforeAll(async () => {
    server = await startRedisServer();
  });
  afterAll(async () => {
    await server.stop();
  });
  beforeEach(async () => {
    client = new Redis(server.url, fast);
    // Connection errors are what some tests provoke; the indicator reports them, the client need not log them.
    client.on('error', () => undefined);
    await once(client, 'ready');
  });
  afterEach(async () => {
    await app?.close();
    app = undefined;
    client.disconnect();
  });

  async function start(cacheOptions: Parameters<typeof CacheModule.forRoot>[0] = {}, extra: { warmers?: boolean } = {}): Promise<INestApplication> {
    const moduleRef = await Test.createTestingModule({
      imports: [
        CacheModule.forRoot({ namespace: uniqueNamespace('health'), l2: { redis: server.url }, ...cacheOptions }),
        CacheHealthModule,
        ...(extra.warmers ? [WarmersModule.forRoot()] : []),
      ],
      controllers: [HealthController],
      providers: extra.warmers ? [FailingWarmer] : [],
    }).compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.init();
    // Readiness, not timing: a loaded machine may take a while to connect, and "up" needs L2 connected.
    const cache = app.get(TieredCache);
    for (const deadline = Date.now() + 5_000; !cache.status().l2?.connected && Date.now() < deadline; ) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await cache.set('warm-up', 1);
    return app;
  }

  it('is up with a reachable Redis, reporting PING, L1 fill and Redis memory', async () => {
    await start();
    checkOptions = { redis: client };
    const response = await request(app!.getHttpServer()).get('/health').expect(200);
    expect(response.body.status).toBe('ok');
    const cache = response.body.details.cache;
    expect(cache.status).toBe('up');
    expect(cache.l1).toMatchObject({ entries: 1, maxEntries: 10_000 });
    expect(cache.l2).toMatchObject({ connected: true, breakerOpen: false, pingMs: expect.any(Number), usedMemory: expect.any(Number) });
    expect(cache.problems).toBeUndefined();
  });

  it('is down with a killed Redis, and says why', async () => {
    await start();
    checkOptions = { redis: client };
    await server.kill();
    try {
      const response = await request(app!.getHttpServer()).get('/health').expect(503);
      expect(response.body.status).toBe('error');
      expect(response.body.error.cache.status).toBe('down');
      expect(response.body.error.cache.problems).toEqual(expect.arrayContaining([expect.stringMatching(/^PING failed/)]));
    } finally {
      await server.restart();
    }
  });

  it('says what is wrong in the cache’s terms, not ioredis internals, when its own Redis is gone', async () => {
    await start();
    checkOptions = {};
    await server.kill();
    try {
      const cache = app!.get(TieredCache);
      for (const deadline = Date.now() + 5_000; cache.status().l2?.connected && Date.now() < deadline; ) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      const response = await request(app!.getHttpServer()).get('/health').expect(503);
      const problems = response.body.error.cache.problems as string[];
      expect(problems).toContain(`L2 (Redis) at 127.0.0.1:${server.port} is not connected: the cache serves from L1 and loaders until it reconnects`);
      expect(problems.join(' ')).not.toMatch(/enableOfflineQueue|Stream isn't writeable|Connection is closed/);
    } finally {
      await server.restart();
    }
  });

  it('names the Redis node whose circuit breaker is open', async () => {
    const proxy = await startTcpProxy(server.port);
    try {
      await start({ l2: { redis: proxy.url } });
      checkOptions = { timeoutMs: 100 };
      proxy.freeze();
      // The first timeout opens the breaker of the node that hung.
      await app!.get(TieredCache).get('cold');
      const response = await request(app!.getHttpServer()).get('/health').expect(503);
      expect(response.body.error.cache.problems).toContain(
        `the L2 circuit breaker is open for 127.0.0.1:${proxy.port} (Redis did not answer within the command timeout): its Redis calls are being skipped`,
      );
      expect(response.body.error.cache.l2.openNodes).toEqual([{ node: `127.0.0.1:${proxy.port}`, error: expect.any(String) }]);
    } finally {
      proxy.thaw();
      await app?.close();
      app = undefined;
      await proxy.close();
    }
  });

  it('translates a failed PING on a given client into plain words', async () => {
    await start();
    checkOptions = { redis: client };
    await server.kill();
    try {
      const response = await request(app!.getHttpServer()).get('/health').expect(503);
      expect(response.body.error.cache.problems).toContain('PING failed: Redis is unreachable (no open connection)');
    } finally {
      await server.restart();
    }
  });

  it('is down, not hanging, when Redis accepts connections but never answers', async () => {
    // A server that swallows every byte: only the per-check timeout ends the PING.
    const sockets = new Set<Socket>();
    const silent: Server = createServer((socket) => void sockets.add(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as { port: number }).port;
    const mute = new Redis({ port, host: '127.0.0.1', enableReadyCheck: false, maxRetriesPerRequest: 0, commandTimeout: 10_000 });
    mute.on('error', () => undefined);
    try {
      await start();
      checkOptions = { redis: mute, timeoutMs: 100 };
      const response = await request(app!.getHttpServer()).get('/health').expect(503);
      expect(response.body.error.cache.problems).toEqual(['PING failed: PING timed out after 100 ms']);
    } finally {
      mute.disconnect();
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it('is degraded (still 200) when L1 is full or Redis memory nearly is', async () => {
    await start({ l1: { maxEntries: 2 } });
    await app!.get(TieredCache).set('second', 2);
    await client.config('SET', 'maxmemory', '100mb');
    try {
      checkOptions = { redis: client, maxRedisMemoryFill: 0.000001 };
      const response = await request(app!.getHttpServer()).get('/health').expect(200);
      expect(response.body.status).toBe('degraded');
      expect(response.body.details.cache.status).toBe('degraded');
      expect(response.body.details.cache.l1.fill).toBe(1);
      expect(response.body.details.cache.l2.maxMemory).toBe(100 * 1024 * 1024);
      expect(response.body.details.cache.problems).toEqual([
        expect.stringMatching(/^L1 is 100% full/),
        expect.stringMatching(/^Redis uses \d+% of maxmemory/),
      ]);
    } finally {
      await client.config('SET', 'maxmemory', '0');
    }
  });

  it('is degraded when a warmer has failed without a success within the allowed age', async () => {
    await start({}, { warmers: true });
    checkOptions = { maxWarmerAgeMs: { broken: 60_000 } };
    expect((await app!.get(WarmerRegistry).run('broken')).outcome).toBe('failed');
    const response = await request(app!.getHttpServer()).get('/health').expect(200);
    expect(response.body.details.cache).toMatchObject({ status: 'degraded', warmers: { stale: ['broken'] } });
  });
});
