import { Redis } from 'ioredis';
import { startRedisServer, type RedisServerHandle } from '../../../../tools/redis/redis-server.js';
import { LuaScript } from '../../src/tiers/lua-script.js';

/** Calls of `command` the server has run. */
async function calls(client: Redis, command: string): Promise<number> {
  const line = (await client.info('commandstats')).split('\n').find((entry) => entry.startsWith(`cmdstat_${command}:`));
  return Number(/calls=(\d+)/.exec(line ?? '')?.[1] ?? 0);
}

describe('LuaScript', () => {
  // A server of its own, which has never seen the script (and whose counters only this file moves).
  let server: RedisServerHandle;
  let client: Redis;
  beforeAll(async () => {
    server = await startRedisServer();
    client = new Redis(server.url, { enableAutoPipelining: true });
  });
  afterAll(async () => {
    await client?.quit();
    await server?.stop();
  });

  it('sends its source once for a burst of calls on a server that has not seen it, and each call runs once', async () => {
    const script = new LuaScript(`return redis.call('INCR', KEYS[1])`);
    const replies = await Promise.all(Array.from({ length: 500 }, (_, i) => script.run(client, [`n${i % 5}`], [])));
    expect(replies.filter((reply) => reply === 100)).toHaveLength(5);
    expect(await calls(client, 'eval')).toBe(1);
    // After a SCRIPT FLUSH (a restart does the same) the first burst loads it once again.
    await client.script('FLUSH');
    await Promise.all(Array.from({ length: 500 }, () => script.run(client, ['m'], [])));
    expect(await client.get('m')).toBe('500');
    expect(await calls(client, 'eval')).toBe(2);
  });
});
