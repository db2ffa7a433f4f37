import { execFile, spawnSync } from 'node:child_process';
import { createConnection } from 'node:net';
import { promisify } from 'node:util';
import { clusterView, redisCliCheck, unhealthyReason } from './cluster-health';
import { startRedisServer, type RedisServerHandle } from './redis-server';

const run = promisify(execFile);

/** One line of CLUSTER NODES, as seen by the node that answered. */
export interface ClusterNodeInfo {
  readonly id: string;
  readonly port: number;
  readonly role: 'master' | 'replica';
  /** The master's id, for a replica. */
  readonly masterId: string | undefined;
  readonly failed: boolean;
  /** How many slots a master serves. */
  readonly slots: number;
}

/** A throwaway Redis Cluster on loopback ports, owned by whoever started it. */
export interface RedisClusterHandle {
  /** Every node's port, masters first as created. */
  readonly ports: readonly number[];
  /** Startup nodes for an ioredis `Cluster`. */
  readonly startupNodes: { host: string; port: number }[];
  /** CLUSTER NODES as seen by a live node. */
  nodes(): Promise<ClusterNodeInfo[]>;
  /** SIGKILLs one node, once the cluster is healthy: an abrupt crash. */
  kill(port: number): Promise<void>;
  /** Starts a killed node again with its old cluster config, so it rejoins (as a replica if it was failed over); waits until healthy. */
  restart(port: number): Promise<void>;
  /** Moves `slots` slots from one master to another with `redis-cli --cluster reshard` (keys migrate); waits for a healthy cluster before and after. */
  reshard(fromId: string, toId: string, slots: number): Promise<void>;
  /**
   * Resolves once every live node, replicas included, reports cluster_state:ok and holds the same
   * configuration (roles, masters, exact slot ranges), no slot is open, and `redis-cli --cluster
   * check` passes.
   */
  waitUntilHealthy(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

/** Throws with the install hint when redis-cli is missing; it ships with Debian's redis-server package. */
function redisCli(): string {
  const found = spawnSync('sh', ['-c', 'command -v redis-cli'], { encoding: 'utf8' });
  const path = found.stdout.trim();
  if (found.status !== 0 || path === '') {
    throw new Error('redis-cli was not found on PATH. It comes with redis-server: `apt-get install redis-server` (Debian).');
  }
  return path;
}

/** One inline command over RESP, without a client library: the tool must not depend on the code under test. */
export async function rawCommand(port: number, args: string[], timeoutMs = 2_000): Promise<string> {
  const { stdout } = await run(redisCli(), ['-h', '127.0.0.1', '-p', String(port), ...args], { timeout: timeoutMs });
  return stdout;
}

export function parseClusterNodes(text: string): ClusterNodeInfo[] {
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.length > 0)
    .map((line) => {
      const [id, address, flags, master, , , , , ...slotSpecs] = line.split(' ');
      const port = Number(address!.split('@')[0]!.split(':')[1]);
      const flagList = flags!.split(',');
      let slots = 0;
      for (const spec of slotSpecs) {
        if (spec.startsWith('[')) continue; // a slot being migrated or imported, still owned by someone
        const [from, to] = spec.split('-').map(Number);
        slots += to === undefined ? 1 : to - from! + 1;
      }
      return {
        id: id!,
        port,
        role: flagList.includes('master') ? ('master' as const) : ('replica' as const),
        masterId: master === '-' ? undefined : master,
        failed: flagList.includes('fail') || flagList.includes('fail?') || flagList.includes('noaddr'),
        slots,
      };
    });
}

async function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => (socket.destroy(), resolve(false)));
  });
}

/**
 * Starts `masters` masters with `replicasPerMaster` replicas each from Debian's redis-server (in
 * parallel), joins them with `redis-cli --cluster create`, and waits for a healthy cluster.
 * A short node timeout keeps failovers to a couple of seconds.
 */
export async function startRedisCluster({ masters = 3, replicasPerMaster = 1 } = {}): Promise<RedisClusterHandle> {
  const cli = redisCli();
  const count = masters * (1 + replicasPerMaster);
  const args = [
    '--cluster-enabled', 'yes',
    '--cluster-config-file', 'nodes.conf', // relative to the server's own --dir, a temp dir per node
    '--cluster-node-timeout', '1000',
    '--cluster-announce-ip', '127.0.0.1',
    // A replica may be promoted however long it was cut off: tests kill masters on purpose.
    '--cluster-replica-validity-factor', '0',
    // Replicas sync at once instead of after the default 5 s diskless-sync delay.
    '--repl-diskless-sync-delay', '0',
  ];
  const started = await Promise.allSettled(Array.from({ length: count }, () => startRedisServer(args)));
  const servers = started.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  const failure = started.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  const byPort = new Map<number, RedisServerHandle>(servers.map((server) => [server.port, server]));
  const ports = servers.map((server) => server.port);

  const stop = async (): Promise<void> => {
    await Promise.all(servers.map((server) => server.stop()));
  };
  if (failure) {
    await stop();
    throw failure.reason;
  }

  const live = async (): Promise<number[]> => {
    const up = await Promise.all(ports.map(async (port) => ((await listening(port)) ? port : undefined)));
    return up.filter((port): port is number => port !== undefined);
  };

  const nodes = async (): Promise<ClusterNodeInfo[]> => {
    let lastError: unknown;
    for (const port of await live()) {
      try {
        return parseClusterNodes(await rawCommand(port, ['CLUSTER', 'NODES']));
      } catch (error) {
        lastError = error;
      }
    }
    throw new Error(`no cluster node answered CLUSTER NODES: ${String(lastError)}`);
  };

  const waitUntilHealthy = async (timeoutMs = 30_000): Promise<void> => {
    const deadline = Date.now() + timeoutMs;
    let last = '';
    for (;;) {
      try {
        const up = await live();
        const infos = await Promise.all(up.map((port) => rawCommand(port, ['CLUSTER', 'INFO'])));
        const views = await Promise.all(up.map(async (port) => clusterView(await rawCommand(port, ['CLUSTER', 'NODES']))));
        // Our own look at every node first (cheap), then redis-cli's, which is what a reshard demands.
        const reason = unhealthyReason(infos, views) ?? (await redisCliCheck(cli, up[0]!));
        if (reason === undefined) return;
        last = reason;
      } catch (error) {
        last = String(error);
      }
      if (Date.now() > deadline) throw new Error(`the Redis Cluster did not become healthy within ${timeoutMs} ms (${last})`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };

  try {
    await run(
      cli,
      ['--cluster', 'create', ...ports.map((port) => `127.0.0.1:${port}`), '--cluster-replicas', String(replicasPerMaster), '--cluster-yes'],
      { timeout: 30_000 },
    );
    await waitUntilHealthy();
    if (replicasPerMaster > 0) {
      // A replica that has not synced yet cannot be promoted: wait until every replica's link is up.
      const deadline = Date.now() + 20_000;
      for (;;) {
        const view = await nodes();
        const replicas = view.filter((node) => node.role === 'replica');
        const links = await Promise.all(replicas.map((node) => rawCommand(node.port, ['INFO', 'replication'])));
        if (replicas.length === servers.length - masters && links.every((info) => info.includes('master_link_status:up'))) break;
        if (Date.now() > deadline) throw new Error('the cluster replicas did not sync with their masters in time');
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
  } catch (error) {
    await stop();
    throw error;
  }

  const server = (port: number): RedisServerHandle => {
    const found = byPort.get(port);
    if (!found) throw new Error(`no node of this cluster listens on ${port}`);
    return found;
  };

  return {
    ports,
    startupNodes: ports.map((port) => ({ host: '127.0.0.1', port })),
    nodes,
    kill: async (port) => {
      // A crash of a settled cluster: a node killed mid-gossip makes failover timing anyone's guess.
      await waitUntilHealthy();
      await server(port).kill();
    },
    restart: async (port) => {
      const handle = server(port);
      // restart() kills first (a no-op for a dead node) and relaunches on the same port and --dir,
      // where nodes.conf still holds the node's identity.
      await handle.restart();
      await waitUntilHealthy();
    },
    reshard: async (fromId, toId, slots) => {
      // redis-cli refuses to reshard a cluster whose nodes disagree (a replica that has not heard
      // of the last reshard yet), and the next caller must find the move complete everywhere.
      await waitUntilHealthy();
      const entry = (await live())[0];
      if (entry === undefined) throw new Error('no cluster node is up');
      await run(
        cli,
        [
          '--cluster', 'reshard', `127.0.0.1:${entry}`,
          '--cluster-from', fromId,
          '--cluster-to', toId,
          '--cluster-slots', String(slots),
          '--cluster-yes',
          '--cluster-pipeline', '100',
        ],
        { timeout: 60_000, maxBuffer: 64 * 1024 * 1024 },
      );
      await waitUntilHealthy();
    },
    waitUntilHealthy,
    stop,
  };
}
