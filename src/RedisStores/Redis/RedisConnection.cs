using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using RedisStores.Internal;
using StackExchange.Redis;

namespace RedisStores.Redis;

/// <summary>
/// The one connection every Redis store of a host shares. It connects on first use, so a host starts while Redis
/// is down, and disposes the multiplexer only when it created it: one the host registered stays the host's.
/// </summary>
internal sealed class RedisConnection : IAsyncDisposable, IDisposable
{
    private readonly ConfigurationOptions? _configuration;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly bool _owned;
    private volatile IConnectionMultiplexer? _multiplexer;
    private volatile string? _channelPrefix;
    private int _disposed;

    /// <summary>A connection made on first use from <paramref name="configuration"/>, owned and disposed here.</summary>
    internal RedisConnection(ConfigurationOptions configuration, ILogger? logger = null)
    {
        _configuration = configuration;
        _logger = logger ?? NullLogger.Instance;
        _owned = true;
        Description = Describe(configuration.EndPoints, configuration.Ssl);
    }

    /// <summary>A connection the host made and owns.</summary>
    internal RedisConnection(IConnectionMultiplexer multiplexer, ILogger? logger = null)
    {
        _multiplexer = multiplexer;
        _logger = logger ?? NullLogger.Instance;
        Description = Describe(multiplexer);
    }

    /// <summary>The server(s), without any password.</summary>
    internal string Description { get; }

    internal async ValueTask<IDatabase> GetDatabaseAsync(CancellationToken cancellationToken)
        => (await GetMultiplexerAsync(cancellationToken).ConfigureAwait(false)).GetDatabase();

    /// <summary>
    /// The name a Lua script must <c>PUBLISH</c> to for subscribers of <paramref name="channel"/> on this connection to
    /// hear it: StackExchange.Redis adds the configured <c>ChannelPrefix</c> to the channels it subscribes to, and a
    /// script's <c>PUBLISH</c> goes to the name it is given. Known without connecting.
    /// </summary>
    internal string PublishName(string channel)
    {
        var prefix = _channelPrefix ??= ReadChannelPrefix();
        return prefix.Length == 0 ? channel : prefix + channel;
    }

    // An owned connection has its options; a host's multiplexer only its configuration string, read leniently: a
    // password holding ',' or '=' must not stop every store that publishes.
    private string ReadChannelPrefix()
    {
        RedisChannel configured = default;
        if (_configuration is not null)
        {
            configured = _configuration.ChannelPrefix;
        }
        else
        {
            try
            {
                configured = ConfigurationOptions.Parse(_multiplexer!.Configuration, ignoreUnknown: true).ChannelPrefix;
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                Log.ChannelPrefixUnknown(_logger, Description, ex);
            }
        }

        return configured.IsNullOrEmpty ? string.Empty : configured.ToString()!;
    }

    internal async ValueTask<IConnectionMultiplexer> GetMultiplexerAsync(CancellationToken cancellationToken)
    {
        ThrowIfDisposed();
        return _multiplexer ?? await ConnectAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task<IConnectionMultiplexer> ConnectAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ThrowIfDisposed();
            if (_multiplexer is null)
            {
                Log.Connecting(_logger, Description);
                var multiplexer = await ConnectionMultiplexer.ConnectAsync(_configuration!).ConfigureAwait(false);
                multiplexer.ConnectionFailed += (_, e) => Log.ConnectionFailed(_logger, Description, e.FailureType.ToString());
                multiplexer.ConnectionRestored += (_, _) => Log.ConnectionRestored(_logger, Description);
                _multiplexer = multiplexer;

                // Disposed while connecting: nobody else will dispose what was just made.
                if (Volatile.Read(ref _disposed) == 1)
                {
                    await multiplexer.DisposeAsync().ConfigureAwait(false);
                    ThrowIfDisposed();
                }
            }

            return _multiplexer;
        }
        finally
        {
            _gate.Release();
        }
    }

    // For hosts that dispose their service provider synchronously.
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0 && _owned)
        {
            _multiplexer?.Dispose();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0 && _owned && _multiplexer is { } multiplexer)
        {
            await multiplexer.DisposeAsync().ConfigureAwait(false);
        }
    }

    private void ThrowIfDisposed()
    {
        if (Volatile.Read(ref _disposed) == 1)
        {
            throw new ObjectDisposedException("RedisStores", "The Redis connection was disposed with the service provider that created it; resolve the store from a live provider.");
        }
    }

    private static string EndPointDescription(System.Net.EndPoint endPoint) => endPoint switch
    {
        System.Net.DnsEndPoint dns => $"{dns.Host}:{dns.Port}",
        System.Net.IPEndPoint ip => ip.ToString(),
        _ => endPoint.ToString() ?? "?",
    };

    internal static string Describe(IConnectionMultiplexer multiplexer)
        => Describe(multiplexer.GetEndPoints(), ssl: false);

    // Endpoints only: host and port say where Redis is, and can hold no secret.
    private static string Describe(IEnumerable<System.Net.EndPoint> endpoints, bool ssl)
    {
        var text = string.Join(",", endpoints.Select(EndPointDescription));
        return (text.Length == 0 ? "(no endpoints)" : text) + (ssl ? " (TLS)" : string.Empty);
    }
}
