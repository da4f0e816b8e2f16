// Lua scripts of the Redis session store: each one runs atomically inside Redis (one step for all instances).
//
// Layout under the prefix P: P..'s:'..id = hash of the session fields (SESSION_FIELDS);
// P..'c:'..clientKey = id; P..'a:'..account = set of ids; P..'idle' = zset id by lastActivityMs;
// P..'ids' = zset of ids at score 0 (lexical paging). ARGV[1] is always P.
// Keys are computed inside the scripts, so this layout needs a single Redis (or one hash slot), not Cluster.

const COMMON = `
local P = ARGV[1]
local function skey(id) return P .. 's:' .. id end
local function akey(account) return P .. 'a:' .. account end
local function ckey(clientKey) return P .. 'c:' .. clientKey end
local function field(flat, name)
  for i = 1, #flat, 2 do if flat[i] == name then return flat[i + 1] end end
  return nil
end
-- Removes a session and every index entry pointing at it; returns its flat hash, or false.
local function unlink(id)
  local h = redis.call('HGETALL', skey(id))
  if #h == 0 then
    redis.call('ZREM', P .. 'idle', id)
    redis.call('ZREM', P .. 'ids', id)
    return false
  end
  redis.call('DEL', skey(id))
  local ck = field(h, 'clientKey')
  if ck and redis.call('GET', ckey(ck)) == id then redis.call('DEL', ckey(ck)) end
  local account = field(h, 'account')
  if account then redis.call('SREM', akey(account), id) end
  redis.call('ZREM', P .. 'idle', id)
  redis.call('ZREM', P .. 'ids', id)
  return h
end
-- Writes the session given as 9 values from ARGV[first], in SESSION_FIELDS order.
local NAMES = {'id', 'account', 'clientKey', 'sticky', 'createdAtMs', 'lastActivityMs', 'expiresAtMs',
  'tokenId', 'permissions'}
local function write(first, id, createdAtMs)
  local flat = {}
  for i, name in ipairs(NAMES) do
    flat[#flat + 1] = name
    flat[#flat + 1] = ARGV[first + i - 1]
  end
  flat[2] = id
  flat[10] = createdAtMs
  redis.call('HSET', skey(id), unpack(flat))
  redis.call('SET', ckey(flat[6]), id)
  redis.call('SADD', akey(flat[4]), id)
  redis.call('ZADD', P .. 'idle', flat[12], id)
  redis.call('ZADD', P .. 'ids', 0, id)
end
`;

/** ARGV: P, limit, 9 session fields. Returns {'limit', active} or {'ok', id, createdAtMs, replaced, moved}. */
export const CLAIM = `${COMMON}
local limit = tonumber(ARGV[2])
local id, account, clientKey, sticky, createdAtMs = ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7]
local holderId = redis.call('GET', ckey(clientKey))
local holderAccount = false
if holderId then holderAccount = redis.call('HGET', skey(holderId), 'account') end
local movedId = false
if sticky == '1' then
  for _, m in ipairs(redis.call('SMEMBERS', akey(account))) do
    if m ~= holderId and redis.call('HGET', skey(m), 'sticky') == '1' then
      movedId = m
      break
    end
  end
end
local active = redis.call('SCARD', akey(account))
if holderId and holderAccount == account then active = active - 1 end
if movedId then active = active - 1 end
if active >= limit then return {'limit', active} end
local replaced = {}
if holderId then replaced = unlink(holderId) or {} end
local moved = {}
if movedId then
  moved = unlink(movedId) or {}
  id = movedId
  createdAtMs = field(moved, 'createdAtMs') or createdAtMs
end
write(3, id, createdAtMs)
return {'ok', id, createdAtMs, replaced, moved}
`;

/** ARGV: P, 9 session fields. Upsert by id; evicts another holder of the client key. */
export const PUT = `${COMMON}
unlink(ARGV[2])
local holderId = redis.call('GET', ckey(ARGV[4]))
if holderId then unlink(holderId) end
write(2, ARGV[2], ARGV[6])
return 1
`;

/** ARGV: P, id. Returns 1 if removed, else 0. */
export const DELETE = `${COMMON}
if unlink(ARGV[2]) then return 1 end
return 0
`;

/** ARGV: P, then (id, lastActivityMs) pairs. Raises activity; returns the missing ids. */
export const TOUCH = `${COMMON}
local missing = {}
for i = 2, #ARGV - 1, 2 do
  local id, at = ARGV[i], tonumber(ARGV[i + 1])
  local cur = redis.call('HGET', skey(id), 'lastActivityMs')
  if not cur then
    missing[#missing + 1] = id
  elseif at > tonumber(cur) then
    redis.call('HSET', skey(id), 'lastActivityMs', ARGV[i + 1])
    redis.call('ZADD', P .. 'idle', ARGV[i + 1], id)
  end
end
return missing
`;

/** ARGV: P, cutoffMs, batch. Removes up to batch sessions with lastActivityMs < cutoff; returns their hashes. */
export const EXPIRE_IDLE = `${COMMON}
local out = {}
local ids = redis.call('ZRANGEBYSCORE', P .. 'idle', '-inf', '(' .. ARGV[2], 'LIMIT', 0, tonumber(ARGV[3]))
for _, id in ipairs(ids) do
  local h = unlink(id)
  if h then out[#out + 1] = h end
end
return out
`;

/** ARGV: P, clientKey. Returns the flat hash of the session on that socket, or {}. */
export const GET_BY_CLIENT = `${COMMON}
local id = redis.call('GET', ckey(ARGV[2]))
if not id then return {} end
return redis.call('HGETALL', skey(id))
`;

/** ARGV: P, account. Returns the flat hashes of the account's sessions. */
export const LIST_ACCOUNT = `${COMMON}
local out = {}
for _, id in ipairs(redis.call('SMEMBERS', akey(ARGV[2]))) do
  local h = redis.call('HGETALL', skey(id))
  if #h > 0 then out[#out + 1] = h end
end
return out
`;

/** ARGV: P, afterId ('' for the start), limit. Returns flat hashes ordered by id. */
export const PAGE = `${COMMON}
local from = '-'
if ARGV[2] ~= '' then from = '(' .. ARGV[2] end
local out = {}
for _, id in ipairs(redis.call('ZRANGEBYLEX', P .. 'ids', from, '+', 'LIMIT', 0, tonumber(ARGV[3]))) do
  local h = redis.call('HGETALL', skey(id))
  if #h > 0 then out[#out + 1] = h end
end
return out
`;
