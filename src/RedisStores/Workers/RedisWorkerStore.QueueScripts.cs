namespace RedisStores.Workers;

public sealed partial class RedisWorkerStore
{
    /// <summary>
    /// The queue's Lua scripts. Every queue operation is one script over the queue's keys, which share the hash tag
    /// <c>{wq:&lt;queue&gt;}</c>: KEYS[1] ready (score (255 - priority) * 2^44 + sequence), KEYS[2] scheduled (due ms),
    /// KEYS[3] leased (lease expiry ms), KEYS[4] dead (time of death ms), KEYS[5] expiring (drop time ms of waiting
    /// jobs with a TTL), KEYS[6] the sequence counter, KEYS[7] the waiters flag, KEYS[8] the next-due marker (see
    /// reclaim in the prelude). ARGV[1] is the queue's key root; job
    /// hashes are <c>root j:&lt;id&gt;</c> and dedup keys <c>root d:&lt;key&gt;</c>, in the same slot. Times are the
    /// server's (TIME), so instances with different clocks agree on due times and leases.
    /// Job hash fields: v schema ("1"), id, p payload, pr priority, q sequence, a attempts, m max attempts,
    /// t enqueued ms, st state (r/s/l/d), du the time its state ends (due, lease expiry, death), x drop time,
    /// dk dedup key, tok lease token, w worker id, err last error. Numbers go to redis.call as strings: a Lua number is
    /// formatted with %.14g on the way, which costs more than the command it is passed to.
    /// </summary>
    private static partial class QueueScripts
    {
        internal const long Foreign = -2;
        internal const long Full = -3;
        internal const long Lost = -4;

        private const string Prelude = """
            local root = ARGV[1]
            local function jkey(id) return root .. 'j:' .. id end
            local function n(x) return string.format('%d', x) end
            -- A job's fields, in the order the store parses them.
            local function job(k) return redis.call('HMGET', k, 'v', 'id', 'p', 'pr', 'a', 'm', 't', 'st', 'du', 'tok', 'w', 'err', 'dk') end
            -- Stops the script on a job it cannot read, before anything of that job is changed (Lua never rolls back).
            local function corrupt(id) error({ err = 'STOREDATA job ' .. id .. ' is stored in a form this store did not write' }) end
            local function nums(id, f)
              for i = 1, #f do
                if not tonumber(f[i]) then corrupt(id) end
              end
            end
            local t = redis.call('TIME')
            local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
            local function ready_score(pr, q) return n((255 - tonumber(pr)) * 17592186044416 + tonumber(q)) end
            -- Checked once before the first move into a set, so a foreign key there stops the script before a job
            -- has left the set it was in.
            local checked = {}
            local function zset(k)
              if checked[k] then return end
              local kind = redis.call('TYPE', k)['ok']
              if kind ~= 'none' and kind ~= 'zset' then error({ err = 'WRONGTYPE a queue key holds a ' .. kind }) end
              checked[k] = true
            end
            -- INCR of the sequence, reported as foreign data when it is not a number.
            local function next_seq()
              local q = redis.pcall('INCR', KEYS[6])
              if type(q) == 'table' then error({ err = 'STOREDATA the queue sequence is not a number' }) end
              return q
            end
            -- The next-due marker (KEYS[8]) holds a time no entry of sched, leased or exp is due before, so until then
            -- there is nothing to take back and reclaim costs one GET instead of three scans. Scripts that add such an
            -- entry lower it (a stale, earlier time only costs a needless scan); each scan sets it anew, with a TTL of
            -- one second, so it is never trusted for longer than that and an absent marker means: scan. due_at is its
            -- value once read (false when absent), or nil before.
            local never = 253402300800000
            local due_at
            -- Lowers the marker to t (ms, a string) when it is later; an absent marker stays absent.
            local function lower_due(t)
              if due_at == nil then due_at = tonumber(redis.call('GET', KEYS[8])) or false end
              if due_at and tonumber(t) < due_at then
                redis.call('SET', KEYS[8], t, 'KEEPTTL')
                due_at = tonumber(t)
              end
            end
            -- Drops waiting jobs past their TTL, makes due scheduled jobs ready, and takes back jobs whose lease ran
            -- out (ready again, or dead on their last attempt). Bounded per call; the rest waits for the next call.
            local function reclaim()
              due_at = tonumber(redis.call('GET', KEYS[8])) or false
              if due_at and due_at > now then return end
              local upto = n(now)
              for _, id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[5], '-inf', upto, 'LIMIT', '0', '200')) do
                local st = redis.call('HGET', jkey(id), 'st')
                redis.call('ZREM', KEYS[5], id)
                if st == 'r' or st == 's' then
                  redis.call('ZREM', KEYS[1], id)
                  redis.call('ZREM', KEYS[2], id)
                  redis.call('DEL', jkey(id))
                end
              end
              for _, id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', upto, 'LIMIT', '0', '200')) do
                local f = redis.call('HMGET', jkey(id), 'pr', 'q')
                if f[1] or f[2] then nums(id, f) end
                if f[1] then zset(KEYS[1]) end
                redis.call('ZREM', KEYS[2], id)
                if f[1] then
                  redis.call('HSET', jkey(id), 'st', 'r')
                  redis.call('HDEL', jkey(id), 'du')
                  redis.call('ZADD', KEYS[1], ready_score(f[1], f[2]), id)
                end
              end
              for _, id in ipairs(redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', upto, 'LIMIT', '0', '200')) do
                local f = redis.call('HMGET', jkey(id), 'pr', 'q', 'a', 'm')
                if f[1] or f[2] or f[3] or f[4] then nums(id, f) end
                if f[1] then zset(tonumber(f[3]) >= tonumber(f[4]) and KEYS[4] or KEYS[1]) end
                redis.call('ZREM', KEYS[3], id)
                if f[1] then
                  redis.call('HDEL', jkey(id), 'tok', 'w')
                  redis.call('HSET', jkey(id), 'err', ARGV[2])
                  if tonumber(f[3]) >= tonumber(f[4]) then
                    redis.call('HSET', jkey(id), 'st', 'd', 'du', n(now))
                    redis.call('ZADD', KEYS[4], n(now), id)
                  else
                    redis.call('HSET', jkey(id), 'st', 'r')
                    redis.call('HDEL', jkey(id), 'du')
                    redis.call('ZADD', KEYS[1], ready_score(f[1], f[2]), id)
                  end
                end
              end
              -- Entries a bounded scan left behind keep the marker at or before now, so the next call scans on.
              due_at = never
              for _, key in ipairs({ KEYS[5], KEYS[2], KEYS[3] }) do
                local first = redis.call('ZRANGE', key, '0', '0', 'WITHSCORES')
                if #first > 0 and tonumber(first[2]) < due_at then due_at = tonumber(first[2]) end
              end
              redis.call('SET', KEYS[8], n(due_at), 'PX', '1000')
            end

            """;

        // ARGV: root, lease-ran-out text, channel, max waiting ('' for none), job count, then per job 8 values:
        // id, payload, priority, delay ms, dedup key, dedup window ms, max attempts, ttl ms ('' for none).
        // Reply: { id, 1 or 0 (duplicate), ... } or { -3, waiting }.
        internal const string Enqueue = Prelude + """
            local count = tonumber(ARGV[5])
            -- Everything is read and checked before the first write, so a batch is all or nothing even when a key
            -- holds data this store did not write. A single job needs fewer checks: its first writes (INCR, then
            -- ZADD) fail before anything else is written; only the expiring set comes after them.
            local function check(k)
              local kind = redis.call('TYPE', k)['ok']
              if kind ~= 'none' and kind ~= 'zset' then error({ err = 'WRONGTYPE a queue key holds a ' .. kind }) end
            end
            if count > 1 then
              check(KEYS[1])
              check(KEYS[2])
              check(KEYS[5])
              local seq = redis.call('GET', KEYS[6])
              if seq and not tonumber(seq) then error({ err = 'WRONGTYPE the queue sequence is not a number' }) end
            elseif ARGV[13] ~= '' then
              check(KEYS[5])
            end
            -- Each job's dedup outcome: the id of the job it duplicates, or false for a new job.
            local dup, seen, fresh = {}, {}, 0
            for i = 0, count - 1 do
              local id, dk = ARGV[6 + i * 8], ARGV[6 + i * 8 + 4]
              dup[i] = false
              if dk ~= '' then
                dup[i] = seen[dk] or redis.call('GET', root .. 'd:' .. dk)
                if not dup[i] then seen[dk] = id end
              end
              if not dup[i] then fresh = fresh + 1 end
            end
            if ARGV[4] ~= '' and fresh > 0 then
              -- Jobs dropped by their TTL make room, and jobs whose lease ran out take it again. Duplicates add
              -- nothing, so they do not count.
              reclaim()
              local waiting = redis.call('ZCARD', KEYS[1]) + redis.call('ZCARD', KEYS[2])
              if waiting + fresh > tonumber(ARGV[4]) then return { -3, waiting } end
            end
            local out = {}
            local wake = false
            for i = 0, count - 1 do
              local b = 6 + i * 8
              local id, dk = ARGV[b], ARGV[b + 4]
              if dup[i] then
                out[#out + 1] = dup[i]
                out[#out + 1] = 0
              else
                local k = jkey(id)
                local q = next_seq()
                local delay = tonumber(ARGV[b + 3])
                local st, du = 'r', false
                if delay > 0 then
                  st, du = 's', n(now + delay)
                  redis.call('ZADD', KEYS[2], du, id)
                  lower_due(du)
                else
                  redis.call('ZADD', KEYS[1], ready_score(ARGV[b + 2], q), id)
                end
                redis.call('HSET', k, 'v', '1', 'id', id, 'p', ARGV[b + 1], 'pr', ARGV[b + 2], 'q', n(q), 'a', '0', 'm', ARGV[b + 6], 't', n(now), 'st', st)
                if du then redis.call('HSET', k, 'du', du) end
                if dk ~= '' then
                  redis.call('HSET', k, 'dk', dk)
                  redis.call('SET', root .. 'd:' .. dk, id, 'PX', ARGV[b + 5])
                end
                if ARGV[b + 7] ~= '' then
                  local x = n(now + tonumber(ARGV[b + 7]))
                  redis.call('HSET', k, 'x', x)
                  redis.call('ZADD', KEYS[5], x, id)
                  lower_due(x)
                end
                wake = true
                out[#out + 1] = id
                out[#out + 1] = 1
              end
            end
            -- Wake waiting workers, only when one has said it waits: an idle queue costs no messages. A scheduled job
            -- wakes them too, so each sets its timer to the new due time.
            if wake and redis.call('EXISTS', KEYS[7]) == 1 then redis.call('PUBLISH', ARGV[3], '1') end
            return out
            """;

        // The common enqueue, of one job that is ready at once, with no dedup key and no TTL, into a queue without a
        // length limit: the same writes as Enqueue's, without its batch, dedup and limit machinery or the prelude.
        // ARGV: root, channel, id, payload, priority, max attempts. Reply: 1.
        internal const string EnqueueReady = """
            local q = redis.pcall('INCR', KEYS[6])
            if type(q) == 'table' then error({ err = 'STOREDATA the queue sequence is not a number' }) end
            local t = redis.call('TIME')
            local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
            local id = ARGV[3]
            redis.call('ZADD', KEYS[1], string.format('%d', (255 - tonumber(ARGV[5])) * 17592186044416 + q), id)
            redis.call('HSET', ARGV[1] .. 'j:' .. id, 'v', '1', 'id', id, 'p', ARGV[4], 'pr', ARGV[5], 'q', string.format('%d', q), 'a', '0',
              'm', ARGV[6], 't', string.format('%d', now), 'st', 'r')
            if redis.call('EXISTS', KEYS[7]) == 1 then redis.call('PUBLISH', ARGV[2], '1') end
            return 1
            """;

        // Leases the first ready job, reading each field it needs once, before any write (a script that fails midway
        // keeps what it wrote): { 1, id, p, pr, a, m, t, du, w, err, its drop time or '' } when one was leased (the
        // token is the caller's), { -2, id } for a job this store did not write (left where it was), or nil when none
        // is ready. A ready entry whose job hash is gone (deleted from outside) is dropped, up to 100 of them.
        private const string LeaseNext = """
            local function lease_next(token, visibility, worker)
              for _ = 1, 100 do
                local first = redis.call('ZRANGE', KEYS[1], '0', '0')
                if #first == 0 then return nil end
                local id = first[1]
                local k = jkey(id)
                -- pcall: a key of another type under the job's name is reported as this job, not as a failed script.
                local f = redis.pcall('HMGET', k, 'v', 'id', 'p', 'pr', 'a', 'm', 't', 'err', 'x', 'w')
                if f.err or (f[1] and (f[1] ~= '1' or not tonumber(f[5]))) or (not f[1] and redis.call('EXISTS', k) == 1) then return { -2, id } end
                redis.call('ZREM', KEYS[1], id)
                if f[1] then
                  local a = n(tonumber(f[5]) + 1)
                  local du = n(now + tonumber(visibility))
                  if worker ~= '' then
                    redis.call('HSET', k, 'st', 'l', 'a', a, 'tok', token, 'du', du, 'w', worker)
                  else
                    redis.call('HSET', k, 'st', 'l', 'a', a, 'tok', token, 'du', du)
                    worker = f[10]
                  end
                  -- A leased job no longer expires. Its drop time goes back with the reply, for a lease given back.
                  if f[9] then
                    redis.call('HDEL', k, 'x')
                    redis.call('ZREM', KEYS[5], id)
                  end
                  redis.call('ZADD', KEYS[3], du, id)
                  lower_due(du)
                  return { 1, f[2], f[3], f[4], a, f[6], f[7], du, worker, f[8], f[9] or '' }
                end
              end
              return nil
            end

            """;

        // ARGV: root, lease-ran-out text, token, visibility ms, worker id ('' for none), waiter flag ms ('' when not waiting).
        // Reply: lease_next's, or { 0, now, the next-due marker or -1 } when none is ready, the marker only for a waiter,
        // the one caller that uses it.
        internal const string Lease = Prelude + LeaseNext + """
            reclaim()
            local leased = lease_next(ARGV[3], ARGV[4], ARGV[5])
            if leased then return leased end
            if ARGV[6] == '' then return { 0, now, -1 } end
            if redis.call('PTTL', KEYS[7]) < tonumber(ARGV[6]) then
              redis.call('SET', KEYS[7], '1', 'PX', ARGV[6])
            end
            -- The marker, just read or set by reclaim, is the earliest anything may come due: a job, a lease running
            -- out, or a TTL (which wakes the waiter for nothing, once).
            if not due_at or due_at >= never then return { 0, now, -1 } end
            return { 0, now, due_at }
            """;

        // ARGV: root, id, token, channel, drop time ('' for none). Gives back a lease its caller never received (cancelled while the lease script
        // ran): ready again, the attempt not counted. Reply: 1 released, 0 no longer held.
        internal const string Release = """
            local k = ARGV[1] .. 'j:' .. ARGV[2]
            local f = redis.call('HMGET', k, 'st', 'tok', 'a', 'pr', 'q')
            if f[1] ~= 'l' or f[2] ~= ARGV[3] or not tonumber(f[3]) or not tonumber(f[4]) or not tonumber(f[5]) then return 0 end
            redis.call('ZREM', KEYS[3], ARGV[2])
            -- A job with a TTL gets it back; if it passed meanwhile, the job is dropped as it would have been.
            if ARGV[5] ~= '' then
              local t = redis.call('TIME')
              if tonumber(ARGV[5]) <= tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) then
                redis.call('DEL', k)
                return 1
              end
              redis.call('HSET', k, 'x', ARGV[5])
              redis.call('ZADD', KEYS[5], ARGV[5], ARGV[2])
              local due = tonumber(redis.call('GET', KEYS[8]))
              if due and tonumber(ARGV[5]) < due then redis.call('SET', KEYS[8], ARGV[5], 'KEEPTTL') end
            end
            redis.call('HDEL', k, 'tok', 'w', 'du')
            redis.call('HSET', k, 'st', 'r', 'a', string.format('%d', math.max(tonumber(f[3]) - 1, 0)))
            redis.call('ZADD', KEYS[1], string.format('%d', (255 - tonumber(f[4])) * 17592186044416 + tonumber(f[5])), ARGV[2])
            if redis.call('EXISTS', KEYS[7]) == 1 then redis.call('PUBLISH', ARGV[4], '1') end
            return 1
            """;

        // Completes a leased job, as AckAsync does, and announces it on the message bus's worker jobs topic. Queue names
        // and job ids hold only characters JSON takes unescaped, so the message is written without cjson. Returns false
        // when the lease is lost. Needs no clock: the message's time comes from the caller.
        private const string AckJob = """
            local function ack(root, id, token, channel, notification, sent, queue)
              local k = root .. 'j:' .. id
              local f = redis.call('HMGET', k, 'st', 'tok', 'a')
              if f[1] ~= 'l' or f[2] ~= token then return false end
              redis.call('DEL', k)
              redis.call('ZREM', KEYS[3], id)
              redis.call('PUBLISH', channel, 'rsm1|' .. notification .. '|' .. sent .. '|{"queue":"' .. queue .. '","jobId":"' .. id
                .. '","outcome":"completed","attempt":' .. (tonumber(f[3]) and f[3] or '0') .. '}')
              return true
            end

            """;

        // ARGV: root, id, token, notification channel, notification id, now ms, queue. Reply: 1 acked, -4 lease lost.
        internal const string Ack = AckJob + """
            if not ack(ARGV[1], ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7]) then return -4 end
            return 1
            """;

        // ARGV: root, lease-ran-out text, id, token, notification channel, notification id, now ms, queue, then for the
        // next lease: token, visibility ms, worker id ('' for none). The ack comes first, exactly as AckAsync's: a lost
        // lease stops the script before anything is written or leased. Then due work is taken back and the next job
        // leased, as LeaseAsync does. Reply: -4 lease lost, or (acked) the lease script's reply, { 0, now, -1 } when
        // nothing is ready.
        internal const string AckAndLease = Prelude + AckJob + LeaseNext + """
            if not ack(root, ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7], ARGV[8]) then return -4 end
            reclaim()
            return lease_next(ARGV[9], ARGV[10], ARGV[11]) or { 0, now, -1 }
            """;

        // ARGV: root, lease-ran-out text, id, token, error, retry delay ms, '1' to dead-letter at once, channel,
        // notification channel, notification id, queue. Announces the outcome on the worker jobs topic.
        // Reply: { 1 dead or 0 retried, attempt, due ms } or -4 lease lost.
        internal const string Fail = Prelude + """
            local id = ARGV[3]
            local function announce(outcome, attempt)
              local done = { queue = ARGV[11], jobId = id, outcome = outcome, attempt = attempt }
              redis.call('PUBLISH', ARGV[9], 'rsm1|' .. ARGV[10] .. '|' .. n(now) .. '|' .. cjson.encode(done))
            end
            local k = jkey(id)
            local f = redis.call('HMGET', k, 'st', 'tok', 'a', 'm')
            if f[1] ~= 'l' or f[2] ~= ARGV[4] then return -4 end
            nums(id, { f[3], f[4] })
            redis.call('ZREM', KEYS[3], id)
            redis.call('HDEL', k, 'tok', 'w')
            redis.call('HSET', k, 'err', ARGV[5])
            local a = tonumber(f[3])
            if ARGV[7] == '1' or a >= tonumber(f[4]) then
              redis.call('HSET', k, 'st', 'd', 'du', n(now))
              redis.call('ZADD', KEYS[4], n(now), id)
              announce('dead', a)
              return { 1, a, now }
            end
            local due = n(now + tonumber(ARGV[6]))
            redis.call('HSET', k, 'st', 's', 'du', due)
            redis.call('ZADD', KEYS[2], due, id)
            lower_due(due)
            -- Waiting workers set their timers to the retry's due time.
            if redis.call('EXISTS', KEYS[7]) == 1 then redis.call('PUBLISH', ARGV[8], '1') end
            announce('retrying', a)
            return { 0, a, tonumber(due) }
            """;

        // ARGV: root, lease-ran-out text, id, token, visibility ms. Reply: new expiry ms, or -4 lease lost.
        internal const string Extend = Prelude + """
            local k = jkey(ARGV[3])
            local f = redis.call('HMGET', k, 'st', 'tok')
            if f[1] ~= 'l' or f[2] ~= ARGV[4] then return -4 end
            local du = n(now + tonumber(ARGV[5]))
            redis.call('HSET', k, 'du', du)
            redis.call('ZADD', KEYS[3], du, ARGV[3])
            lower_due(du)
            return tonumber(du)
            """;
    }
}
