using Microsoft.Extensions.Logging;
using RedisStores.Internal;
using StackExchange.Redis;

namespace RedisStores.Caching;

/// <summary>
/// Keeps the memory cache coherent: other instances' writes arrive as invalidation messages, and when messages may
/// have been missed (the subscription connection was restored) the memory cache is cleared and stays empty until a
/// probe this instance publishes comes back through the subscription, proving it live again.
/// </summary>
internal sealed partial class RedisCacheBackend : IAsyncDisposable, IDisposable
{
    private readonly string _instanceId = Guid.NewGuid().ToString("N");
    private readonly byte[] _instanceIdBytes;
    private readonly MemoryTier? _memory;
    private readonly CacheCounters _counters;
    private readonly ILogger _logger;
    private int _listening;
    private IConnectionMultiplexer? _eventSource;
    private readonly object _probeGate = new();
    private Probe? _probe;
    private volatile bool _disposed;
    private readonly TaskCompletionSource _subscribed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The instance id in this store's invalidation messages; its own messages are ignored.</summary>
    internal string InstanceId => _instanceId;

    /// <summary>Completes once invalidations are first received (and the memory cache was cleared for it).</summary>
    internal Task Subscribed => _subscribed.Task;

    private void EnsureListening(IConnectionMultiplexer multiplexer)
    {
        if (_memory is null || Volatile.Read(ref _listening) != 0 || Interlocked.CompareExchange(ref _listening, 1, 0) != 0)
        {
            return;
        }

        _ = ListenAsync(multiplexer);
    }

    private async Task ListenAsync(IConnectionMultiplexer multiplexer)
    {
        try
        {
            if (Interlocked.CompareExchange(ref _eventSource, multiplexer, null) is null)
            {
                multiplexer.ConnectionFailed += OnConnectionFailed;
                multiplexer.ConnectionRestored += OnConnectionRestored;
            }

            await multiplexer.GetSubscriber().SubscribeAsync(_keys.Channel, OnMessage).ConfigureAwait(false);
            if (_disposed)
            {
                await multiplexer.GetSubscriber().UnsubscribeAsync(_keys.Channel, OnMessage).ConfigureAwait(false); // disposed meanwhile
                return;
            }

            // Entries cached before the subscription existed may have missed invalidations.
            _memory!.Clear();
            _subscribed.TrySetResult();
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException or ObjectDisposedException)
        {
            Log.CacheSubscriptionFailed(_logger, ex.Message);
            Volatile.Write(ref _listening, 0); // the next call tries again
        }
    }

    private void OnMessage(RedisChannel channel, RedisValue value)
    {
        // Every write of this instance comes back here: skip its own messages before parsing them, probes aside.
        if (_memory is null || (Volatile.Read(ref _probe) is null && InvalidationMessage.IsFrom(value, _instanceIdBytes)))
        {
            return;
        }

        if (!InvalidationMessage.TryParse(value, out var message))
        {
            return;
        }

        if (message.Instance == _instanceId)
        {
            if (message.Kind == InvalidationMessage.ProbeKind && message.Keys is [var nonce])
            {
                Resume(nonce);
            }

            return;
        }

        switch (message.Kind)
        {
            case InvalidationMessage.KeysKind:
                foreach (var key in message.Keys)
                {
                    _memory.InvalidateKey(message.Namespace, key);
                }

                break;
            case InvalidationMessage.NamespaceKind:
                _memory.InvalidateNamespace(message.Namespace!);
                break;
            default:
                return;
        }

        _counters.InvalidationReceived();
    }

    private void OnConnectionFailed(object? sender, ConnectionFailedEventArgs e)
    {
        if (e.ConnectionType is ConnectionType.Subscription or ConnectionType.Interactive)
        {
            // The memory cache keeps answering (it is the fallback while Redis is away); it is cleared on restore.
            Log.CacheInvalidationsInterrupted(_logger, e.FailureType.ToString());
        }
    }

    private void OnConnectionRestored(object? sender, ConnectionFailedEventArgs e)
    {
        // Any restored connection counts: over RESP3, subscriptions share the interactive connection and only it reports.
        if (_memory is null || e.ConnectionType is not (ConnectionType.Subscription or ConnectionType.Interactive))
        {
            return;
        }

        var probe = new Probe(Guid.NewGuid().ToString("N"), new CancellationTokenSource());
        lock (_probeGate)
        {
            if (_disposed)
            {
                return;
            }

            _probe?.Cancellation.Cancel();
            _probe = probe;
            _memory.Suspended = true;
            _memory.Clear();
        }

        _counters.MemoryCleared();
        _ = ProbeAsync(probe.Nonce, probe.Cancellation.Token);
    }

    // The current probe came back: the subscription is live again, and the memory cache may fill. A probe of an
    // earlier restore is ignored, under the same lock that installs a new one.
    private void Resume(string nonce)
    {
        lock (_probeGate)
        {
            if (_probe is not { } probe || probe.Nonce != nonce)
            {
                return;
            }

            _probe = null;
            probe.Cancellation.Cancel();
            _memory!.Clear(); // reads that began while suspended may still land: outdate them
            _memory.Suspended = false;
        }

        Log.CacheInvalidationsResumed(_logger);
    }

    // Until the probe comes back, invalidations could still be missed: the memory cache stores nothing meanwhile.
    private async Task ProbeAsync(string nonce, CancellationToken cancellationToken)
    {
        for (var attempt = 1; !cancellationToken.IsCancellationRequested; attempt++)
        {
            try
            {
                if (_multiplexer is { } multiplexer)
                {
                    await multiplexer.GetSubscriber().PublishAsync(_keys.Channel, InvalidationMessage.ForProbe(_instanceId, nonce)).ConfigureAwait(false);
                }

                await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(100 * attempt, 2000)), cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException or ObjectDisposedException)
            {
                try
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(100 * attempt, 2000)), cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    public void Dispose()
    {
        if (Detach() is { } multiplexer)
        {
            multiplexer.GetSubscriber().Unsubscribe(_keys.Channel, OnMessage, CommandFlags.FireAndForget);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Detach() is { } multiplexer)
        {
            try
            {
                await multiplexer.GetSubscriber().UnsubscribeAsync(_keys.Channel, OnMessage).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException or ObjectDisposedException)
            {
                // The connection is going away with the host: nothing left to unsubscribe from.
            }
        }
    }

    private IConnectionMultiplexer? Detach()
    {
        lock (_probeGate)
        {
            _disposed = true;
            _probe?.Cancellation.Cancel();
            _probe = null;
        }

        Volatile.Write(ref _listening, 1); // never subscribe again
        var multiplexer = Interlocked.Exchange(ref _eventSource, null);
        if (multiplexer is not null)
        {
            multiplexer.ConnectionFailed -= OnConnectionFailed;
            multiplexer.ConnectionRestored -= OnConnectionRestored;
        }

        return multiplexer;
    }

    /// <summary>One reconnect's probe: the nonce its message carries and what stops its publishing.</summary>
    private sealed record Probe(string Nonce, CancellationTokenSource Cancellation);
}
