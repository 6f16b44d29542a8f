namespace RedisStores.Caching;

internal sealed partial class RedisCacheBackend
{
    /// <summary>
    /// The cache's writing Lua scripts. Each publishes its invalidation message itself, after the write, so the message
    /// never overtakes the write. Reads are plain GET and MGET.
    /// </summary>
    private static class Scripts
    {
        // KEYS: entries of one hash slot; ARGV[1] TTL in ms, ARGV[2] channel, ARGV[3] message, ARGV[3 + i] KEYS[i]'s value.
        internal const string Set = """
            for i = 1, #KEYS do
              redis.call('SET', KEYS[i], ARGV[i + 3], 'PX', ARGV[1])
            end
            redis.call('PUBLISH', ARGV[2], ARGV[3])
            return #KEYS
            """;

        // KEYS[1] the entry; ARGV[1] channel, ARGV[2] message.
        internal const string Remove = """
            local removed = redis.call('UNLINK', KEYS[1])
            redis.call('PUBLISH', ARGV[1], ARGV[2])
            return removed
            """;

        // KEYS[1] namespace version, KEYS[2..] entries; ARGV[1] TTL in ms, ARGV[2] channel, ARGV[3] message,
        // ARGV[i + 2] the value of KEYS[i].
        // The version key is created on a namespace's first write and always outlives the namespace's entries, so an
        // entry never survives its version: when the version key is gone, so is every entry written under it.
        internal const string SetInNamespace = """
            local ttl = tonumber(ARGV[1])
            local version = redis.call('GET', KEYS[1])
            if not version then
              local now = redis.call('TIME')
              version = now[1] .. string.format('%06d', now[2])
              redis.call('SET', KEYS[1], version, 'PX', ttl)
            else
              local left = redis.call('PTTL', KEYS[1])
              if left >= 0 and left < ttl then
                redis.call('PEXPIRE', KEYS[1], ttl)
              end
            end
            for i = 2, #KEYS do
              redis.call('SET', KEYS[i], version .. '|' .. ARGV[i + 2], 'PX', ttl)
            end
            redis.call('PUBLISH', ARGV[2], ARGV[3])
            return #KEYS - 1
            """;

        // KEYS[1] namespace version; ARGV[1] channel, ARGV[2] message. A new version makes every entry written under the
        // old one unreadable at once; Redis frees them when their TTLs run out. A version never repeats, even twice in one
        // microsecond. Without a version there is nothing in Redis to invalidate, but memory caches may still hold some.
        internal const string InvalidateNamespace = """
            local old = redis.call('GET', KEYS[1])
            if not old then
              redis.call('PUBLISH', ARGV[1], ARGV[2])
              return 0
            end
            local now = redis.call('TIME')
            local version = now[1] .. string.format('%06d', now[2])
            if string.sub(old, 1, #version) == version then
              version = old .. 'x'
            end
            redis.call('SET', KEYS[1], version, 'KEEPTTL')
            redis.call('PUBLISH', ARGV[1], ARGV[2])
            return 1
            """;
    }
}
