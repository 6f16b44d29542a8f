namespace RedisStores.Workers;

public sealed partial class RedisWorkerStore
{
    // The queue's reading and tidying scripts: counts, get and peek, list, replay, purge, and the registry's holders.
    // Same KEYS and ARGV conventions, and the same prelude, as the scripts in RedisWorkerStore.QueueScripts.cs.
    private static partial class QueueScripts
    {
        // ARGV: root, lease-ran-out text. Reply: { ready, scheduled, leased, dead }.
        internal const string Counts = Prelude + """
            reclaim()
            return { redis.call('ZCARD', KEYS[1]), redis.call('ZCARD', KEYS[2]), redis.call('ZCARD', KEYS[3]), redis.call('ZCARD', KEYS[4]) }
            """;

        // ARGV: root, lease-ran-out text, job id ('' for the next ready one). Reply: the job's fields, or {} for none.
        internal const string Get = Prelude + """
            reclaim()
            local id = ARGV[3]
            if id ~= '' then
              local f = job(jkey(id))
              if not f[1] and redis.call('EXISTS', jkey(id)) == 0 then return {} end
              return f
            end
            -- The next ready job, as a lease would take it: entries whose job hash is gone are dropped.
            for _ = 1, 100 do
              local first = redis.call('ZRANGE', KEYS[1], '0', '0')
              if #first == 0 then return {} end
              local f = job(jkey(first[1]))
              if f[1] or redis.call('EXISTS', jkey(first[1])) == 1 then return f end
              redis.call('ZREM', KEYS[1], first[1])
            end
            return {}
            """;

        // ARGV: root, lease-ran-out text, state set index (1-4), cursor score ('' for the first page), cursor id, page size.
        // Reply: { 1 when more entries follow, score and id of the last entry examined, { { score, fields }, ... } },
        // examining up to page size entries after the cursor, in score then id order. An entry whose job hash is gone
        // is examined but not listed, so the cursor still moves past it.
        internal const string Page = Prelude + Redis.LuaSnippets.ByteOrder + """
            reclaim()
            local key = KEYS[tonumber(ARGV[3])]
            local start = 0
            if ARGV[4] ~= '' then
              local s = redis.call('ZSCORE', key, ARGV[5])
              if s and tonumber(s) == tonumber(ARGV[4]) then
                start = redis.call('ZRANK', key, ARGV[5]) + 1
              else
                -- The cursor's job moved on: count what sorts before its position.
                start = redis.call('ZCOUNT', key, '-inf', '(' .. ARGV[4])
                for _, m in ipairs(redis.call('ZRANGEBYSCORE', key, ARGV[4], ARGV[4])) do
                  if lt(m, ARGV[5]) then start = start + 1 end
                end
              end
            end
            local out = {}
            local size = tonumber(ARGV[6])
            local entries = redis.call('ZRANGE', key, start, start + size, 'WITHSCORES')
            local examined = math.min(#entries / 2, size)
            local last = { '', '' }
            for i = 1, examined * 2, 2 do
              local k = jkey(entries[i])
              local f = job(k)
              if f[1] or redis.call('EXISTS', k) == 1 then out[#out + 1] = { entries[i + 1], f } end
              last = { entries[i + 1], entries[i] }
            end
            return { #entries / 2 > size and 1 or 0, last[1], last[2], out }
            """;

        // ARGV: root, id. Reply: 1 replayed, 0 not a dead job of this queue.
        internal const string Replay = """
            local k = ARGV[1] .. 'j:' .. ARGV[2]
            if not redis.call('ZSCORE', KEYS[4], ARGV[2]) or redis.call('HGET', k, 'st') ~= 'd' then return 0 end
            local pr = tonumber(redis.call('HGET', k, 'pr'))
            if not pr then error({ err = 'STOREDATA job ' .. ARGV[2] .. ' is stored in a form this store did not write' }) end
            local q = redis.pcall('INCR', KEYS[6])
            if type(q) == 'table' then error({ err = 'STOREDATA the queue sequence is not a number' }) end
            redis.call('ZREM', KEYS[4], ARGV[2])
            redis.call('HSET', k, 'st', 'r', 'a', '0', 'q', q)
            redis.call('HDEL', k, 'du')
            redis.call('ZADD', KEYS[1], string.format('%d', (255 - pr) * 17592186044416 + q), ARGV[2])
            if redis.call('EXISTS', KEYS[7]) == 1 then redis.call('PUBLISH', ARGV[3], '1') end
            return 1
            """;

        // ARGV: root. Deletes up to 500 jobs (and their dedup keys, when they still point at them) per call.
        // Reply: { deleted, 1 when more remain }.
        internal const string Purge = """
            local deleted = 0
            for s = 1, 4 do
              for _, id in ipairs(redis.call('ZRANGE', KEYS[s], 0, 499 - deleted)) do
                local k = ARGV[1] .. 'j:' .. id
                local dk = redis.call('HGET', k, 'dk')
                if dk and redis.call('GET', ARGV[1] .. 'd:' .. dk) == id then redis.call('DEL', ARGV[1] .. 'd:' .. dk) end
                if redis.call('DEL', k) == 1 then deleted = deleted + 1 end
                redis.call('ZREM', KEYS[s], id)
                redis.call('ZREM', KEYS[5], id)
              end
              if deleted >= 500 then return { deleted, 1 } end
            end
            if redis.call('ZCARD', KEYS[1]) + redis.call('ZCARD', KEYS[2]) + redis.call('ZCARD', KEYS[3]) + redis.call('ZCARD', KEYS[4]) > 0 then
              return { deleted, 1 }
            end
            redis.call('DEL', KEYS[5], KEYS[8])
            return { deleted, 0 }
            """;

        // ARGV: root, lease-ran-out text. Reply: { id, worker, attempts, lease expiry ms, ... } of leased jobs with a
        // worker, among the 10,000 leases that run out first.
        internal const string Holders = Prelude + """
            reclaim()
            local out = {}
            local leased = redis.call('ZRANGE', KEYS[3], 0, 9999, 'WITHSCORES')
            for i = 1, #leased, 2 do
              local f = redis.call('HMGET', jkey(leased[i]), 'w', 'a')
              if f[1] then
                out[#out + 1] = leased[i]
                out[#out + 1] = f[1]
                out[#out + 1] = f[2]
                out[#out + 1] = leased[i + 1]
              end
            end
            return out
            """;
    }
}
