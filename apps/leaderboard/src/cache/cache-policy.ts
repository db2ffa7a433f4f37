import type { Profile } from '@tiercache/core';
import type { CacheModuleOptions, NamedCacheOptions } from '@tiercache/nestjs';
import { tenantFromHeader } from '@tiercache/nestjs/tenancy';
import type { AgentStatus } from '../agents/agent.js';
import type { AppConfig } from '../config.js';
import type { Leaderboard, Period } from '../leaderboard/leaderboard.js';

/*
 * The app's whole cache design in one place: which cache each read goes to, how long it lives there,
 * and which tags let a write find it again.
 *
 * TTLs live in named profiles, one per cache, rather than on each @Cacheable, so that CACHE=off can
 * turn every one of them to 0 (and the load script can compare the same code with and without
 * caching), the adaptive TTL of past boards included. Each named cache is its own namespace: its tags
 * are its own, so a write that touches several caches stacks one @CacheEvict per cache.
 */

/** The named caches of `CacheModule`, as `@Cacheable({ cache })` names them. */
export const CACHES = {
  /** Agent rows: by id, and pages of GET /agents. */
  agents: 'agents',
  /** Per-agent activity: stats and task lists. */
  activity: 'activity',
  /** Boards of windows still open (today, this week): votes and finished tasks still land in them. */
  liveBoards: 'live-boards',
  /** Boards of windows that have ended: no vote or task can land in them any more. */
  pastBoards: 'past-boards',
  /** Agents of the workspaces (tenants): the only tenant-scoped cache, see `tenancy` below. */
  workspaces: 'workspaces',
} as const;

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** The named profiles of `CacheModule`: each cache uses one, and `@Cacheable({ profile })` names the adaptive one. */
export const PROFILES = {
  entity: 'entity',
  activity: 'activity',
  live: 'live',
  past: 'past',
  tenant: 'tenant',
} as const;

type ProfileName = (typeof PROFILES)[keyof typeof PROFILES];

/**
 * How long a past board lives, from how long ago its window closed (adaptive TTL). Nothing the app
 * does changes a closed board but a rename or a suspension, which evict it; out-of-band writes can:
 * a backfill (the seed CLI, an import) usually lands right after a window closes. So a board closed
 * less than a day ago is kept an hour, one closed within the week a day, an older one three days
 * (far fewer readers, and 10 % jitter keeps boards warmed together from expiring together).
 */
export function pastBoardTtl(board: Pick<Leaderboard, 'to'>, now = Date.now()): number {
  const closedFor = now - new Date(board.to).getTime();
  if (closedFor < DAY) return HOUR;
  return closedFor < 7 * DAY ? DAY : 3 * DAY;
}

/**
 * Every write path of the app evicts exactly what it changes (see TAGS and the events below), so TTLs
 * are not what keeps reads correct: they bound how long a write made outside the app (the seed CLI, a
 * SQL console) stays invisible, and how long an entry nobody reads keeps its memory.
 */
export const TTL_PROFILES = {
  // Agent rows, read on every page view, changed by every vote (reputation) but always evicted then: 5
  // minutes is only the bound on out-of-band writes. "No such agent" is negative-cached briefly: a
  // scan of ids that don't exist costs one query per id per 10 s, and an id created outside the app
  // (seed CLI) shows up within 10 s. Creation through the app evicts every negative entry at once (tag `missing`).
  [PROFILES.entity]: { ttl: 5 * MINUTE, negativeTtl: 10 * SECOND },
  [PROFILES.activity]: { ttl: MINUTE, negativeTtl: 10 * SECOND },
  // Every vote and every finished task evicts these; 30 s bounds the staleness of anything missed (a
  // vote cast through another app on the same database) on the board people watch most.
  [PROFILES.live]: { ttl: 30 * SECOND },
  [PROFILES.past]: { ttl: (board: Leaderboard) => pastBoardTtl(board), jitter: 0.1 },
  // Every write goes through the app and evicts what it changes.
  [PROFILES.tenant]: { ttl: 5 * MINUTE },
} satisfies Record<ProfileName, Profile>;

/** The profile of each named cache. */
export const CACHE_PROFILES: Record<(typeof CACHES)[keyof typeof CACHES], ProfileName> = {
  [CACHES.agents]: PROFILES.entity,
  [CACHES.activity]: PROFILES.activity,
  [CACHES.liveBoards]: PROFILES.live,
  [CACHES.pastBoards]: PROFILES.past,
  [CACHES.workspaces]: PROFILES.tenant,
};

/**
 * Application events (`@nestjs/event-emitter`). The services emit them once the write is committed and
 * await the listeners (`emitAsync`), so the writer reads its own write; the live boards say what they
 * make stale (`invalidateOn` in LeaderboardService), and CacheEventsModule applies it on every instance.
 */
export const EVENTS = {
  /** A vote was recorded (payload: the vote). */
  voteCast: 'vote.cast',
  /** A task was moved to `done` (payload: the task). */
  taskDone: 'task.done',
} as const;

/** Tags, per cache namespace. */
export const TAGS = {
  /** Entries that show agent `id`'s row (name, status, reputation): its row, list pages, its stats. */
  agent: (id: number) => `agent:${id}`,
  /** Entries that are about agent `id`'s tasks or figures: stats and task lists. */
  activity: (id: number) => `activity:${id}`,
  /** Every page of GET /agents: totals and status filters change when an agent is created or changes status. */
  lists: 'lists',
  /** Negative entries ("no such agent"), evicted when an agent is created. */
  missing: 'missing',
  /**
   * Every board of a board cache. Evicting a tag is one small write; clearing the namespace instead
   * would SCAN Redis, which is not something to do on every vote.
   */
  boards: 'boards',
  /** Boards that rank agent `id` (they show its name and status). */
  ranked: (id: number) => `ranked:${id}`,
} as const;

/**
 * The absent-key filter of agent ids (on `agents`): GET /agents/:id answers 404 without a query for
 * an id the filter never saw, so a scan of random ids costs Redis lookups, not database queries.
 * Sized for 50 000 agents at a 1 % false-positive rate (about 60 KB in Redis); rebuilt every minute,
 * which bounds how long an agent created outside the app (seed CLI, SQL console) answers 404.
 */
export const AGENT_IDS = { name: 'agent-ids', expectedItems: 50_000, falsePositiveRate: 0.01, rebuildEveryMs: MINUTE } as const;

/**
 * Predictive warming of `agents` (with Redis only): every instance counts which agents are read and
 * shares the 1 000 hottest through Redis; a starting instance copies them into its L1 before it
 * listens, next to `active-agents` (the most reputable, which is a guess of what will be read).
 */
export const HOT_AGENTS = { topN: 1_000, warmOnStartup: { timeoutMs: 5_000 } } as const;

/** Keys, shared by the @Cacheable reads and the warmers that fill the same entries. */
export const KEYS = {
  agent: (id: number) => ['agent', id] as const,
  agentPage: (status: AgentStatus | undefined, limit: number, offset: number) => ['agents', status ?? 'all', limit, offset] as const,
  stats: (id: number) => ['stats', id] as const,
  tasks: (id: number, limit: number) => ['tasks', id, limit] as const,
  /** Keyed by the window's first day, so every day of a week shares its weekly board. */
  board: (period: Period, from: string, limit: number) => ['board', period, from, limit] as const,
};

/** What the startup log says about the cache tiers. */
export function describeCacheMode(config: Pick<AppConfig, 'redisUrl' | 'cacheEnabled'>): { level: 'log' | 'warn'; message: string } {
  if (!config.cacheEnabled) {
    return { level: 'warn', message: 'CACHE=off: every read goes to the database (TTL 0 on every cache); for comparisons only' };
  }
  if (config.redisUrl === undefined) {
    return {
      level: 'warn',
      message:
        'REDIS_URL is not set: caching in-process only (L1); set REDIS_URL for Redis L2, cross-instance invalidation and fleet-wide locks',
    };
  }
  return {
    level: 'log',
    message: `caching in two tiers: in-process L1 over Redis L2 at ${describeRedis(config.redisUrl)}, with cross-instance invalidation and fleet-wide locks`,
  };
}

/** `CacheModule.forRoot` options for this app's configuration. */
export function cacheModuleOptions(config: Pick<AppConfig, 'redisUrl' | 'cacheEnabled' | 'cacheNamespace'>): CacheModuleOptions {
  const profiles: Record<string, Profile> = {};
  for (const [name, profile] of Object.entries(TTL_PROFILES) as [string, Profile][]) {
    profiles[name] = !config.cacheEnabled
      ? { ...profile, ttl: 0, l1Ttl: 0, negativeTtl: 0 }
      : config.redisUrl === undefined
        ? profile
        : // With Redis behind it, an L1 copy is dropped by the invalidation bus whenever another instance
          // changes the entry; capping it at a minute covers a message lost while the bus reconnects
          // (it resyncs then, but a 24 h L1 copy is not worth the risk) at the cost of one Redis GET.
          // Set on the profile, so a computed ttl does not lift it.
          { ...profile, l1Ttl: typeof profile.ttl === 'number' ? Math.min(profile.ttl, MINUTE) : MINUTE };
  }
  const caches: Record<string, NamedCacheOptions> = {};
  for (const [name, profile] of Object.entries(CACHE_PROFILES)) caches[name] = { profile };
  return {
    namespace: config.cacheNamespace,
    // The default cache holds nothing of its own (the warmers' locks use its connection).
    ttl: config.cacheEnabled ? MINUTE : 0,
    l2: config.redisUrl === undefined ? false : { redis: config.redisUrl },
    profiles,
    caches,
    // Workspace agents are per tenant, named by the x-tenant header: their cache (entries, tags,
    // clear) is scoped to the tenant of each request. Every other cache holds data all tenants share.
    tenancy: {
      resolve: tenantFromHeader(TENANT_HEADER),
      sharedCaches: ['default', ...Object.values(CACHES).filter((name) => name !== CACHES.workspaces)],
      // A workspace that reads a lot evicts only its own L1 copies, never another workspace's.
      l1PerTenant: { maxBytes: 16 * 1024 * 1024 },
    },
  };
}

/** The request header naming the workspace (tenant) of /workspace routes. */
export const TENANT_HEADER = 'x-tenant';

/** How long GET responses of the routes behind HttpCacheInterceptor stay fresh. */
export function httpCacheTtl(config: Pick<AppConfig, 'cacheEnabled'>): number {
  return config.cacheEnabled ? 30 * SECOND : 0;
}

/** Host and port only: the URL may carry a password, and this ends up in logs. */
function describeRedis(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return 'an unparseable REDIS_URL';
  }
}
