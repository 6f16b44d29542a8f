using System.Security.Cryptography;
using System.Text;
using RedisStores.Internal;
using RedisStores.Locking;

namespace RedisStores.Caching;

internal sealed partial class CacheEngine
{
    internal ValueTask<T> GetOrSetAsync<T>(string? ns, string key, Func<CancellationToken, ValueTask<T>> factory, CacheEntryOptions? options, CancellationToken cancellationToken)
    {
        CacheInputs.ValidateKey(key);
        ArgumentNullException.ThrowIfNull(factory);
        var settings = _inputs.Resolve(options);
        if (cancellationToken.IsCancellationRequested)
        {
            return ValueTask.FromCanceled<T>(cancellationToken);
        }

        try
        {
            if (TryGetFromMemory(ns, key, out T value))
            {
                return new ValueTask<T>(value);
            }
        }
        catch (StoreSerializationException ex)
        {
            return ValueTask.FromException<T>(ex);
        }

        return _flights.RunAsync(
            ns,
            key,
            (Engine: this, Namespace: ns, Key: key, Factory: factory, Settings: settings),
            static (s, token) => s.Engine.LoadAsync(s.Namespace, s.Key, s.Factory, s.Settings, token),
            cancellationToken);
    }

    /// <summary>One load per key and process: memory again, Redis, then (under the cross-instance lock if asked) the factory.</summary>
    private async ValueTask<T> LoadAsync<T>(string? ns, string key, Func<CancellationToken, ValueTask<T>> factory, CacheEntrySettings settings, CancellationToken cancellationToken)
    {
        var now = Now;
        var held = _memory?.Find(ns, key, now);
        if (held is not null && now <= held.FreshUntil)
        {
            _counters.MemoryHit(); // filled by a load that finished while this caller was arriving
            return FromMemory<T>(held, key);
        }

        if (_memory is not null)
        {
            _counters.MemoryMiss();
        }

        var stale = default(StoredRead);
        var redisReachable = _redis is not null;
        if (_redis is not null)
        {
            var read = await ReadAsync(ns, key, cancellationToken).ConfigureAwait(false);
            switch (read.Status)
            {
                case ReadStatus.Fresh:
                    return Accept<T>(ns, key, read);
                case ReadStatus.Stale:
                    stale = read;
                    break;
                case ReadStatus.Unavailable:
                    redisReachable = false;
                    if (Fallback(ns, key) is { } kept)
                    {
                        _counters.FallbackHit();
                        return FromMemory<T>(kept, key);
                    }

                    break;
            }
        }

        IDistributedLockHandle? handle = null;
        try
        {
            if (settings.LockAcrossInstances && redisReachable && _locks is not null)
            {
                handle = await TryLockAsync(ns, key, cancellationToken).ConfigureAwait(false);
                if (handle is not null)
                {
                    // Another instance may have made the value while this one waited for the lock.
                    var again = await ReadAsync(ns, key, cancellationToken).ConfigureAwait(false);
                    if (again.Status == ReadStatus.Fresh)
                    {
                        return Accept<T>(ns, key, again);
                    }
                }
            }

            _counters.Miss();
            T value;
            try
            {
                _counters.FactoryRan();
                value = await factory(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (settings.FailSafeMs > 0
                && !(ex is OperationCanceledException && cancellationToken.IsCancellationRequested)
                && TryFailSafe(ns, key, stale, held, out T? fallback))
            {
                _counters.FailSafeUsed();
                Log.CacheFailSafeUsed(_logger, ex.Message);
                return fallback!;
            }

            var payload = _inputs.Serialize(value, key, forWrite: false);
            if (!_inputs.Fits(payload))
            {
                Log.CacheValueNotCached(_logger, payload.Length, _inputs.Cache.MaxValueBytes);
                return value;
            }

            await StoreAsync(ns, [key], [payload], [value], settings, cancellationToken).ConfigureAwait(false);
            return value;
        }
        finally
        {
            if (handle is not null)
            {
                await handle.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    // The last known value for a failing factory: Redis's expired fail-safe entry, else what memory still keeps.
    private bool TryFailSafe<T>(string? ns, string key, StoredRead stale, MemoryEntry? held, out T? value)
    {
        if (stale.Status == ReadStatus.Stale)
        {
            value = _inputs.Deserialize<T>(stale.Payload.Span, key);
            return true;
        }

        var kept = held ?? _memory?.Find(ns, key, Now);
        if (kept is not null && kept.KeepUntil > kept.ExpiresAt)
        {
            value = FromMemory<T>(kept, key);
            return true;
        }

        value = default;
        return false;
    }

    private async ValueTask<IDistributedLockHandle?> TryLockAsync(string? ns, string key, CancellationToken cancellationToken)
    {
        try
        {
            return await _locks!.TryAcquireAsync(LockName(ns, key), _inputs.Cache.FactoryLockTimeout, null, cancellationToken).ConfigureAwait(false);
        }
        catch (StoreUnavailableException ex) when (Swallow(ex))
        {
            return null; // run the factory without the lock rather than fail the call
        }
    }

    // Cache keys may be longer than lock names and hold ':'; a digest fits the lock-name rule and still identifies the key.
    private static string LockName(string? ns, string key)
    {
        var digest = SHA256.HashData(Encoding.UTF8.GetBytes(ns is null ? key : string.Concat(ns, "\n", key)));
        return "cache/" + Convert.ToHexString(digest, 0, 20);
    }
}
