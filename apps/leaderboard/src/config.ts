import { DEFAULT_SEED_SIZE, type SeedSize } from './db/seed.js';

export interface AppConfig {
  /** HTTP port of `main.ts`. */
  port: number;
  /** PostgreSQL connection string; unset means embedded, in-memory PGlite. */
  databaseUrl: string | undefined;
  /** Whether an empty database is seeded on start. */
  seedOnStart: boolean;
  seedSize: SeedSize;
  /** Redis for the cache's L2, invalidation bus and locks; unset means in-process caching only (L1). */
  redisUrl: string | undefined;
  /** `false` (CACHE=off) gives every cache a TTL of 0: for measuring what the cache buys, not for production. */
  cacheEnabled: boolean;
  /** Prefix of every cache key in Redis: instances that share it share their cache. */
  cacheNamespace: string;
  /** NODE_ENV: `development` mounts the cache inspector without a guard. */
  environment?: string | undefined;
  /** INSPECTOR_TOKEN: outside development, the inspector is mounted only with it, behind an `x-inspector-token` header. */
  inspectorToken?: string | undefined;
}

/**
 * Reads the app's settings from the environment, in this one place, and fails with a message that
 * names the variable when one is malformed:
 * PORT, DATABASE_URL, SEED (`0` turns seeding on start off), SEED_AGENTS, SEED_TASKS, SEED_VOTES,
 * REDIS_URL, CACHE (`on` or `off`), CACHE_NAMESPACE, NODE_ENV, INSPECTOR_TOKEN (16 characters or more).
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const seedSize: SeedSize = {
    agents: readInt(env, 'SEED_AGENTS', DEFAULT_SEED_SIZE.agents, 0),
    tasks: readInt(env, 'SEED_TASKS', DEFAULT_SEED_SIZE.tasks, 0),
    votes: readInt(env, 'SEED_VOTES', DEFAULT_SEED_SIZE.votes, 0),
  };
  if (seedSize.agents === 0 && (seedSize.tasks > 0 || seedSize.votes > 0)) {
    throw new Error('SEED_AGENTS is 0, but tasks and votes need agents: set SEED_AGENTS to 1 or more');
  }

  const seedFlag = env['SEED'] ?? '1';
  if (seedFlag !== '0' && seedFlag !== '1') {
    throw new Error(`SEED must be 0 (no seeding on start) or 1, got '${seedFlag}'`);
  }

  const cacheFlag = env['CACHE'] || 'on';
  if (cacheFlag !== 'on' && cacheFlag !== 'off') {
    throw new Error(`CACHE must be on or off (off: no caching, for comparisons), got '${cacheFlag}'`);
  }
  const cacheNamespace = env['CACHE_NAMESPACE'] || 'leaderboard';
  if (!/^[\w.-]{1,64}$/.test(cacheNamespace)) {
    throw new Error(`CACHE_NAMESPACE must be 1 to 64 letters, digits, '_', '.' or '-', got '${cacheNamespace}'`);
  }

  const inspectorToken = env['INSPECTOR_TOKEN'] || undefined;
  if (inspectorToken !== undefined && inspectorToken.length < 16) {
    throw new Error('INSPECTOR_TOKEN must be at least 16 characters: it guards a page that can clear the cache');
  }

  return {
    port: readInt(env, 'PORT', 3000, 0, 65_535),
    databaseUrl: env['DATABASE_URL'] || undefined,
    seedOnStart: seedFlag === '1',
    seedSize,
    redisUrl: env['REDIS_URL'] || undefined,
    cacheEnabled: cacheFlag === 'on',
    cacheNamespace,
    environment: env['NODE_ENV'] || undefined,
    inspectorToken,
  };
}

function readInt(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max = 100_000_000): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
  if (!(value >= min && value <= max)) {
    throw new Error(`${name} must be an integer from ${min} to ${max}, got '${raw}'`);
  }
  return value;
}
