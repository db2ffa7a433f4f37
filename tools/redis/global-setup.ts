import { startRedisServer, type RedisServerHandle } from './redis-server';

declare global {
  // eslint-disable-next-line no-var
  var __TIERCACHE_REDIS__: RedisServerHandle | undefined;
}

/** Starts one redis-server for the whole run, unless REDIS_URL points at one already. */
export default async function globalSetup(): Promise<void> {
  if (process.env.REDIS_URL) return;
  const server = await startRedisServer();
  globalThis.__TIERCACHE_REDIS__ = server;
  process.env.REDIS_URL = server.url;
}
