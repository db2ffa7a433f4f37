import { Cluster, type ClusterOptions } from 'ioredis';

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

/** CRC16-XMODEM of the key (or of its hash tag) mod 16384: the slot Redis Cluster puts it in. */
export function slotOf(key: string): number {
  const open = key.indexOf('{');
  if (open !== -1) {
    const close = key.indexOf('}', open + 1);
    if (close > open + 1) key = key.slice(open + 1, close);
  }
  let crc = 0;
  for (const byte of Buffer.from(key)) {
    crc ^= byte << 8;
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc % 16384;
}

/** The master port serving each key, as the client currently sees the slot map. */
export function masterPortsOf(cluster: Cluster, keys: readonly string[]): Set<string> {
  return new Set(keys.map((key) => cluster.slots[slotOf(key)]![0]!));
}
