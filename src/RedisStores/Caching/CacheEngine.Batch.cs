using StackExchange.Redis;

namespace RedisStores.Caching;

/// <summary>Batches: many keys read or written in one round trip, answered from memory where it can.</summary>
internal sealed partial class CacheEngine
{
    internal async ValueTask<IReadOnlyDictionary<string, T>> GetManyAsync<T>(string? ns, IEnumerable<string> keys, CancellationToken cancellationToken)
    {
        var distinct = CacheInputs.DistinctKeys(keys);
        cancellationToken.ThrowIfCancellationRequested();
        var found = new Dictionary<string, T>(distinct.Length, StringComparer.Ordinal);
        var now = Now;
        List<string>? missing = null;
        foreach (var key in distinct)
        {
            var held = _memory?.Find(ns, key, now);
            if (held is not null && now <= held.FreshUntil)
            {
                _counters.MemoryHit();
                found[key] = FromMemory<T>(held, key);
                continue;
            }

            if (_memory is not null)
            {
                _counters.MemoryMiss();
            }

            (missing ??= []).Add(key);
        }

        if (missing is null)
        {
            return found;
        }

        if (_redis is null)
        {
            missing.ForEach(_ => _counters.Miss());
            return found;
        }

        var stamps = missing.ConvertAll(k => _memory?.ReadStamp(ns, k) ?? 0);
        RedisValue[] stored;
        try
        {
            stored = await _redis.GetManyAsync(ns, missing.ToArray(), cancellationToken).ConfigureAwait(false);
            RedisAnswered();
        }
        catch (StoreUnavailableException ex) when (Swallow(ex))
        {
            foreach (var key in missing)
            {
                if (Fallback(ns, key) is { } kept)
                {
                    _counters.FallbackHit();
                    found[key] = FromMemory<T>(kept, key);
                }
                else
                {
                    _counters.Miss();
                }
            }

            return found;
        }

        now = Now;
        for (var i = 0; i < missing.Count; i++)
        {
            var read = Classify(stored[i], missing[i], stamps[i], now);
            if (read.Status == ReadStatus.Fresh)
            {
                found[missing[i]] = Accept<T>(ns, missing[i], read);
            }
            else
            {
                _counters.Miss();
            }
        }

        return found;
    }

    internal async ValueTask SetManyAsync<T>(string? ns, IEnumerable<KeyValuePair<string, T>> items, CacheEntryOptions? options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(items);
        var settings = _inputs.Resolve(options);
        var positions = new Dictionary<string, int>(StringComparer.Ordinal);
        var keys = new List<string>();
        var values = new List<T>();
        foreach (var (key, value) in items)
        {
            CacheInputs.ValidateKey(key);
            if (positions.TryGetValue(key, out var at))
            {
                values[at] = value;
            }
            else
            {
                positions[key] = keys.Count;
                keys.Add(key);
                values.Add(value);
            }
        }

        cancellationToken.ThrowIfCancellationRequested();
        if (keys.Count == 0)
        {
            return;
        }

        var payloads = new byte[keys.Count][];
        for (var i = 0; i < keys.Count; i++)
        {
            payloads[i] = _inputs.Serialize(values[i], keys[i], forWrite: true);
        }

        await StoreAsync(ns, [.. keys], payloads, [.. values], settings, cancellationToken).ConfigureAwait(false);
    }
}
