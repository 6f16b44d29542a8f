namespace RedisStores.Workers;

public sealed partial class RedisWorkerStore
{
    /// <summary>
    /// The journal's Lua scripts. Each single-execution operation is one script over the execution's two keys, which
    /// share a hash tag: KEYS[1] the execution hash, KEYS[2] the steps hash. The active index lives in another slot
    /// and is updated by a second command pipelined with the script, never from inside it.
    /// Execution hash fields: v schema version ("1"), id, st state (a/c/f), s started ms, d finished ms, ttl ms,
    /// e expiry (server ms), err. Steps hash fields: <c>s:&lt;step&gt;</c> "p|started|" or "c|started|completed",
    /// <c>r:&lt;step&gt;</c> result bytes. Replies: -1 not found, -2 foreign data.
    /// </summary>
    private static class Scripts
    {
        internal const long NotFound = -1;
        internal const long Foreign = -2;

        // Checks the execution hash; returns early with a code when it is missing or not ours.
        private const string Prelude = """
            local v = redis.call('HGET', KEYS[1], 'v')
            if not v then
              if redis.call('EXISTS', KEYS[1]) == 1 then return -2 end
              return -1
            end
            if v ~= '1' then return -2 end
            -- The steps hash takes the execution's own expiry instant, so both keys go at the same moment.
            local function expire_steps()
              local e = redis.call('HGET', KEYS[1], 'e')
              if e then redis.call('PEXPIREAT', KEYS[2], e) end
            end

            """;

        // ARGV: id, started ms, ttl ms ('' for none). Reply: the execution's fields, new or as they were.
        internal const string Start = """
            local f = redis.call('HMGET', KEYS[1], 'v', 'id', 'st', 's', 'd', 'ttl', 'err')
            if f[1] then
              if f[1] ~= '1' then return -2 end
              return f
            end
            if redis.call('EXISTS', KEYS[1]) == 1 then return -2 end
            -- Steps left by an execution of the same id whose hash was deleted belong to no one now.
            redis.call('DEL', KEYS[2])
            redis.call('HSET', KEYS[1], 'v', '1', 'id', ARGV[1], 'st', 'a', 's', ARGV[2])
            if ARGV[3] ~= '' then
              -- The expiry is on the server's clock, as Redis applies it.
              local t = redis.call('TIME')
              local e = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) + tonumber(ARGV[3])
              redis.call('HSET', KEYS[1], 'ttl', ARGV[3], 'e', string.format('%d', e))
              redis.call('PEXPIREAT', KEYS[1], e)
            end
            return redis.call('HMGET', KEYS[1], 'v', 'id', 'st', 's', 'd', 'ttl', 'err')
            """;

        // KEYS: the execution hash only. Reply: its fields.
        internal const string Get = """
            local f = redis.call('HMGET', KEYS[1], 'v', 'id', 'st', 's', 'd', 'ttl', 'err')
            if not f[1] then
              if redis.call('EXISTS', KEYS[1]) == 1 then return -2 end
              return -1
            end
            if f[1] ~= '1' then return -2 end
            return f
            """;

        // ARGV: step, now ms. Reply: 1 started, 0 already completed.
        internal const string StartStep = Prelude + """
            local field = 's:' .. ARGV[1]
            local s = redis.call('HGET', KEYS[2], field)
            if s and string.sub(s, 1, 1) == 'c' then return 0 end
            redis.call('HSET', KEYS[2], field, 'p|' .. ARGV[2] .. '|')
            expire_steps()
            return 1
            """;

        // ARGV: step, result, now ms. HSETNX makes the first result win. Reply: { 1 } recorded, { 0, stored result }.
        internal const string CompleteStep = Prelude + """
            if redis.call('HSETNX', KEYS[2], 'r:' .. ARGV[1], ARGV[2]) == 0 then
              return { 0, redis.call('HGET', KEYS[2], 'r:' .. ARGV[1]) }
            end
            local field = 's:' .. ARGV[1]
            local started = ARGV[3]
            local s = redis.call('HGET', KEYS[2], field)
            if s then started = string.match(s, '^%a|(%d+)|') or started end
            redis.call('HSET', KEYS[2], field, 'c|' .. started .. '|' .. ARGV[3])
            expire_steps()
            return { 1 }
            """;

        // ARGV: step. Reply: { state field or false, result or false }.
        internal const string GetStep = Prelude + """
            return { redis.call('HGET', KEYS[2], 's:' .. ARGV[1]), redis.call('HGET', KEYS[2], 'r:' .. ARGV[1]) }
            """;

        // Reply: { HGETALL of the steps hash }.
        internal const string ListSteps = Prelude + """
            return { redis.call('HGETALL', KEYS[2]) }
            """;

        // ARGV: state (c/f), now ms, error ('' for none). Reply: 1 finished now, 0 already finished.
        internal const string Finish = Prelude + """
            if redis.call('HGET', KEYS[1], 'st') ~= 'a' then return 0 end
            redis.call('HSET', KEYS[1], 'st', ARGV[1], 'd', ARGV[2])
            if ARGV[3] ~= '' then redis.call('HSET', KEYS[1], 'err', ARGV[3]) end
            return 1
            """;

        // KEYS: the active index only. ARGV: cursor score ('' for the first page), cursor id, count.
        // Reply: { id, score, ... } of the next entries after the cursor, newest first.
        internal const string Page = Redis.LuaSnippets.ByteOrder + """
            local start = 0
            if ARGV[1] ~= '' then
              local s = redis.call('ZSCORE', KEYS[1], ARGV[2])
              if s and tonumber(s) == tonumber(ARGV[1]) then
                start = redis.call('ZREVRANK', KEYS[1], ARGV[2]) + 1
              else
                -- The cursor's entry is gone: count what sorts before it (newer, or as new with a larger id).
                start = redis.call('ZCOUNT', KEYS[1], '(' .. ARGV[1], '+inf')
                for _, m in ipairs(redis.call('ZRANGEBYSCORE', KEYS[1], ARGV[1], ARGV[1])) do
                  if gt(m, ARGV[2]) then start = start + 1 end
                end
              end
            end
            return redis.call('ZREVRANGE', KEYS[1], start, start + tonumber(ARGV[3]) - 1, 'WITHSCORES')
            """;
    }
}
