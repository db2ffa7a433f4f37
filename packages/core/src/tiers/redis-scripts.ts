import { STAMP_WIDTH } from '../serialization/entry-codec.js';
import { LuaScript } from './lua-script.js';

/** The largest value a release carries to its waiters (bytes): larger ones are read, not broadcast to every subscriber. */
const CARRIED_BYTES = 16 * 1024;

/** Writes one entry (or tombstone) unless its key holds one created at or after `createdAt`; 1 if written. */
const WRITE_IF_NEWER = `
local function writeIfNewer(key, value, px, createdAt)
  local head = redis.call('GETRANGE', key, 0, 48)
  local at = string.match(head, '^TC1%[([^,]+),') or string.match(head, '^TCD(.+)$')
  if at and tonumber(at) and tonumber(at) >= tonumber(createdAt) then return 0 end
  redis.call('SET', key, value, 'PX', px)
  return 1
end
`;

/**
 * KEYS: entries (one slot on Cluster). ARGV: value, PX, createdAt for each key in turn. Writes each
 * entry (or delete tombstone) unless its key already holds one created at or after its `createdAt`:
 * a load that began before another instance's write or delete can never land over it, and neither
 * can a write that reached Redis late (replayed after a partition, or held by a hung link). Only the
 * header is read (GETRANGE), so a large value costs nothing to compare. Returns how many were written.
 */
export const writeIfNewerScript = new LuaScript(`${WRITE_IF_NEWER}
local written = 0
for i, key in ipairs(KEYS) do
  written = written + writeIfNewer(key, ARGV[i * 3 - 2], ARGV[i * 3 - 1], ARGV[i * 3])
end
return written
`);

/**
 * KEYS: entries (one slot on Cluster). ARGV: a deadline (ms on Redis's clock), then value, PX for each
 * key, then, optionally, a channel and the bus message announcing the keys, which is published
 * whether or not the writes were in time (a receiver only drops its copies, and no number goes
 * missing). Published first, it is still heard after the writes: nothing runs while a script does,
 * and its subscribers' replies leave once it is done. Writes them all if Redis runs this by the deadline, else none: a user's write that a slow or
 * hung link delivers after its caller gave up is refused. Each entry (or tombstone) is stamped with
 * Redis's time unless its own stamp is later: hosts stamp on Redis's clock as they measured it, low
 * by up to a round trip, so only Redis's time orders a write after every load that began before it
 * ran, on any instance (the conditional writes compare against it). Returns that time, or 0 if late.
 * The stamp goes over the entry's fixed-width field once it is stored (SETRANGE): rebuilding the
 * value in Lua copied it twice and took most of the script's time.
 */
export const writeInTimeScript = new LuaScript(`
local channel = ARGV[#KEYS * 2 + 2]
if channel then redis.call('PUBLISH', channel, ARGV[#KEYS * 2 + 3]) end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
if now > tonumber(ARGV[1]) then return 0 end
local stamp = string.format('%.17g', now)
local field = string.format('%-${STAMP_WIDTH}s', stamp)
for i, key in ipairs(KEYS) do
  local value = ARGV[i * 2]
  local px = ARGV[i * 2 + 1]
  local at = string.match(value, '^TC1%[([^,]+),')
  local inPlace = false
  if at then
    if tonumber(at) < now then
      if #at == ${STAMP_WIDTH} and #field == ${STAMP_WIDTH} then inPlace = true
      else value = 'TC1[' .. stamp .. string.sub(value, 5 + #at) end
    end
  else
    at = string.match(value, '^TCD(.+)$')
    if at and tonumber(at) < now then value = 'TCD' .. stamp end
  end
  redis.call('SET', key, value, 'PX', px)
  if inPlace then redis.call('SETRANGE', key, 4, field) end
end
return stamp
`);

/**
 * KEYS: entry, its fleet load lock and the lock's waiting flag (one slot). ARGV: value, PX, createdAt
 * (as `writeIfNewerScript`), then token, channel, resource (as the lock's release), then the channel
 * and header of a release that carries the value. Writes the loaded value, then frees the lock if
 * `token` still holds it and tells the waiters: one round trip, and a woken waiter finds the value.
 * When a waiter set the flag and the value was written and is small, the value itself goes out
 * first, after a header naming the resource and the holder's token, so woken waiters need no read at
 * all; the plain release follows for waiters that only know it (another version, one that subscribed
 * late, or one that has not seen this holder). Returns 1 if the value was written.
 */
export const writeAndReleaseScript = new LuaScript(`${WRITE_IF_NEWER}
local written = writeIfNewer(KEYS[1], ARGV[1], ARGV[2], ARGV[3])
if redis.call('GET', KEYS[2]) == ARGV[4] then
  redis.call('DEL', KEYS[2])
  if redis.call('DEL', KEYS[3]) == 1 and written == 1 and #ARGV[1] <= ${CARRIED_BYTES} then
    redis.call('PUBLISH', ARGV[7], ARGV[8] .. ARGV[1])
  end
  redis.call('PUBLISH', ARGV[5], ARGV[6])
end
return written
`);

/**
 * KEYS: mark. ARGV: mode, at, retention PX. Stamps the mark no earlier than Redis's own clock, keeps
 * the later of the stored and the new time, never shortens how long the mark is kept, and returns
 * the stored time, which the writer adopts (so every instance compares against the same number).
 */
export const writeMarkScript = new LuaScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local at = math.max(tonumber(ARGV[2]), now)
local current = tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '0')
if at > current then redis.call('HSET', KEYS[1], ARGV[1], string.format('%.17g', at)) else at = current end
if redis.call('PTTL', KEYS[1]) < tonumber(ARGV[3]) then redis.call('PEXPIRE', KEYS[1], ARGV[3]) end
return string.format('%.17g', at)
`);
