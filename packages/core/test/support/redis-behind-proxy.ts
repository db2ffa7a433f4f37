import { startTcpProxy, type TcpProxy } from '../../../../tools/net/tcp-proxy.js';
import { startRedisServer, type RedisServerHandle } from '../../../../tools/redis/redis-server.js';

/**
 * A Redis server of the spec's own behind a TCP proxy, new for each test: the test cuts, freezes
 * (a hung Redis: connections open, nothing answers) and heals it. `closeClients` closes what the
 * test opened, after a thaw and before the proxy goes (closing the proxy under a live client would
 * send it reconnecting); the proxy and the server go whatever it throws.
 */
export function redisBehindProxy(closeClients: () => Promise<unknown>): { readonly server: RedisServerHandle; readonly proxy: TcpProxy } {
  let server: RedisServerHandle | undefined;
  let proxy: TcpProxy | undefined;
  beforeEach(async () => {
    server = await startRedisServer();
    proxy = await startTcpProxy(server.port);
  });
  afterEach(async () => {
    try {
      proxy?.thaw();
      await closeClients();
    } finally {
      await proxy?.close();
      await server?.stop();
    }
  });
  return {
    get server() {
      return server!;
    },
    get proxy() {
      return proxy!;
    },
  };
}
