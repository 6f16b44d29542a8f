namespace RedisStores.Sessions;

public sealed partial class RedisSessionStore
{
    /// <summary>
    /// The session store's Lua scripts: one per operation, so each is one round trip and atomic; every key shares the
    /// <c>{sessions}</c> hash tag. KEYS: 1 expiry index (score: expiry ms, server clock), 2 id index (score 0, read by
    /// lex), 3 the session hash, 4 its event list. Hash fields: <c>m:v</c> version, <c>m:c</c>/<c>m:u</c> created/updated
    /// ms, <c>m:ttl</c> ms, <c>m:sl</c> sliding, <c>m:es</c> last event sequence, <c>m:exp</c> expiry ms, and
    /// <c>d:&lt;name&gt;</c> one JSON value per field. Replies: -1 not found, -2 foreign data, { -5, version } conflict.
    /// </summary>
    private static class Scripts
    {
        internal const long NotFound = -1;
        internal const long Foreign = -2;
        internal const long Conflict = -5;

        private const string Prelude = """
            local function now_ms()
              local t = redis.call('TIME')
              return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
            end
            -- 0: no session, 1: a session of this store, -2: a key this store did not write.
            local function state()
              local kind = redis.call('TYPE', KEYS[3])['ok']
              if kind == 'none' then return 0 end
              if kind ~= 'hash' or not tonumber(redis.call('HGET', KEYS[3], 'm:v')) then return -2 end
              return 1
            end
            -- One expiry instant for the hash, the event list and the index entry.
            local function touch(id, expires)
              redis.call('HSET', KEYS[3], 'm:exp', expires)
              redis.call('PEXPIREAT', KEYS[3], expires)
              if redis.call('EXISTS', KEYS[4]) == 1 then
                redis.call('PEXPIREAT', KEYS[4], expires)
              end
              redis.call('ZADD', KEYS[1], expires, id)
              redis.call('ZADD', KEYS[2], 0, id)
            end
            local function renew(id)
              local m = redis.call('HMGET', KEYS[3], 'm:sl', 'm:ttl')
              if m[1] == '1' then touch(id, now_ms() + tonumber(m[2])) end
            end
            -- Drops index entries of expired sessions, strictly before now, a bounded number per call.
            local function prune(limit)
              local ids = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(' .. now_ms(), 'LIMIT', 0, limit)
              if #ids > 0 then
                redis.call('ZREM', KEYS[1], unpack(ids))
                redis.call('ZREM', KEYS[2], unpack(ids))
              end
              return #ids
            end
            -- Version check of a write: nil when it may go on, else the reply to return.
            local function check_version(expected, current)
              if expected ~= '' and tonumber(expected) ~= current then return { -5, string.format('%d', current) } end
              return nil
            end
            -- A field write needs a session of this store at the expected version (a missing one is a conflict
            -- when a version was expected). Returns its current version, or nil and the reply to return.
            local function field_write_guard(expected)
              local st = state()
              if st == -2 then return nil, { -2 } end
              if st == 0 then
                if expected ~= '' and tonumber(expected) > 0 then return nil, { -5, 0 } end
                return nil, { -1 }
              end
              local current = tonumber(redis.call('HGET', KEYS[3], 'm:v'))
              local conflict = check_version(expected, current)
              if conflict then return nil, conflict end
              return current
            end

            """;

        // ARGV: id, expected version ('' none), ttl ms, sliding ('0'/'1'), now ms, then field/value pairs.
        internal const string Set = Prelude + """
            local st = state()
            if st == -2 then return { -2 } end
            local current, created, events = 0, ARGV[5], '0'
            if st == 1 then
              local m = redis.call('HMGET', KEYS[3], 'm:v', 'm:c', 'm:es')
              current, created, events = tonumber(m[1]), m[2] or ARGV[5], m[3] or '0'
            end
            local conflict = check_version(ARGV[2], current)
            if conflict then return conflict end
            -- A new session starts at the server clock in microseconds, above any version its id had before, so a
            -- writer holding a version of a deleted or expired session can never match its successor.
            local version = current + 1
            if st == 0 then
              redis.call('DEL', KEYS[4])
              local t = redis.call('TIME')
              version = tonumber(t[1]) * 1000000 + tonumber(t[2])
            end
            redis.call('DEL', KEYS[3])
            redis.call('HSET', KEYS[3], 'm:v', string.format('%d', version), 'm:c', created, 'm:u', ARGV[5], 'm:ttl', ARGV[3],
              'm:sl', ARGV[4], 'm:es', events)
            for i = 6, #ARGV, 2 do
              redis.call('HSET', KEYS[3], 'd:' .. ARGV[i], ARGV[i + 1])
            end
            touch(ARGV[1], now_ms() + tonumber(ARGV[3]))
            prune(10)
            return { string.format('%d', version) }
            """;

        // ARGV: id. Reply: { 1, HGETALL }.
        internal const string Get = Prelude + """
            local st = state()
            if st ~= 1 then return { st == 0 and -1 or -2 } end
            renew(ARGV[1])
            return { 1, redis.call('HGETALL', KEYS[3]) }
            """;

        // ARGV: id, field. Reply: { 1, version, value or nil }.
        internal const string GetField = Prelude + """
            local st = state()
            if st ~= 1 then return { st == 0 and -1 or -2 } end
            renew(ARGV[1])
            local f = redis.call('HMGET', KEYS[3], 'm:v', 'd:' .. ARGV[2])
            return { 1, f[1], f[2] }
            """;

        // ARGV: id, expected version ('' none), field, value, now ms.
        internal const string SetField = Prelude + """
            local current, refused = field_write_guard(ARGV[2])
            if not current then return refused end
            local version = string.format('%d', current + 1)
            redis.call('HSET', KEYS[3], 'd:' .. ARGV[3], ARGV[4], 'm:v', version, 'm:u', ARGV[5])
            renew(ARGV[1])
            return { version }
            """;

        // ARGV: id, expected version ('' none), field, now ms.
        internal const string RemoveField = Prelude + """
            local current, refused = field_write_guard(ARGV[2])
            if not current then return refused end
            if redis.call('HDEL', KEYS[3], 'd:' .. ARGV[3]) == 1 then
              current = current + 1
              redis.call('HSET', KEYS[3], 'm:v', string.format('%d', current), 'm:u', ARGV[4])
            end
            renew(ARGV[1])
            return { string.format('%d', current) }
            """;

        // ARGV: id.
        internal const string Delete = Prelude + """
            local st = state()
            if st == -2 then return -2 end
            local n = redis.call('DEL', KEYS[3])
            redis.call('DEL', KEYS[4])
            redis.call('ZREM', KEYS[1], ARGV[1])
            redis.call('ZREM', KEYS[2], ARGV[1])
            return n
            """;

        // ARGV: id, ttl ms ('' for the session's own).
        internal const string Extend = Prelude + """
            local st = state()
            if st ~= 1 then return st == 0 and 0 or -2 end
            local ttl = ARGV[2] ~= '' and tonumber(ARGV[2]) or tonumber(redis.call('HGET', KEYS[3], 'm:ttl'))
            touch(ARGV[1], now_ms() + ttl)
            return 1
            """;

        // ARGV: id. Reply: the session's PTTL, -1 when missing.
        internal const string TimeToLive = Prelude + """
            local st = state()
            if st ~= 1 then return st == 0 and -1 or -2 end
            return redis.call('PTTL', KEYS[3])
            """;

        // ARGV: id, now ms, payload, max events, notification channel, notification id. Reply: { sequence }.
        // Announces the event on the message bus's session events topic, from inside the script.
        internal const string AppendEvent = Prelude + """
            local st = state()
            if st ~= 1 then return { st == 0 and -1 or -2 } end
            local seq = redis.call('HINCRBY', KEYS[3], 'm:es', 1)
            redis.call('RPUSH', KEYS[4], seq .. '|' .. ARGV[2] .. '|' .. ARGV[3])
            redis.call('LTRIM', KEYS[4], -tonumber(ARGV[4]), -1)
            renew(ARGV[1])
            local expires = redis.call('HGET', KEYS[3], 'm:exp')
            redis.call('PEXPIREAT', KEYS[4], expires)
            redis.call('PUBLISH', ARGV[5], 'rsm1|' .. ARGV[6] .. '|' .. ARGV[2] .. '|' .. cjson.encode({ sessionId = ARGV[1], sequence = seq }))
            return { seq }
            """;

        // ARGV: id, count. Reply: { 1, entries } (entries: "seq|ms|json").
        internal const string LastEvents = Prelude + """
            local st = state()
            if st ~= 1 then return { st == 0 and -1 or -2 } end
            renew(ARGV[1])
            return { 1, redis.call('LRANGE', KEYS[4], -tonumber(ARGV[2]), -1) }
            """;

        // ARGV: id, from sequence, max count. The list holds the consecutive sequences ending at m:es.
        internal const string EventsFrom = Prelude + """
            local st = state()
            if st ~= 1 then return { st == 0 and -1 or -2 } end
            renew(ARGV[1])
            local len = redis.call('LLEN', KEYS[4])
            local first = tonumber(redis.call('HGET', KEYS[3], 'm:es')) - len + 1
            local start = math.max(tonumber(ARGV[2]), first) - first
            if start >= len then return { 1, {} } end
            return { 1, redis.call('LRANGE', KEYS[4], start, start + tonumber(ARGV[3]) - 1) }
            """;

        // KEYS 1-2. ARGV: session key prefix, after id ('' from the start), page size, prune limit.
        // Reply: { cursor id or '', { id, version, created, updated }... }; { -2, id } on foreign data.
        internal const string List = Prelude + """
            prune(tonumber(ARGV[4]))
            local min = ARGV[2] == '' and '-' or ('(' .. ARGV[2])
            local size = tonumber(ARGV[3])
            local out = { '' }
            local gone = {}
            local found, budget, more = 0, size + 1001, false
            local last, pos
            while not more do
              local ids = redis.call('ZRANGEBYLEX', KEYS[2], min, '+', 'LIMIT', 0, size + 1 - found)
              if #ids == 0 then break end
              for _, id in ipairs(ids) do
                local m = redis.call('HMGET', ARGV[1] .. id, 'm:v', 'm:c', 'm:u')
                if tonumber(m[1]) then
                  if found == size then more = true; break end
                  found = found + 1
                  table.insert(out, { id, m[1], m[2], m[3] })
                  last = id
                elseif not m[1] and redis.call('EXISTS', ARGV[1] .. id) == 0 then
                  table.insert(gone, id)
                else
                  return { -2, id }
                end
                pos = id
              end
              min = '(' .. pos
              budget = budget - #ids
              if not more and budget <= 0 then more = true; last = pos end
            end
            if #gone > 0 then
              redis.call('ZREM', KEYS[1], unpack(gone))
              redis.call('ZREM', KEYS[2], unpack(gone))
            end
            if more then out[1] = last end
            return out
            """;

        // KEYS 1-2. Counting reads the expiry index: O(log n), exact whether or not pruning has caught up.
        internal const string Count = Prelude + """
            prune(100)
            return redis.call('ZCOUNT', KEYS[1], now_ms(), '+inf')
            """;
    }
}
