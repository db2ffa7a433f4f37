import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { startRedisCluster, type RedisClusterHandle } from './redis-cluster';
import { startRedisServer, type RedisServerHandle } from './redis-server';

declare global {
  // eslint-disable-next-line no-var
  var __TIERCACHE_REDIS__: RedisServerHandle | undefined;
  // eslint-disable-next-line no-var
  var __TIERCACHE_REDIS_CLUSTER__: RedisClusterHandle | undefined;
}

/** The specs that use the shared cluster (REDIS_CLUSTER_NODES). */
const CLUSTER_SPECS = resolve(__dirname, '../../packages/core/test/cluster');

/**
 * Whether this run may include a spec that needs the shared cluster: always, unless it is limited to
 * path patterns that match none of them (`npx jest packages/nestjs` need not wait for six servers).
 */
function needsCluster(patterns: readonly string[]): boolean {
  if (patterns.length === 0) return true;
  let specs: string[];
  try {
    specs = readdirSync(CLUSTER_SPECS).map((file) => join(CLUSTER_SPECS, file));
  } catch {
    return false;
  }
  return patterns.some((pattern) => {
    try {
      const regex = new RegExp(pattern, 'i');
      return specs.some((spec) => regex.test(spec));
    } catch {
      return true;
    }
  });
}

/**
 * Starts one redis-server and one 3-master Redis Cluster (a replica each) for the whole run, in
 * parallel, unless REDIS_URL / REDIS_CLUSTER_NODES (`host:port,host:port,…`) point at existing ones.
 * Specs that kill or reshard nodes start their own cluster: this one is shared.
 */
export default async function globalSetup(globalConfig?: { testPathPatterns?: { patterns?: string[] } }): Promise<void> {
  const clusterWanted = !process.env.REDIS_CLUSTER_NODES && needsCluster(globalConfig?.testPathPatterns?.patterns ?? []);
  const [server, cluster] = await Promise.allSettled([
    process.env.REDIS_URL ? undefined : startRedisServer(),
    clusterWanted ? startRedisCluster() : undefined,
  ]);
  if (server.status === 'fulfilled' && server.value) {
    globalThis.__TIERCACHE_REDIS__ = server.value;
    process.env.REDIS_URL = server.value.url;
  }
  if (cluster.status === 'fulfilled' && cluster.value) {
    globalThis.__TIERCACHE_REDIS_CLUSTER__ = cluster.value;
    process.env.REDIS_CLUSTER_NODES = cluster.value.startupNodes.map((node) => `${node.host}:${node.port}`).join(',');
  }
  const failed = [server, cluster].find((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failed) {
    await Promise.all([globalThis.__TIERCACHE_REDIS__?.stop(), globalThis.__TIERCACHE_REDIS_CLUSTER__?.stop()]);
    throw failed.reason;
  }
}
