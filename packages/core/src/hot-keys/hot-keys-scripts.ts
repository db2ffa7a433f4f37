import { LuaScript } from '../tiers/lua-script.js';

/**
 * Forward decay (Cormode et al.): an access at time t weighs 2^((t - base) / halfLife), so the
 * sorted set ranks keys by exponentially decayed frequency without ever rewriting old scores. When the
 * weights grow too large the set is rescaled once and `base` moves to now.
 * KEYS: the ranking (sorted set), its meta (hash: base). ARGV: halfLifeMs, retainMs, cap, then key, count pairs.
 */
export const publishScript = new LuaScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local base = tonumber(redis.call('HGET', KEYS[2], 'base') or '')
if not base then
  base = now
  redis.call('HSET', KEYS[2], 'base', base)
end
local exponent = (now - base) / tonumber(ARGV[1])
if exponent > 256 then
  local scale = 2 ^ -exponent
  local all = redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES')
  for i = 1, #all, 2 do redis.call('ZADD', KEYS[1], tonumber(all[i + 1]) * scale, all[i]) end
  redis.call('HSET', KEYS[2], 'base', now)
  exponent = 0
end
local weight = 2 ^ exponent
for j = 4, #ARGV, 2 do redis.call('ZINCRBY', KEYS[1], tonumber(ARGV[j + 1]) * weight, ARGV[j]) end
local cap = tonumber(ARGV[3])
local size = redis.call('ZCARD', KEYS[1])
if size > cap then redis.call('ZREMRANGEBYRANK', KEYS[1], 0, size - cap - 1) end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
redis.call('PEXPIRE', KEYS[2], ARGV[2])
return size`);
