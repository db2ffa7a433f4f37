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

/** The bound on one L2 round trip when the client sets none: a frozen Redis must not hang callers. */
const DEFAULT_COMMAND_TIMEOUT_MS = 500;

/**
 * Defaults for clients we create: a dead Redis must cost callers nothing, not a 25 s hang. A
 * standalone client's commands are bounded by its command watchdog rather than ioredis'
 * `commandTimeout`, which arms a timer per command (see command-watchdog.ts); cluster nodes keep it.
 */
const FAIL_FAST: RedisOptions = {
  enableOfflineQueue: false,
  enableAutoPipelining: true,
  connectTimeout: 2_000,
  maxRetriesPerRequest: 1,
  // Reconnecting often is cheap, and how soon after a restart L2 is used again depends on it.
  retryStrategy: (attempt) => Math.min(attempt * 50, 250),
};

/** The bound of each standalone client we created, which its watchdog enforces instead of ioredis. */
const watchedBounds = new WeakMap<RedisClient, number>();

/** How long one command may take on this client: its own `commandTimeout` (or its watchdog's), or 500 ms. */
export function commandTimeoutOf(client: RedisClient): number {
  const options = client instanceof Cluster ? client.options.redisOptions : client.options;
  return watchedBounds.get(client) ?? options?.commandTimeout ?? DEFAULT_COMMAND_TIMEOUT_MS;
}

/** The bound a command watchdog must enforce on `client`: set for the standalone clients we create only. */
export function watchdogBoundOf(client: RedisClient): number | undefined {
  return watchedBounds.get(client);
}

/** A standalone client of ours: the command timeout asked for (or 500 ms) goes to its watchdog, not to ioredis. */
function standalone(url: string | undefined, options: RedisOptions): Redis {
  const { commandTimeout = DEFAULT_COMMAND_TIMEOUT_MS, ...rest } = { ...FAIL_FAST, ...options };
  const client = url === undefined ? new Redis(rest) : new Redis(url, rest);
  watchedBounds.set(client, commandTimeout);
  return client;
}

export function isRedisClient(value: unknown): value is RedisClient {
  return value instanceof Redis || value instanceof Cluster;
}

/** Returns the client for a connection and whether the caller owns (and so must close) it. */
export function connectRedis(connection: RedisConnection): { client: RedisClient; owned: boolean } {
  if (isRedisClient(connection)) return { client: connection, owned: false };
  if (typeof connection === 'string') return { client: standalone(connection, {}), owned: true };
  if ('cluster' in connection) {
    const options = connection.options ?? {};
    const client = new Cluster(connection.cluster, {
      enableOfflineQueue: false,
      enableAutoPipelining: true,
      ...options,
      redisOptions: { ...FAIL_FAST, commandTimeout: DEFAULT_COMMAND_TIMEOUT_MS, ...options.redisOptions },
    });
    return { client, owned: true };
  }
  return { client: standalone(undefined, connection), owned: true };
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
 * A command's arguments. ioredis flattens arrays among them one level (so a batch of many keys need
 * not be spread into a call), which its method types do not say; `sendNow` is where that is used.
 */
export type CommandArgs = readonly (string | number | readonly (string | number)[])[];

/**
 * Sends one of L2's own commands (its batched reads and writes, its scripts), following the topology
 * on a cluster. On a standalone server it is written at once, as ioredis writes a command without
 * auto-pipelining. ioredis sends one auto-pipeline per node at a time, and answers its commands
 * once its last reply is in: commands made meanwhile wait for all of that, so Redis would run
 * nothing while this process gathers a tick's batches, and a large value's reply would wait for
 * every other one. Built as the client builds its own commands (its keyPrefix is part of every key).
 */
export function sendNow<T>(client: RedisClient, name: string, args: CommandArgs): Promise<T> {
  if (client instanceof Redis) {
    const { keyPrefix, showFriendlyErrorStack } = client.options;
    const options = { replyEncoding: 'utf8' as const, keyPrefix, errorStack: showFriendlyErrorStack ? new Error() : undefined };
    return client.sendCommand(new Command(name, args as (string | number | (string | number)[])[], options)) as Promise<T>;
  }
  const send = client[name as 'get'] as unknown as (this: RedisClient, ...args: CommandArgs) => Promise<T>;
  return resendOnTopologyChange(client, send.call(client, ...args), name, args);
}

/**
 * Runs `send`, whose commands `sendNow` writes at once, so that they leave in one socket write (a
 * write is a system call, and tens of microseconds on a VM). A cluster's are auto-pipelined per node.
 */
export function inOneWrite<T>(client: RedisClient, send: () => T): T {
  const stream = client instanceof Redis ? client.stream : undefined;
  stream?.cork();
  try {
    return send();
  } finally {
    stream?.uncork();
  }
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
  args: CommandArgs,
): Promise<T> {
  try {
    return await sent;
  } catch (error) {
    if (!(client instanceof Cluster) || !isTopologyError(error)) throw error;
    // Built as the client builds its own commands: its keyPrefix is part of every key.
    const command = new Command(name, args as (string | number | (string | number)[])[], { replyEncoding: 'utf8', keyPrefix: client.options.keyPrefix });
    return (await client.sendCommand(command)) as T;
  }
}

