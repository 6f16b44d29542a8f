using System.Text.Json;

namespace RedisStores.Sessions;

/// <summary>Settings of the session store, under <c>RedisStores:Sessions</c>.</summary>
public sealed class SessionStoreOptions
{
    /// <summary>
    /// How long a session lives when the write names no TTL. Default: <see langword="null"/>, meaning
    /// <see cref="RedisStoresOptions.DefaultTtl"/> (1 hour unless changed). Range: 1 second to 365 days.
    /// </summary>
    public TimeSpan? DefaultTtl { get; set; }

    /// <summary>Whether sessions renew their TTL on every access when the write does not say. Default: <see langword="false"/>.</summary>
    public bool SlidingExpiration { get; set; }

    /// <summary>How many events a session's log keeps; older ones are dropped. Default: 1,000. Range: 1 to 1,000,000.</summary>
    public int MaxEvents { get; set; } = 1000;

    /// <summary>
    /// The largest write accepted, in bytes: a whole session's serialized fields (values plus names), one field, or one
    /// event; a larger one is refused with an <see cref="ArgumentException"/>. It limits each write, so field writes can
    /// grow a session past it. Default: 1 MiB (1,048,576). Range: 1 byte to 512 MiB.
    /// </summary>
    public int MaxValueBytes { get; set; } = 1024 * 1024;

    /// <summary>
    /// The System.Text.Json settings of session data, fields and events. Set it in code; configuration files cannot express it.
    /// Default: <see langword="null"/>, meaning <see cref="JsonSerializerDefaults.Web"/> (camelCase names).
    /// </summary>
    public JsonSerializerOptions? JsonOptions { get; set; }
}
