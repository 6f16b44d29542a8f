namespace RedisStores.Caching;

/// <summary>Writes: single entries, removals and namespace invalidations, all through one store path.</summary>
internal sealed partial class CacheEngine
{
    /// <summary>In memory only: told of every write, removal and namespace invalidation, to announce it on the bus. On Redis the bus reads the invalidation messages instead.</summary>
    internal Action<string?, string[]>? Announce { get; set; }

    internal async ValueTask SetAsync<T>(string? ns, string key, T value, CacheEntryOptions? options, CancellationToken cancellationToken)
    {
        CacheInputs.ValidateKey(key);
        var settings = _inputs.Resolve(options);
        cancellationToken.ThrowIfCancellationRequested();
        var payload = _inputs.Serialize(value, key, forWrite: true);
        await StoreAsync(ns, [key], [payload], [value], settings, cancellationToken).ConfigureAwait(false);
    }

    internal async ValueTask RemoveAsync(string? ns, string key, CancellationToken cancellationToken)
    {
        CacheInputs.ValidateKey(key);
        cancellationToken.ThrowIfCancellationRequested();
        try
        {
            if (_redis is not null)
            {
                await _redis.RemoveAsync(ns, key, cancellationToken).ConfigureAwait(false);
                RedisAnswered();
            }
            else
            {
                Announce?.Invoke(ns, [key]);
            }
        }
        catch (StoreUnavailableException ex) when (Swallow(ex))
        {
        }
        finally
        {
            _memory?.InvalidateKey(ns, key);
        }

        _counters.Remove();
    }

    internal async ValueTask InvalidateNamespaceAsync(string ns, CancellationToken cancellationToken)
    {
        CacheInputs.ValidateNamespace(ns);
        cancellationToken.ThrowIfCancellationRequested();
        try
        {
            if (_redis is not null)
            {
                await _redis.InvalidateNamespaceAsync(ns, cancellationToken).ConfigureAwait(false);
                RedisAnswered();
            }
            else
            {
                Announce?.Invoke(ns, []);
            }
        }
        catch (StoreUnavailableException ex) when (Swallow(ex))
        {
        }
        finally
        {
            _memory?.InvalidateNamespace(ns);
        }

        _counters.NamespaceInvalidated();
    }

    /// <summary>Writes values to Redis (when there is one) and to the memory tier. A Redis failure is logged and counted unless configured to throw.</summary>
    private async ValueTask StoreAsync<T>(string? ns, string[] keys, byte[][] payloads, T[] values, CacheEntrySettings settings, CancellationToken cancellationToken)
    {
        if (_redis is null)
        {
            StoreInMemory(ns, keys, payloads, values, settings);
            Announce?.Invoke(ns, keys);
            return;
        }

        // Begin before sending: a read of these keys already in flight must not store its older value afterwards, and
        // a write that overlaps another of its stripe stores nothing, since Redis may apply the two in either order.
        var stamps = new long[keys.Length];
        var sequences = new long[keys.Length];
        for (var i = 0; i < keys.Length && _memory is not null; i++)
        {
            (stamps[i], sequences[i]) = _memory.BeginWrite(ns, keys[i]);
        }

        var now = Now;
        var expiresAt = now + settings.TtlMs;
        var envelopes = new byte[keys.Length][];
        for (var i = 0; i < keys.Length; i++)
        {
            envelopes[i] = CacheEnvelope.Wrap(payloads[i], expiresAt, settings.MemoryTtlMs, settings.FailSafeMs > 0);
        }

        var written = false;
        try
        {
            try
            {
                await _redis.SetAsync(ns, keys, envelopes, settings.TtlMs + settings.FailSafeMs, cancellationToken).ConfigureAwait(false);
                RedisAnswered();
            }
            catch (StoreUnavailableException ex) when (Swallow(ex))
            {
                // the value still serves this instance from memory
            }

            written = true;
            _counters.Set(keys.Length);
        }
        finally
        {
            // Cancelled or thrown with the write possibly applied: memory keeps nothing for these keys.
            for (var i = 0; i < keys.Length && _memory is not null; i++)
            {
                var entry = written ? NewEntry(envelopes[i].AsMemory(CacheEnvelope.HeaderLength), values[i], expiresAt, settings.MemoryTtlMs, settings.FailSafeMs, stamps[i], now) : null;
                _memory.EndWrite(ns, keys[i], entry, sequences[i], now);
            }
        }
    }

    // The in-memory store: the tier is the store, so every write is kept; concurrent writes of a key leave one of them.
    private void StoreInMemory<T>(string? ns, string[] keys, byte[][] payloads, T[] values, CacheEntrySettings settings)
    {
        var now = Now;
        for (var i = 0; i < keys.Length; i++)
        {
            _memory!.Set(ns, keys[i], NewEntry(payloads[i], values[i], now + settings.TtlMs, settings.MemoryTtlMs, settings.FailSafeMs, _memory.CurrentStamp, now), now);
        }

        _counters.Set(keys.Length);
    }
}
