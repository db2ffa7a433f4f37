import { LuaScript } from './lua-script.js';

/**
 * KEYS: entries (one slot on Cluster). ARGV: value, PX, createdAt for each key in turn. Writes each
 * entry (or delete tombstone) unless its key already holds one created at or after its `createdAt`:
 * a load that began before another instance's write or delete can never land over it, and neither
 * can a write that reached Redis late (replayed after a partition, or held by a hung link). Only the
 * header is read (GETRANGE), so a large value costs nothing to compare. Returns how many were written.
 */
export const writeIfNewerScript = new LuaScript(`
local written = 0
for i, key in ipairs(KEYS) do
  local head = redis.call('GETRANGE', key, 0, 48)
  local at = string.match(head, '^TC1%[([^,]+),') or string.match(head, '^TCD(.+)$')
  if not (at and tonumber(at) and tonumber(at) >= tonumber(ARGV[i * 3])) then
    redis.call('SET', key, ARGV[i * 3 - 2], 'PX', ARGV[i * 3 - 1])
    written = written + 1
  end
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
