import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A throwaway redis-server on a free loopback port, owned by the test that started it. */
export interface RedisServerHandle {
  readonly port: number;
  readonly url: string;
  /** Kills the server (SIGKILL: an abrupt outage, not a graceful shutdown). */
  kill(): Promise<void>;
  /** Starts it again on the same port, with empty memory. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export function redisServerBinary(): string {
  const found = spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' });
  const path = found.stdout.trim();
  if (found.status !== 0 || path === '') {
    throw new Error(
      'redis-server was not found on PATH. The tests need a real Redis: install it with ' +
        '`apt-get install redis-server` (Debian), or set REDIS_URL to a server the tests may flush.',
    );
  }
  return path;
}

/** Ports handed out by this process, so two servers started in parallel never get the same one. */
const handedOut = new Set<number>();

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

async function anyPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/**
 * A loopback port that is free now, whose cluster bus port (port + 10000, which a cluster node opens
 * as well) is free and valid too: the OS picks from an ephemeral range that reaches 60999, and a
 * node on 56000 has no bus port. Both are remembered so this process never hands them out again.
 */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = await anyPort();
    const bus = port + 10_000;
    if (bus > 65_535 || handedOut.has(port) || handedOut.has(bus)) continue;
    if (!(await canListen(bus))) continue;
    handedOut.add(port);
    handedOut.add(bus);
    return port;
  }
  throw new Error('found no free loopback port whose cluster bus port (port + 10000) is free too');
}

export async function waitForPort(port: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = new Socket();
      socket.once('connect', () => (socket.destroy(), resolve(true)));
      socket.once('error', () => (socket.destroy(), resolve(false)));
      socket.connect(port, '127.0.0.1');
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing listened on 127.0.0.1:${port} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** Extra redis-server arguments, e.g. ['--cluster-enabled', 'yes']. */
export async function startRedisServer(extraArgs: string[] = []): Promise<RedisServerHandle> {
  const binary = redisServerBinary();
  const dir = mkdtempSync(join(tmpdir(), 'tiercache-redis-'));
  let port = 0;
  let child: ChildProcess | undefined;

  /** Resolves once the server listens; false if it exited first (its port was taken meanwhile). */
  const launch = async (): Promise<boolean> => {
    const current = spawn(
      binary,
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, ...extraArgs],
      { stdio: 'ignore' },
    );
    child = current;
    const gone = exited(current).then(() => false);
    try {
      return await Promise.race([waitForPort(port).then(() => current.exitCode === null && current.signalCode === null), gone]);
    } catch (error) {
      await kill();
      throw error;
    }
  };
  const kill = async (): Promise<void> => {
    if (!child) return;
    const current = child;
    child = undefined;
    current.kill('SIGKILL');
    await exited(current);
  };

  // Another process may take the port between freePort() and the server's bind: try another one.
  for (let attempt = 1; ; attempt++) {
    port = await freePort();
    if (await launch()) break;
    await kill();
    if (attempt === 5) {
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`redis-server exited at start 5 times (last port ${port}); try running it by hand: ${binary} --port ${port}`);
    }
  }
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    kill,
    restart: async () => {
      await kill();
      if (!(await launch())) throw new Error(`redis-server could not listen on ${port} again: another process took the port`);
    },
    stop: async () => {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
