import { Cluster, Command, Redis, type ClusterNode, type ClusterOptions, type RedisOptions } from 'ioredis';

export type RedisClient = Redis | Cluster;

/**
 * How L2 reaches Redis: an existing client (never closed by Tiercache), a URL, standalone options,
 * or cluster nodes. Clients Tiercache creates fail fast: no offline queue, short command timeouts.
 */
export type RedisConnection =
  | RedisClient
  | string
  | RedisOptions
  | { cluster: ClusterNode[]; options?: ClusterOptions };

/** Defaults for clients we create: a dead Redis must cost callers nothing, not a 25 s hang. */
const FAIL_FAST: RedisOptions = {
  enableOfflineQueue: false,
  enableAutoPipelining: true,
  commandTimeout: 500,
  connectTimeout: 2_000,
  maxRetriesPerRequest: 1,
  // Reconnecting often is cheap, and how soon after a restart L2 is used again depends on it.
  retryStrategy: (attempt) => Math.min(attempt * 50, 250),
};

/** The bound on one L2 round trip when the client sets none: a frozen Redis must not hang callers. */
const DEFAULT_COMMAND_TIMEOUT_MS = 500;

/** How long one command may take on this client: its own `commandTimeout`, or 500 ms. */
export function commandTimeoutOf(client: RedisClient): number {
  const options = client instanceof Cluster ? client.options.redisOptions : client.options;
  return options?.commandTimeout ?? DEFAULT_COMMAND_TIMEOUT_MS;
}

export function isRedisClient(value: unknown): value is RedisClient {
  return value instanceof Redis || value instanceof Cluster;
}

/** Returns the client for a connection and whether the caller owns (and so must close) it. */
export function connectRedis(connection: RedisConnection): { client: RedisClient; owned: boolean } {
  if (isRedisClient(connection)) return { client: connection, owned: false };
  if (typeof connection === 'string') return { client: new Redis(connection, FAIL_FAST), owned: true };
  if ('cluster' in connection) {
    const options = connection.options ?? {};
    const client = new Cluster(connection.cluster, {
      enableOfflineQueue: false,
      enableAutoPipelining: true,
      ...options,
      redisOptions: { ...FAIL_FAST, ...options.redisOptions },
    });
    return { client, owned: true };
  }
  return { client: new Redis({ ...FAIL_FAST, ...connection }), owned: true };
}

/**
 * Errors by which a cluster says "not here, not now" about one command: a slot that moved (MOVED) or
 * is moving (ASK, TRYAGAIN), a failover under way (CLUSTERDOWN), and the ioredis auto-pipeline giving
 * up on a batch whose slots changed owner after it was formed. None of them ran the command.
 */
const TOPOLOGY_ERROR = /^(MOVED|ASK|TRYAGAIN|CLUSTERDOWN) |slots allocation group|should belong to the same slot/;

function isTopologyError(error: unknown): boolean {
  return error instanceof Error && TOPOLOGY_ERROR.test(error.message);
}

/**
 * Awaits one command that names at most one slot. ioredis follows MOVED and ASK for a command sent
 * alone, but an auto-pipelined batch spanning several slots of a node is only redirected when every
 * command in it failed the same way: during a reshard or failover the others fail with the redirection,
 * or the whole batch is refused once its slots belong to different nodes. Such a command did not run,
 * so it is sent again alone, where ioredis follows the redirection and refreshes its slot map.
 */
export async function resendOnTopologyChange<T>(
  client: RedisClient,
  sent: Promise<T>,
  name: string,
  args: readonly (string | number)[],
): Promise<T> {
  try {
    return await sent;
  } catch (error) {
    if (!(client instanceof Cluster) || !isTopologyError(error)) throw error;
    return (await client.sendCommand(new Command(name, [...args], { replyEncoding: 'utf8' }))) as T;
  }
}

