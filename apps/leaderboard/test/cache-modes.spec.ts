import type { INestApplication } from '@nestjs/common';
import { TieredCache } from '@tiercache/nestjs';
import { Database } from '../src/db/database.js';
import { CapturingLogger, http, START_TIMEOUT_MS, startApp } from './app.js';

const SMALL_SEED = { agents: 30, tasks: 100, votes: 100 };

describe('without REDIS_URL', () => {
  let app: INestApplication;
  const logger = new CapturingLogger();

  beforeAll(async () => {
    app = await startApp({ redisUrl: undefined, seedSize: SMALL_SEED }, logger);
  }, START_TIMEOUT_MS);

  afterAll(async () => {
    await app.close();
  });

  it('says plainly, in one line, that caching is in-process only', () => {
    const lines = logger.lines.filter((line) => line.context === 'Cache');
    expect(lines).toEqual([
      {
        level: 'warn',
        context: 'Cache',
        message:
          'REDIS_URL is not set: caching in-process only (L1); set REDIS_URL for Redis L2, cross-instance invalidation and fleet-wide locks',
      },
    ]);
  });

  it('still caches, in L1', async () => {
    expect(app.get(TieredCache).status().l2).toBeUndefined();
    await http(app).get('/agents/2/stats').expect(200);
    const { hitsL1 } = app.get(TieredCache).stats();
    await http(app).get('/agents/2/stats').expect(200);
    expect(app.get(TieredCache).stats().hitsL1).toBe(hitsL1 + 1);
  });

  it('GET /health checks L1 only, and the metrics say nothing of L2', async () => {
    const res = await http(app).get('/health').expect(200);
    expect(res.body.details.cache).toMatchObject({ status: 'up', l1: expect.any(Object) });
    expect(res.body.details.cache.l2).toBeUndefined();
    expect((await http(app).get('/metrics').expect(200)).text).not.toContain('leaderboard_cache_l2_connected ');
  });
});

describe('CACHE=off', () => {
  let app: INestApplication;
  const logger = new CapturingLogger();

  beforeAll(async () => {
    app = await startApp({ cacheEnabled: false, seedSize: SMALL_SEED }, logger);
  }, START_TIMEOUT_MS);

  afterAll(async () => {
    await app.close();
  });

  it('says so, and sends every read to the database', async () => {
    expect(logger.lines).toContainEqual(expect.objectContaining({ context: 'Cache', message: expect.stringContaining('CACHE=off') }));
    const queries = jest.spyOn(app.get(Database), 'query');
    for (const path of ['/agents/2', '/agents/2/stats', '/leaderboards/daily']) {
      await http(app).get(path).expect(200);
      const calls = queries.mock.calls.length;
      await http(app).get(path).expect(200);
      expect(queries.mock.calls.length).toBeGreaterThan(calls);
    }
    queries.mockRestore();
    const { hitsL1, hitsL2 } = app.get(TieredCache).stats();
    expect(hitsL1 + hitsL2).toBe(0);
  });
});
