import { createConnection, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy on a free loopback port in front of one server, for real network partitions in tests.
 * Unlike pausing Redis's clients (the server queues a command it has already received and runs it on
 * unpause), a cut proxy guarantees that nothing sent during the cut reaches the server, ever.
 */
export interface TcpProxy {
  readonly port: number;
  /** `redis://127.0.0.1:<port>`: the proxy's address for a Redis client. */
  readonly url: string;
  /** Whether the proxy is cut now. */
  readonly isCut: boolean;
  /** Destroys every open connection (both sides) and refuses new ones until heal(). */
  cut(): void;
  /** Resets every open connection on the client side (a TCP RST, as from a host that crashed), and keeps accepting. */
  reset(): void;
  /** Accepts and forwards connections again. */
  heal(): void;
  /** Cuts and stops listening. */
  close(): Promise<void>;
}

export async function startTcpProxy(targetPort: number, targetHost = '127.0.0.1'): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  let cut = false;
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  };

  const clients = new Set<Socket>();
  const server: Server = createServer((client) => {
    // A reset from either end is part of the game here; unheard, it would throw in whatever test runs next.
    client.on('error', () => undefined);
    if (cut) {
      // Refused, as by a host that is down: the client sees the connection drop at once.
      client.destroy();
      return;
    }
    const upstream = createConnection(targetPort, targetHost);
    upstream.on('error', () => undefined);
    track(client);
    track(upstream);
    clients.add(client);
    client.once('close', () => clients.delete(client));
    // No bytes are buffered here: pipe() forwards only while both ends are up, and an error or close
    // on either side takes the other one down, like a broken link.
    client.pipe(upstream);
    upstream.pipe(client);
    const drop = () => (client.destroy(), upstream.destroy());
    client.on('error', drop).once('close', drop);
    upstream.on('error', drop).once('close', drop);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the TCP proxy has no port');

  const cutAll = () => {
    cut = true;
    for (const socket of sockets) socket.destroy();
    sockets.clear();
  };
  return {
    port: address.port,
    url: `redis://127.0.0.1:${address.port}`,
    get isCut() {
      return cut;
    },
    cut: cutAll,
    reset: () => {
      for (const client of clients) client.resetAndDestroy();
    },
    heal: () => {
      cut = false;
    },
    close: async () => {
      cutAll();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
