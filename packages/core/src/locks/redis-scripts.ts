import { LuaScript } from '../tiers/lua-script.js';

/**
 * KEYS: lock, fence (one hash tag), and optionally a key of the same slot to read. ARGV: token, ttl
 * ms, fencing (1 or 0). Returns {1, fence[, value read]} when the caller now holds the lock, else
 * {0, PTTL of the current holder}. Reading in the same script saves the holder a round trip: what
 * it reads was written before it got the lock. The fence key never expires, so fences keep
 * increasing after the lock key is gone.
 */
export const acquireScript = new LuaScript(`
local function granted(fence)
  if KEYS[3] then return {1, fence, redis.call('GET', KEYS[3])} end
  return {1, fence}
end
local holder = redis.call('GET', KEYS[1])
if holder == ARGV[1] then
  -- ioredis resends a command after a reconnect: if the first run got the lock, report it again.
  return granted(tonumber(redis.call('GET', KEYS[2]) or '0'))
end
if holder then
  return {0, redis.call('PTTL', KEYS[1])}
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
if ARGV[3] == '0' then
  return granted(0)
end
return granted(redis.call('INCR', KEYS[2]))
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
