import slotOf from 'cluster-key-slot';
import { Cluster, type ClusterOptions } from 'ioredis';

/** The slot Redis Cluster puts a key in: ioredis's own hash, the one the engine uses. */
export { slotOf };

/** The run's shared Redis Cluster (3 masters, a replica each), started by the Jest global setup. */
export function clusterNodes(): { host: string; port: number }[] {
  const nodes = process.env.REDIS_CLUSTER_NODES;
  if (!nodes) throw new Error('REDIS_CLUSTER_NODES is not set: run the tests through jest.config.ts (its global setup starts a cluster).');
  return nodes.split(',').map((node) => {
    const [host, port] = node.split(':');
    return { host: host!, port: Number(port) };
  });
}

/** A Cluster client that is ready to use; the caller closes it with `closeCluster`. */
export async function connectCluster(nodes = clusterNodes(), options: ClusterOptions = {}): Promise<Cluster> {
  const cluster = new Cluster(nodes, options);
  await new Promise<void>((resolve, reject) => {
    cluster.once('ready', resolve);
    cluster.once('error', reject);
  });
  return cluster;
}

export async function closeCluster(cluster: Cluster): Promise<void> {
  if (cluster.status === 'end') return;
  await cluster.quit().catch(() => cluster.disconnect());
}

/** The master port serving each key, as the client currently sees the slot map. */
export function masterPortsOf(cluster: Cluster, keys: readonly string[]): Set<string> {
  return new Set(keys.map((key) => cluster.slots[slotOf(key)]![0]!));
}
