import { loadConfig } from './config.js';
import { DEFAULT_SEED_SIZE } from './db/seed.js';

describe('loadConfig', () => {
  it('defaults to PGlite on port 3000, seeded at the default size', () => {
    expect(loadConfig({})).toEqual({
      port: 3000,
      databaseUrl: undefined,
      seedOnStart: true,
      seedSize: DEFAULT_SEED_SIZE,
      redisUrl: undefined,
      cacheEnabled: true,
      cacheNamespace: 'leaderboard',
    });
  });

  it('reads every variable', () => {
    const env = {
      PORT: '8080',
      DATABASE_URL: 'postgres://localhost/leaderboard',
      SEED: '0',
      SEED_AGENTS: '10',
      SEED_TASKS: '0',
      SEED_VOTES: '25',
      REDIS_URL: 'redis://127.0.0.1:6379',
      CACHE: 'off',
      CACHE_NAMESPACE: 'lb-blue',
      NODE_ENV: 'production',
      INSPECTOR_TOKEN: 'a-long-enough-token',
    };
    expect(loadConfig(env)).toEqual({
      port: 8080,
      databaseUrl: 'postgres://localhost/leaderboard',
      seedOnStart: false,
      seedSize: { agents: 10, tasks: 0, votes: 25 },
      redisUrl: 'redis://127.0.0.1:6379',
      cacheEnabled: false,
      cacheNamespace: 'lb-blue',
      environment: 'production',
      inspectorToken: 'a-long-enough-token',
    });
  });

  it.each([
    [{ PORT: 'http' }, "PORT must be an integer from 0 to 65535, got 'http'"],
    [{ PORT: '70000' }, 'PORT must be an integer from 0 to 65535'],
    [{ SEED_TASKS: '-5' }, "SEED_TASKS must be an integer from 0 to 100000000, got '-5'"],
    [{ SEED_VOTES: '1e5' }, 'SEED_VOTES must be an integer'],
    [{ SEED: 'yes' }, "SEED must be 0 (no seeding on start) or 1, got 'yes'"],
    [{ INSPECTOR_TOKEN: 'short' }, 'INSPECTOR_TOKEN must be at least 16 characters'],
    [{ SEED_AGENTS: '0' }, 'SEED_AGENTS is 0, but tasks and votes need agents'],
    [{ CACHE: 'false' }, "CACHE must be on or off (off: no caching, for comparisons), got 'false'"],
    [{ CACHE_NAMESPACE: 'a b' }, 'CACHE_NAMESPACE must be 1 to 64 letters'],
  ])('rejects %j, naming the variable', (env, message) => {
    expect(() => loadConfig(env)).toThrow(message);
  });
});
