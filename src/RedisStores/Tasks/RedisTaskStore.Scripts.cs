namespace RedisStores.Tasks;

public sealed partial class RedisTaskStore
{
    /// <summary>
    /// The task store's Lua scripts. Each single-task operation is one script: one round trip, atomic, and on a
    /// cluster every key it names shares the <c>{tasks}</c> hash tag. KEYS layout: 1 all-tasks index (score: created ms),
    /// 2 expiry index (score: expiry ms, server clock), 3-7 one index per status (score: created ms), 8 the task hash.
    /// Hash fields: v schema version ("1"), id, st status, msg, c created ms, u updated ms, ttl ms, poll ms,
    /// hr has-result ("0"/"1"), res result bytes. Replies: -1 not found, -2 foreign data, -4 already exists.
    /// </summary>
    private static class Scripts
    {
        internal const long NotFound = -1;
        internal const long Foreign = -2;
        internal const long Terminal = -3;
        internal const long Exists = -4;

        private const string Prelude = Redis.LuaSnippets.ByteOrder + """
            local STATUS = { working = 3, input_required = 4, completed = 5, failed = 6, cancelled = 7 }
            local TERMINAL = { completed = true, failed = true, cancelled = true }
            local FIELDS = { 'v', 'id', 'st', 'msg', 'c', 'u', 'ttl', 'poll', 'hr' }
            local function now_ms()
              local t = redis.call('TIME')
              return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
            end
            local function unindex(ids)
              if #ids == 0 then return end
              for i = 1, 7 do redis.call('ZREM', KEYS[i], unpack(ids)) end
            end
            -- Drops index entries whose task has expired; bounded so no call blocks the server for long.
            -- Strictly before now: Redis keeps a key alive through its PEXPIREAT millisecond, and so do the indexes.
            local function prune(limit)
              local ids = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', '(' .. now_ms(), 'LIMIT', 0, limit)
              unindex(ids)
              return #ids
            end

            """;

        // ARGV: id, status, message ('' for none), created ms, ttl ms, poll ms
        internal const string Create = Prelude + """
            local kind = redis.call('TYPE', KEYS[8])['ok']
            if kind ~= 'none' then
              if kind == 'hash' and redis.call('HGET', KEYS[8], 'v') == '1' then return -4 end
              return -2
            end
            prune(10)
            -- One expiry instant, on the server's clock, for the key and its index entry: they cannot drift apart.
            local expires = now_ms() + tonumber(ARGV[5])
            -- Only a reused id (its task expired, not yet pruned) can still be indexed, perhaps under another status.
            if redis.call('ZSCORE', KEYS[1], ARGV[1]) then unindex({ ARGV[1] }) end
            redis.call('HSET', KEYS[8], 'v', '1', 'id', ARGV[1], 'st', ARGV[2], 'c', ARGV[4], 'u', ARGV[4],
              'ttl', ARGV[5], 'poll', ARGV[6], 'hr', '0')
            if ARGV[3] ~= '' then redis.call('HSET', KEYS[8], 'msg', ARGV[3]) end
            redis.call('PEXPIREAT', KEYS[8], expires)
            redis.call('ZADD', KEYS[1], ARGV[4], ARGV[1])
            redis.call('ZADD', KEYS[2], expires, ARGV[1])
            redis.call('ZADD', KEYS[STATUS[ARGV[2]]], ARGV[4], ARGV[1])
            return 0
            """;

        // ARGV: id, new status, message ('' for none), updated ms, notification channel, notification id,
        // result bytes (absent: status change only). Publishes the change on the message bus's task status topic,
        // from inside the script, so no subscriber hears of it before it is applied.
        internal const string Update = Prelude + """
            local f = redis.call('HMGET', KEYS[8], 'v', 'st', 'c')
            if not f[1] then
              if redis.call('EXISTS', KEYS[8]) == 1 then return -2 end
              return -1
            end
            if f[1] ~= '1' or not STATUS[f[2]] or not tonumber(f[3]) then return -2 end
            if TERMINAL[f[2]] then return { -3, f[2] } end
            redis.call('HSET', KEYS[8], 'st', ARGV[2], 'u', ARGV[4])
            if ARGV[3] == '' then
              redis.call('HDEL', KEYS[8], 'msg')
            else
              redis.call('HSET', KEYS[8], 'msg', ARGV[3])
            end
            if ARGV[7] then redis.call('HSET', KEYS[8], 'res', ARGV[7], 'hr', '1') end
            -- Move between status indexes only what was indexed, so an entry pruned meanwhile is never revived.
            if f[2] ~= ARGV[2] and redis.call('ZREM', KEYS[STATUS[f[2]]], ARGV[1]) == 1 then
              redis.call('ZADD', KEYS[STATUS[ARGV[2]]], f[3], ARGV[1])
            end
            local change = { taskId = ARGV[1], status = ARGV[2] }
            if ARGV[3] ~= '' then change.statusMessage = ARGV[3] end
            redis.call('PUBLISH', ARGV[5], 'rsm1|' .. ARGV[6] .. '|' .. ARGV[4] .. '|' .. cjson.encode(change))
            return redis.call('HMGET', KEYS[8], unpack(FIELDS))
            """;

        // KEYS: the task hash only.
        internal const string Get = """
            local f = redis.call('HMGET', KEYS[1], 'v', 'id', 'st', 'msg', 'c', 'u', 'ttl', 'poll', 'hr')
            if not f[1] then
              if redis.call('EXISTS', KEYS[1]) == 1 then return -2 end
              return -1
            end
            if f[1] ~= '1' then return -2 end
            return f
            """;

        // KEYS: the task hash only. Reply: { status, message, result } (result nil when none yet).
        internal const string GetResult = """
            local f = redis.call('HMGET', KEYS[1], 'v', 'st', 'msg', 'hr', 'res')
            if not f[1] then
              if redis.call('EXISTS', KEYS[1]) == 1 then return -2 end
              return -1
            end
            if f[1] ~= '1' then return -2 end
            if f[4] ~= '1' then return { f[2], f[3], false } end
            return { f[2], f[3], f[5] }
            """;

        // ARGV: id. Refuses (-2) to delete a key this store did not write.
        internal const string Delete = Prelude + """
            local kind = redis.call('TYPE', KEYS[8])['ok']
            if kind ~= 'none' and (kind ~= 'hash' or redis.call('HGET', KEYS[8], 'v') ~= '1') then return -2 end
            local n = redis.call('DEL', KEYS[8])
            unindex({ ARGV[1] })
            return n
            """;

        // KEYS 1-7. ARGV: task key prefix, index to read (1 or 3-7), cursor score ('' for first page), cursor id,
        // page size, prune limit. Reply: { cursor score or '', cursor id or '', task fields... }; -2 and the id on foreign data.
        internal const string List = Prelude + """
            prune(tonumber(ARGV[6]))
            local set = KEYS[tonumber(ARGV[2])]
            local size = tonumber(ARGV[5])
            local start = 0
            if ARGV[3] ~= '' then
              local s = redis.call('ZSCORE', set, ARGV[4])
              if s and tonumber(s) == tonumber(ARGV[3]) then
                start = redis.call('ZREVRANK', set, ARGV[4]) + 1
              else
                -- The cursor's task is gone: count what sorts before it (newer, or as new with a larger id).
                start = redis.call('ZCOUNT', set, '(' .. ARGV[3], '+inf')
                for _, m in ipairs(redis.call('ZRANGEBYSCORE', set, ARGV[3], ARGV[3])) do
                  if gt(m, ARGV[4]) then start = start + 1 end
                end
              end
            end
            -- Reads until the page and one look-ahead task are found, skipping (and unindexing) entries whose key
            -- vanished by eviction or expiry; gives up after 1000 such entries, with the cursor where it stopped.
            local out = { '', '' }
            local gone = {}
            local found, budget = 0, size + 1001
            local more = false
            local lastScore, lastId, posScore, posId
            while not more do
              local range = redis.call('ZREVRANGE', set, start, start + size - found, 'WITHSCORES')
              if #range == 0 then break end
              for i = 1, #range, 2 do
                local id = range[i]
                local f = redis.call('HMGET', ARGV[1] .. id, unpack(FIELDS))
                if f[1] == '1' and f[2] == id then
                  if found == size then more = true; break end
                  found = found + 1
                  table.insert(out, f)
                  lastScore, lastId = range[i + 1], id
                elseif not f[1] and redis.call('EXISTS', ARGV[1] .. id) == 0 then
                  table.insert(gone, id)
                else
                  return { -2, id }
                end
                posScore, posId = range[i + 1], id
              end
              start = start + #range / 2
              budget = budget - #range / 2
              if not more and budget <= 0 then
                more = true
                lastScore, lastId = posScore, posId
              end
            end
            unindex(gone)
            if more then
              out[1] = lastScore
              out[2] = lastId
            end
            return out
            """;

        // KEYS 1-7. ARGV: prune limit. Reply: { pruned, count per status... }
        internal const string Stats = Prelude + """
            local reply = { prune(tonumber(ARGV[1])) }
            for i = 3, 7 do
              table.insert(reply, redis.call('ZCARD', KEYS[i]))
            end
            return reply
            """;
    }
}
