import { LuaScript } from '../tiers/lua-script.js';

// KEYS: meta (hash), bits:0, bits:1; they share a hash tag, so each script runs on one cluster node.
// meta fields: cur / build (slot 0 or 1), m<slot> / k<slot> (bits, hashes), token, until (lease end,
// Redis time in ms), items, builtAt. A key's bit i in a slot is (h1 + i * h2) % m<slot>.

const PRELUDE = `
local function now()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function setbits(slot, from)
  local m = tonumber(redis.call('HGET', KEYS[1], 'm' .. slot))
  local k = tonumber(redis.call('HGET', KEYS[1], 'k' .. slot))
  for j = from, #ARGV, 2 do
    local h1, h2 = tonumber(ARGV[j]), tonumber(ARGV[j + 1])
    for i = 0, k - 1 do redis.call('SETBIT', KEYS[2 + slot], (h1 + i * h2) % m, 1) end
  end
end
`;

/** ARGV: h1, h2 pairs. Into the current filter and the one being built. */
export const addScript = new LuaScript(`${PRELUDE}
local cur = redis.call('HGET', KEYS[1], 'cur')
local build = redis.call('HGET', KEYS[1], 'build')
if cur then setbits(tonumber(cur), 1) end
if build and build ~= cur then setbits(tonumber(build), 1) end
return 1`);

/** ARGV: h1, h2. 1 maybe present, 0 never added, -1 no filter yet. */
export const checkScript = new LuaScript(`
local cur = redis.call('HGET', KEYS[1], 'cur')
if not cur then return -1 end
local m = tonumber(redis.call('HGET', KEYS[1], 'm' .. cur))
local k = tonumber(redis.call('HGET', KEYS[1], 'k' .. cur))
local h1, h2 = tonumber(ARGV[1]), tonumber(ARGV[2])
for i = 0, k - 1 do
  if redis.call('GETBIT', KEYS[2 + tonumber(cur)], (h1 + i * h2) % m) == 0 then return 0 end
end
return 1`);

/** ARGV: token, bits, hashes, leaseMs. 1 if this build now holds the next slot. */
export const beginScript = new LuaScript(`${PRELUDE}
local t = now()
if redis.call('HGET', KEYS[1], 'build') and tonumber(redis.call('HGET', KEYS[1], 'until') or '0') > t then return 0 end
local cur = redis.call('HGET', KEYS[1], 'cur')
local slot = (cur == '0') and 1 or 0
redis.call('UNLINK', KEYS[2 + slot])
redis.call('HSET', KEYS[1], 'build', slot, 'token', ARGV[1], 'm' .. slot, ARGV[2], 'k' .. slot, ARGV[3], 'until', t + tonumber(ARGV[4]))
return 1`);

/** ARGV: token, leaseMs, then h1, h2 pairs. */
export const fillScript = new LuaScript(`${PRELUDE}
if redis.call('HGET', KEYS[1], 'token') ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 'until', now() + tonumber(ARGV[2]))
setbits(tonumber(redis.call('HGET', KEYS[1], 'build')), 3)
return 1`);

/** ARGV: token, items. */
export const swapScript = new LuaScript(`${PRELUDE}
if redis.call('HGET', KEYS[1], 'token') ~= ARGV[1] then return 0 end
local build = redis.call('HGET', KEYS[1], 'build')
local old = redis.call('HGET', KEYS[1], 'cur')
redis.call('HSET', KEYS[1], 'cur', build, 'items', ARGV[2], 'builtAt', now())
redis.call('HDEL', KEYS[1], 'build', 'token', 'until')
if old and old ~= build then
  redis.call('UNLINK', KEYS[2 + tonumber(old)])
  redis.call('HDEL', KEYS[1], 'm' .. old, 'k' .. old)
end
return 1`);

/** ARGV: token. */
export const abortScript = new LuaScript(`
if redis.call('HGET', KEYS[1], 'token') ~= ARGV[1] then return 0 end
local build = redis.call('HGET', KEYS[1], 'build')
redis.call('HDEL', KEYS[1], 'build', 'token', 'until', 'm' .. build, 'k' .. build)
redis.call('UNLINK', KEYS[2 + tonumber(build)])
return 1`);

/** { cur or false, m, k, set bits, items, builtAt, building (0/1) }. */
export const stateScript = new LuaScript(`
local t = redis.call('TIME')
local ms = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local building = (redis.call('HGET', KEYS[1], 'build') and tonumber(redis.call('HGET', KEYS[1], 'until') or '0') > ms) and 1 or 0
local cur = redis.call('HGET', KEYS[1], 'cur')
if not cur then return { false, 0, 0, 0, 0, 0, building } end
local f = redis.call('HMGET', KEYS[1], 'm' .. cur, 'k' .. cur, 'items', 'builtAt')
return { cur, f[1], f[2], redis.call('BITCOUNT', KEYS[2 + tonumber(cur)]), f[3], f[4], building }`);
