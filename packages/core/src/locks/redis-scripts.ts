import { createHash } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';
import { resendOnTopologyChange } from '../tiers/redis-tier.js';

/**
 * A Lua script run by its SHA. We don't `defineCommand` it because that would add methods to a client
 * the application owns.
 */
export class LuaScript {
  readonly #source: string;
  readonly #sha: string;

  constructor(source: string) {
    this.#source = source;
    this.#sha = createHash('sha1').update(source).digest('hex');
  }

  async run(client: Redis | Cluster, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> {
    // A script refused because its slot is moving never ran, so it is safe to send again (alone).
    const evalsha = [this.#sha, keys.length, ...keys, ...args];
    try {
      return await resendOnTopologyChange(client, client.evalsha(this.#sha, keys.length, ...keys, ...args), 'evalsha', evalsha);
    } catch (error) {
      // The server has not seen the script yet (first use, restart, SCRIPT FLUSH): send the source once.
      if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
      const source = [this.#source, keys.length, ...keys, ...args];
      return resendOnTopologyChange(client, client.eval(this.#source, keys.length, ...keys, ...args), 'eval', source);
    }
  }
}

/**
 * KEYS: lock, fence (one hash tag). ARGV: token, ttl ms, fencing (1 or 0).
 * Returns {1, fence} when the caller now holds the lock, else {0, PTTL of the current holder}.
 * The fence key never expires, so fences keep increasing after the lock key is gone.
 */
export const acquireScript = new LuaScript(`
local holder = redis.call('GET', KEYS[1])
if holder == ARGV[1] then
  -- ioredis resends a command after a reconnect: if the first run got the lock, report it again.
  return {1, tonumber(redis.call('GET', KEYS[2]) or '0')}
end
if holder then
  return {0, redis.call('PTTL', KEYS[1])}
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
if ARGV[3] == '0' then
  return {1, 0}
end
return {1, redis.call('INCR', KEYS[2])}
`);

/** KEYS: lock. ARGV: token, ttl ms. Returns 1 if the token still held the lock and its lease was renewed. */
export const extendScript = new LuaScript(`
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return 0
end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
`);

/**
 * KEYS: lock. ARGV: token, channel, resource. Returns 1 if the token held the lock and freed it.
 * Publishing from the script means waiters hear of every release and of nothing else.
 */
export const releaseScript = new LuaScript(`
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return 0
end
redis.call('DEL', KEYS[1])
redis.call('PUBLISH', ARGV[2], ARGV[3])
return 1
`);
