import { LuaScript } from '../tiers/lua-script.js';

// Sequences are microsecond-sized (≈1.8e15): beyond Lua's default 14-digit tostring, hence '%.0f'.

/**
 * KEYS: stream, sequences (hash), latest (hash), one hash tag. ARGV: key, proposed seq, payload,
 * max entries (0 = unbounded), enqueuedAt.
 * Assigns the sequence and appends in one step, so stream order is sequence order for every key.
 * Returns {0} when the stream is full, else {1, entry id, seq}.
 */
export const enqueueScript = new LuaScript(`
local max = tonumber(ARGV[4])
if max > 0 and redis.call('XLEN', KEYS[1]) >= max then return {0} end
local last = tonumber(redis.call('HGET', KEYS[2], ARGV[1]) or '0')
local seq = tonumber(ARGV[2])
if seq <= last then seq = last + 1 end
local text = string.format('%.0f', seq)
redis.call('HSET', KEYS[2], ARGV[1], text)
local id = redis.call('XADD', KEYS[1], '*', 'k', ARGV[1], 's', text, 'v', ARGV[3], 't', ARGV[5])
redis.call('HSET', KEYS[3], ARGV[1], text .. ':' .. ARGV[3])
return {1, id, text}
`);

/**
 * KEYS: stream, latest. ARGV: group, then (id, key, seq) per written entry.
 * Acknowledges and deletes the entries (XLEN is then the depth, the first entry the oldest), and
 * forgets a key's read-your-writes value only if no newer write replaced it meanwhile.
 */
export const ackScript = new LuaScript(`
for i = 2, #ARGV, 3 do
  redis.call('XACK', KEYS[1], ARGV[1], ARGV[i])
  redis.call('XDEL', KEYS[1], ARGV[i])
  local current = redis.call('HGET', KEYS[2], ARGV[i + 1])
  if current and string.sub(current, 1, string.len(ARGV[i + 2]) + 1) == ARGV[i + 2] .. ':' then
    redis.call('HDEL', KEYS[2], ARGV[i + 1])
  end
end
return 1
`);

/**
 * KEYS: stream, latest, dead letters. ARGV: group, id, key, seq, payload, enqueuedAt, error, attempts, now.
 * Moves one entry to the dead-letter stream in one step: it is never both queued and dead.
 */
export const deadLetterScript = new LuaScript(`
redis.call('XADD', KEYS[3], '*', 'i', ARGV[2], 'k', ARGV[3], 's', ARGV[4], 'v', ARGV[5], 't', ARGV[6], 'e', ARGV[7], 'a', ARGV[8], 'f', ARGV[9])
redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])
redis.call('XDEL', KEYS[1], ARGV[2])
local current = redis.call('HGET', KEYS[2], ARGV[3])
if current and string.sub(current, 1, string.len(ARGV[4]) + 1) == ARGV[4] .. ':' then
  redis.call('HDEL', KEYS[2], ARGV[3])
end
return 1
`);

/**
 * KEYS: stream, dead letters. ARGV: dead-letter id.
 * Appends the dead item again with its original sequence (a guarded upsert ignores it if a newer
 * write of the key reached the database since). It is not made a read-your-writes value: the
 * database may hold a newer one already. Returns 0 if the dead letter is gone.
 */
export const requeueScript = new LuaScript(`
local found = redis.call('XRANGE', KEYS[2], ARGV[1], ARGV[1])
if #found == 0 then return 0 end
local f = {}
local fields = found[1][2]
for i = 1, #fields, 2 do f[fields[i]] = fields[i + 1] end
redis.call('XADD', KEYS[1], '*', 'k', f.k, 's', f.s, 'v', f.v, 't', f.t)
redis.call('XDEL', KEYS[2], ARGV[1])
return 1
`);

/** KEYS: lease. ARGV: owner, ttl ms. Takes a free lease or renews our own; 1 when we hold it. */
export const leaseScript = new LuaScript(`
local holder = redis.call('GET', KEYS[1])
if holder and holder ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
`);

/** KEYS: lease. ARGV: owner. */
export const releaseScript = new LuaScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
return 1
`);
