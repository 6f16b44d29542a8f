using System.Globalization;
using Microsoft.Extensions.Options;

namespace RedisStores.DependencyInjection;

/// <summary>
/// Applies <c>REDIS_URL</c>, <c>REDIS_PREFIX</c>, <c>REDIS_TTL</c>, <c>REDIS_LOCK_TIMEOUT</c>, <c>REDIS_MEMORY_CACHE</c>
/// and <c>REDIS_MEMORY_CACHE_SIZE</c>. It runs before
/// the host's own configuration, so explicit settings win. A value that does not parse is reported by validation
/// at start-up, naming the variable.
/// </summary>
internal sealed class EnvironmentOptionsSetup : IConfigureOptions<RedisStoresOptions>
{
    private readonly Func<string, string?> _read;

    public EnvironmentOptionsSetup()
        : this(Environment.GetEnvironmentVariable)
    {
    }

    internal EnvironmentOptionsSetup(Func<string, string?> read)
    {
        _read = read;
    }

    public void Configure(RedisStoresOptions options)
    {
        if (Read("REDIS_URL") is { } url)
        {
            options.RedisUrl = url;
        }

        if (Read("REDIS_PREFIX") is { } prefix)
        {
            options.KeyPrefix = prefix;
        }

        if (Read("REDIS_TTL") is { } ttl)
        {
            if (long.TryParse(ttl, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) && seconds > 0 && seconds <= int.MaxValue)
            {
                options.DefaultTtl = TimeSpan.FromSeconds(seconds);
            }
            else
            {
                options.EnvironmentErrors.Add($"Environment variable REDIS_TTL must be a whole number of seconds above 0; it is '{Truncate(ttl)}'.");
            }
        }

        if (Read("REDIS_LOCK_TIMEOUT") is { } lockTimeout)
        {
            if (long.TryParse(lockTimeout, NumberStyles.None, CultureInfo.InvariantCulture, out var ms) && ms > 0 && ms <= int.MaxValue)
            {
                options.LockTimeout = TimeSpan.FromMilliseconds(ms);
            }
            else
            {
                options.EnvironmentErrors.Add($"Environment variable REDIS_LOCK_TIMEOUT must be a whole number of milliseconds above 0; it is '{Truncate(lockTimeout)}'.");
            }
        }

        if (Read("REDIS_MEMORY_CACHE") is { } memoryCache)
        {
            if (ParseSwitch(memoryCache) is { } enabled)
            {
                options.Cache.MemoryCache = enabled;
            }
            else
            {
                options.EnvironmentErrors.Add($"Environment variable REDIS_MEMORY_CACHE must be true or false (or 1/0, yes/no, on/off); it is '{Truncate(memoryCache)}'.");
            }
        }

        if (Read("REDIS_MEMORY_CACHE_SIZE") is { } memoryCacheSize)
        {
            if (int.TryParse(memoryCacheSize, NumberStyles.None, CultureInfo.InvariantCulture, out var entries) && entries > 0)
            {
                options.Cache.MemoryCacheSize = entries;
            }
            else
            {
                options.EnvironmentErrors.Add($"Environment variable REDIS_MEMORY_CACHE_SIZE must be a whole number of entries above 0; it is '{Truncate(memoryCacheSize)}'.");
            }
        }
    }

    private static bool? ParseSwitch(string value) => value.ToUpperInvariant() switch
    {
        "TRUE" or "1" or "YES" or "ON" => true,
        "FALSE" or "0" or "NO" or "OFF" => false,
        _ => null,
    };

    private string? Read(string name)
    {
        var value = _read(name);
        return string.IsNullOrWhiteSpace(value) ? null : value.Trim();
    }

    private static string Truncate(string value) => value.Length <= 40 ? value : value[..40] + "...";
}
