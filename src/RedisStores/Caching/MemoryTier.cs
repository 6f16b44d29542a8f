using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;

namespace RedisStores.Caching;

/// <summary>
/// The bounded in-process tier: the L1 of the Redis cache, or the whole in-memory cache. Namespace invalidation and
/// clearing cost O(1): each records a stamp, and an entry stamped before it is dead when next looked at.
/// </summary>
/// <remarks>
/// <para>
/// Stamps close the race between a read from Redis and an invalidation that arrives while the read is in flight: the
/// reader takes <see cref="CurrentStamp"/> before asking Redis and stores the entry with it. A key invalidation raises
/// its stripe's stamp before removing the entry, and <see cref="Set"/> checks the stripe after storing, so whichever
/// runs second removes the stale entry.
/// </para>
/// <para>
/// Over capacity, one caller sweeps: expired and dead entries go first, then the least recently used (judged from a
/// sample of 1,024 entries' recency), down to 90%.
/// </para>
/// </remarks>
internal sealed class MemoryTier
{
    private const int StripeCount = 4096;
    private const int SampleSize = 1024;
    private const long OneInFlight = 1L << 40;
    private const long SequenceMask = OneInFlight - 1;

    private readonly EntryMap _entries = new();
    private readonly ConcurrentDictionary<string, long> _namespaceStamps = new(StringComparer.Ordinal);
    private readonly long[] _keyStamps = new long[StripeCount];
    // Per stripe: writes in flight (bits 40 and up) and writes begun (bits 0-39), changed in one atomic step.
    private readonly long[] _writeState = new long[StripeCount];
    private readonly CacheCounters _counters;
    private readonly object _sweepGate = new();
    private long _stamp;
    private long _clearedAt;
    private long _useClock;
    private int _count;
    private volatile bool _suspended;
    private readonly bool _readsElsewhere;

    /// <param name="capacity">The most entries held.</param>
    /// <param name="counters">The store's counters.</param>
    /// <param name="readsElsewhere">
    /// Whether values come in from reads of another tier (Redis) that an invalidation can overtake; then forgetting
    /// namespace stamps takes a full clear. Without such reads, dead entries are removed and the stamps simply dropped.
    /// </param>
    internal MemoryTier(int capacity, CacheCounters counters, bool readsElsewhere)
    {
        Capacity = capacity;
        _counters = counters;
        _readsElsewhere = readsElsewhere;
    }

    internal int Capacity { get; }

    internal int Count => Math.Max(0, Volatile.Read(ref _count));

    /// <summary>While set, nothing new is stored: invalidations may be missed until the subscription is proven live again.</summary>
    internal bool Suspended
    {
        get => _suspended;
        set => _suspended = value;
    }

    internal long CurrentStamp => Volatile.Read(ref _stamp);

    /// <summary>The entry under a key, unless an invalidation or clear made it dead. The caller judges its times.</summary>
    internal MemoryEntry? Find(string? ns, string key, long now)
    {
        if (!_entries.TryGetValue(ns, key, out var entry))
        {
            return null;
        }

        if (now > entry.KeepUntil || !IsCurrent(entry, ns))
        {
            Drop(ns, key, entry);
            return null;
        }

        // Recency is the write count at the last hit: a hit writes nothing shared, and a hot entry is written only
        // when a write happened since its last hit.
        var clock = Volatile.Read(ref _useClock);
        if (entry.LastUsed != clock)
        {
            entry.LastUsed = clock;
        }

        return entry;
    }

    internal void Set(string? ns, string key, MemoryEntry entry, long now)
    {
        if (_suspended || entry.Stamp < 0)
        {
            return;
        }

        entry.LastUsed = Interlocked.Increment(ref _useClock);
        while (true)
        {
            if (_entries.TryAdd(ns, key, entry))
            {
                Interlocked.Increment(ref _count);
                break;
            }

            if (_entries.TryGetValue(ns, key, out var current))
            {
                if (current.Stamp > entry.Stamp)
                {
                    return; // what memory holds was read or written later than this value
                }

                if (_entries.TryUpdate(ns, key, entry, current))
                {
                    break;
                }
            }
        }

        // An invalidation of this key (or a clear) since the caller's stamp: the value may be older than it.
        if (Volatile.Read(ref _keyStamps[Stripe(ns, key)]) > entry.Stamp || Volatile.Read(ref _clearedAt) > entry.Stamp)
        {
            Drop(ns, key, entry);
            return;
        }

        if (Volatile.Read(ref _count) > Capacity)
        {
            Sweep(now);
        }
    }

    /// <summary>
    /// Starts a local write of a key: outdates whatever a read in flight might still store (its stamp is older) and
    /// returns the stamp the written value is stored with (-1, store nothing, when another write of the stripe is in
    /// flight) and the stripe's write sequence. Pair with <see cref="EndWrite"/>.
    /// </summary>
    internal (long Stamp, long Sequence) BeginWrite(string? ns, string key)
    {
        var stripe = Stripe(ns, key);
        var state = Interlocked.Add(ref _writeState[stripe], OneInFlight + 1); // one atomic step: in flight and begun
        var alone = state >> 40 == 1;
        var sequence = state & SequenceMask;
        InvalidateKey(ns, key);
        return (alone ? CurrentStamp : -1, sequence); // began beside another write of the stripe: Redis may apply them in either order
    }

    /// <summary>The stamp a read from Redis stores with; -1 (store nothing) while a write of the stripe is in flight.</summary>
    internal long ReadStamp(string? ns, string key)
    {
        var stamp = CurrentStamp;
        return Volatile.Read(ref _writeState[Stripe(ns, key)]) >> 40 > 0 ? -1 : stamp;
    }

    /// <summary>
    /// Ends a local write; stores the written value only if no other write of the stripe overlapped it (none in flight
    /// when it began, none begun since), since Redis may have applied overlapping writes in either order. The entry is
    /// <see langword="null"/> when the write failed.
    /// </summary>
    internal void EndWrite(string? ns, string key, MemoryEntry? entry, long sequence, long now)
    {
        ref var state = ref _writeState[Stripe(ns, key)];
        try
        {
            if (entry is not null && entry.Stamp >= 0 && (Volatile.Read(ref state) & SequenceMask) == sequence)
            {
                Set(ns, key, entry, now); // a write that begins now raises the stripe, and Set's check drops this entry
            }
        }
        finally
        {
            Interlocked.Add(ref state, -OneInFlight);
        }
    }

    /// <summary>Drops a key whose value changed elsewhere.</summary>
    internal void InvalidateKey(string? ns, string key)
    {
        RaiseTo(ref _keyStamps[Stripe(ns, key)], Interlocked.Increment(ref _stamp));

        if (_entries.TryRemove(ns, key))
        {
            Interlocked.Decrement(ref _count);
        }
    }

    internal void InvalidateNamespace(string ns)
    {
        var stamp = Interlocked.Increment(ref _stamp);
        _namespaceStamps.AddOrUpdate(ns, stamp, (_, seen) => Math.Max(seen, stamp)); // racing invalidations keep the latest

        if (_namespaceStamps.Count > Math.Max(10_000, Capacity))
        {
            ForgetNamespaceStamps();
        }
    }

    // Bounds the namespace stamps. As L1, a read from Redis that started before an invalidation may still land, and only
    // a clear outdates it; as the whole store, every entry is written with the stamp of its own moment, so once the dead
    // entries are gone the stamps have nothing left to judge.
    private void ForgetNamespaceStamps()
    {
        if (_readsElsewhere)
        {
            Clear();
            _counters.MemoryCleared();
            return;
        }

        if (!Monitor.TryEnter(_sweepGate))
        {
            return; // another caller is at it
        }

        try
        {
            if (_namespaceStamps.Count <= Math.Max(10_000, Capacity))
            {
                return;
            }

            // Only the stamps seen here are dropped: one that an invalidation raises meanwhile stays.
            var stamps = _namespaceStamps.ToArray();
            foreach (var (ns, key, entry) in _entries)
            {
                if (!IsCurrent(entry, ns))
                {
                    Drop(ns, key, entry);
                }
            }

            foreach (var stamp in stamps)
            {
                _namespaceStamps.TryRemove(stamp);
            }
        }
        finally
        {
            Monitor.Exit(_sweepGate);
        }
    }

    /// <summary>Empties the tier: every entry stored or being read before now is dead.</summary>
    internal void Clear()
    {
        var clearedAt = Interlocked.Increment(ref _stamp);
        RaiseTo(ref _clearedAt, clearedAt);

        // The clear outdates every namespace stamp up to it; a later invalidation's stamp stays.
        foreach (var stamp in _namespaceStamps)
        {
            if (stamp.Value <= clearedAt)
            {
                _namespaceStamps.TryRemove(stamp);
            }
        }

        foreach (var (ns, key, entry) in _entries)
        {
            Drop(ns, key, entry);
        }
    }

    private bool IsCurrent(MemoryEntry entry, string? ns)
        => entry.Stamp >= Volatile.Read(ref _clearedAt)
            && (ns is null || !_namespaceStamps.TryGetValue(ns, out var invalidatedAt) || entry.Stamp >= invalidatedAt);

    private void Drop(string? ns, string key, MemoryEntry entry)
    {
        if (_entries.TryRemove(ns, key, entry))
        {
            Interlocked.Decrement(ref _count);
        }
    }

    private void Sweep(long now)
    {
        if (!Monitor.TryEnter(_sweepGate))
        {
            return;
        }

        try
        {
            // One pass drops dead and expired entries and samples the recency of the live ones; a second removes the
            // least recently used below the sampled threshold. Linear, and no copy of the entries, whatever the capacity.
            var sample = new long[Math.Min(SampleSize, Math.Max(1, _entries.Count))];
            var live = 0;
            foreach (var (ns, key, entry) in _entries)
            {
                if (now > entry.KeepUntil || !IsCurrent(entry, ns))
                {
                    Drop(ns, key, entry);
                    continue;
                }

                // Reservoir sampling: every live entry is equally likely to be in the sample.
                var slot = live < sample.Length ? live : Random.Shared.NextInt64(live + 1);
                if (slot < sample.Length)
                {
                    sample[slot] = entry.LastUsed;
                }

                live++;
            }

            var excess = live - Math.Max(1, Capacity - (Capacity / 10));
            if (excess > 0)
            {
                var sampled = sample.AsSpan(0, Math.Min(live, sample.Length));
                sampled.Sort();
                var threshold = sampled[(int)Math.Clamp(((long)excess * sampled.Length + live - 1) / live - 1, 0, sampled.Length - 1)];
                var evicted = 0;
                foreach (var (ns, key, entry) in _entries)
                {
                    if (evicted >= excess)
                    {
                        break;
                    }

                    if (entry.LastUsed <= threshold && _entries.TryRemove(ns, key, entry))
                    {
                        evicted++;
                    }
                }

                _counters.Evicted(evicted);
            }

            Volatile.Write(ref _count, _entries.Count);
        }
        finally
        {
            Monitor.Exit(_sweepGate);
        }
    }

    // Racing raisers leave the highest stamp, never a lower one over it.
    private static void RaiseTo(ref long target, long stamp)
    {
        long seen;
        do
        {
            seen = Volatile.Read(ref target);
        }
        while (seen < stamp && Interlocked.CompareExchange(ref target, stamp, seen) != seen);
    }

    private static int Stripe(string? ns, string key)
        => (int)((uint)HashCode.Combine(ns is null ? 0 : StringComparer.Ordinal.GetHashCode(ns), StringComparer.Ordinal.GetHashCode(key)) % StripeCount);

    /// <summary>
    /// The entries, plain keys and namespaced ones apart: a plain key, the common case, is looked up by its string alone,
    /// which hashes faster than a pair.
    /// </summary>
    private sealed class EntryMap : IEnumerable<(string? Namespace, string Key, MemoryEntry Entry)>
    {
        private readonly ConcurrentDictionary<string, MemoryEntry> _plain = new(StringComparer.Ordinal);
        private readonly ConcurrentDictionary<(string Namespace, string Key), MemoryEntry> _scoped = new();

        internal int Count => _plain.Count + _scoped.Count;

        internal bool TryGetValue(string? ns, string key, [NotNullWhen(true)] out MemoryEntry? entry)
            => ns is null ? _plain.TryGetValue(key, out entry) : _scoped.TryGetValue((ns, key), out entry);

        internal bool TryAdd(string? ns, string key, MemoryEntry entry)
            => ns is null ? _plain.TryAdd(key, entry) : _scoped.TryAdd((ns, key), entry);

        internal bool TryUpdate(string? ns, string key, MemoryEntry entry, MemoryEntry comparison)
            => ns is null ? _plain.TryUpdate(key, entry, comparison) : _scoped.TryUpdate((ns, key), entry, comparison);

        internal bool TryRemove(string? ns, string key)
            => ns is null ? _plain.TryRemove(key, out _) : _scoped.TryRemove((ns, key), out _);

        /// <summary>Removes the key only while it holds <paramref name="entry"/>.</summary>
        internal bool TryRemove(string? ns, string key, MemoryEntry entry)
            => ns is null
                ? _plain.TryRemove(new KeyValuePair<string, MemoryEntry>(key, entry))
                : _scoped.TryRemove(new KeyValuePair<(string, string), MemoryEntry>((ns, key), entry));

        public IEnumerator<(string? Namespace, string Key, MemoryEntry Entry)> GetEnumerator()
        {
            foreach (var pair in _plain)
            {
                yield return (null, pair.Key, pair.Value);
            }

            foreach (var pair in _scoped)
            {
                yield return (pair.Key.Namespace, pair.Key.Key, pair.Value);
            }
        }

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
