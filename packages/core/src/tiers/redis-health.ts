import { Cluster, type Redis } from 'ioredis';
import type { RedisClient } from './redis-connection.js';

/** What one Redis node said to a health probe. */
export interface RedisNodeHealth {
  /** `host:port` as the client reaches it. */
  readonly address: string;
  readonly role: 'master' | 'replica' | 'standalone';
  readonly up: boolean;
  /** Round trip of the PING, when it answered. */
  readonly latencyMs?: number;
  /** From INFO memory; maxMemory 0 means no limit. */
  readonly usedMemory?: number;
  readonly maxMemory?: number;
  /** Why the node is down. */
  readonly error?: string;
}

/** Per-node health, and for a cluster its own view of itself (`cluster_state`, failed slots). */
export interface RedisHealth {
  readonly nodes: readonly RedisNodeHealth[];
  readonly cluster?: { readonly state: string; readonly slotsFail: number; readonly knownNodes: number };
}

function infoField(info: string, field: string): number | undefined {
  const match = new RegExp(`^${field}:(\\d+)`, 'm').exec(info);
  return match ? Number(match[1]) : undefined;
}

async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * PING and INFO memory on every node the client knows (each master and replica of a cluster), in
 * parallel, each bounded by `timeoutMs`; never throws. For a health indicator: one node down in a
 * cluster is worth reporting even while the cache still works.
 */
export async function redisHealth(client: RedisClient, timeoutMs = 1_000): Promise<RedisHealth> {
  if (client instanceof Cluster && client.status === 'ready') {
    // A client that has sent nothing since a failover still maps the slots to the dead master.
    await withTimeout(
      new Promise<void>((resolve) => client.refreshSlotsCache(() => resolve())),
      timeoutMs,
      'CLUSTER SLOTS',
    ).catch(() => undefined);
  }
  const targets: { node: Redis; role: RedisNodeHealth['role'] }[] =
    client instanceof Cluster
      ? [
          ...client.nodes('master').map((node) => ({ node, role: 'master' as const })),
          ...client.nodes('slave').map((node) => ({ node, role: 'replica' as const })),
        ]
      : [{ node: client, role: 'standalone' }];
  const nodes = await Promise.all(
    targets.map(async ({ node, role }): Promise<RedisNodeHealth> => {
      const address = `${node.options.host}:${node.options.port}`;
      try {
        const started = performance.now();
        await withTimeout(node.ping(), timeoutMs, address);
        const latencyMs = performance.now() - started;
        const info = await withTimeout(node.info('memory'), timeoutMs, address);
        return { address, role, up: true, latencyMs, usedMemory: infoField(info, 'used_memory'), maxMemory: infoField(info, 'maxmemory') };
      } catch (error) {
        return { address, role, up: false, error: error instanceof Error ? error.message : String(error) };
      }
    }),
  );
  if (!(client instanceof Cluster)) return { nodes };
  const reachable = targets.find((_, i) => nodes[i]!.up);
  if (reachable === undefined) return { nodes, cluster: { state: 'unreachable', slotsFail: 16384, knownNodes: 0 } };
  try {
    const [info, view] = await Promise.all([
      withTimeout(reachable.node.call('CLUSTER', 'INFO'), timeoutMs, 'CLUSTER INFO').then(String),
      withTimeout(reachable.node.call('CLUSTER', 'NODES'), timeoutMs, 'CLUSTER NODES').then(String),
    ]);
    const state = /^cluster_state:(\w+)/m.exec(info)?.[1] ?? 'unknown';
    // ioredis forgets a node once its connection ends; the cluster still lists it, flagged failed.
    const known = new Set(nodes.map((node) => node.address));
    const failed = view
      .split('\n')
      .map((line) => line.split(' '))
      .filter(([, address, flags]) => address !== undefined && /(^|,)fail\??(,|$)/.test(flags ?? ''))
      .map(([, address, flags]): RedisNodeHealth => ({
        address: address!.split('@')[0]!,
        role: flags!.includes('master') ? 'master' : 'replica',
        up: false,
        error: 'flagged as failing by the cluster',
      }))
      .filter((node) => !known.has(node.address));
    return {
      nodes: [...nodes, ...failed],
      cluster: { state, slotsFail: infoField(info, 'cluster_slots_fail') ?? 0, knownNodes: infoField(info, 'cluster_known_nodes') ?? 0 },
    };
  } catch {
    return { nodes, cluster: { state: 'unknown', slotsFail: 0, knownNodes: 0 } };
  }
}
