import { LuaScript } from '../tiers/lua-script.js';

/**
 * KEYS: lock, fence (one hash tag), optionally a key of the same slot to read, and with it the lock's
 * waiting flag. ARGV: token, ttl ms, fencing (1 or 0), and optionally read-first (1). Returns {1,
 * fence[, value read]} when the caller now holds the lock, {0, PTTL, token of the current holder}
 * when another does, and with read-first {2, 0, value} without taking the lock when the key holds a value:
 * a waiter woken by a release wants the value the holder stored, not the lock. Reading in the same
 * script saves a round trip: what it reads was written before it got the lock. A waiting attempt
 * (one with the flag) sets the flag for a lease, so the holder's release carries the value it
 * stored (see `writeAndReleaseScript`), named by the holder's token. The fence key never expires, so fences keep increasing after
 * the lock key is gone.
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
if KEYS[3] and ARGV[4] == '1' then
  local stored = redis.call('GET', KEYS[3])
  if stored then return {2, 0, stored} end
end
if holder then
  if KEYS[4] then redis.call('SET', KEYS[4], '1', 'PX', ARGV[2]) end
  return {0, redis.call('PTTL', KEYS[1]), holder}
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
