namespace RedisStores.Caching;

internal sealed partial class RedisCacheBackend
{
    /// <summary>The cache's Lua scripts, for namespaces only: plain entries are single GET/SET/DEL commands.</summary>
    private static class Scripts
    {
        // KEYS[1] namespace version, KEYS[2..] entries; ARGV[1] TTL in ms, ARGV[2..] the entries' values.
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
              redis.call('SET', KEYS[i], version .. '|' .. ARGV[i], 'PX', ttl)
            end
            return #KEYS - 1
            """;

        // KEYS[1] namespace version. A new version makes every entry written under the old one unreadable at once;
        // Redis frees them when their TTLs run out. A version never repeats, even twice in one microsecond.
        internal const string InvalidateNamespace = """
            local old = redis.call('GET', KEYS[1])
            if not old then
              return 0
            end
            local now = redis.call('TIME')
            local version = now[1] .. string.format('%06d', now[2])
            if string.sub(old, 1, #version) == version then
              version = old .. 'x'
            end
            redis.call('SET', KEYS[1], version, 'KEEPTTL')
            return 1
            """;
    }
}
