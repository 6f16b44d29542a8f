using RedisStores.Internal;

namespace RedisStores.Messaging;

/// <summary>
/// The kept messages of one durable topic in memory, with stream ids as Redis would give them, trimmed to the
/// topic's length and age. Not thread-safe: the bus's lock guards it.
/// </summary>
internal sealed class DurableLog(DurableTopicOptions options)
{
    private readonly List<(DurablePosition Id, byte[] Envelope)> _entries = [];
    private DurablePosition _last = DurablePosition.Start;

    internal WakeSignal Signal { get; } = new();

    /// <summary>Appends a payload published at <paramref name="nowMs"/>; returns its id and its envelope.</summary>
    internal (string Id, byte[] Envelope) Append(ReadOnlySpan<byte> payload, long nowMs)
    {
        var id = nowMs > _last.Ms ? new DurablePosition(nowMs, 0) : new DurablePosition(_last.Ms, _last.Seq + 1);
        _last = id;
        var envelope = MessageEnvelope.Encode(id.ToString(), nowMs, payload);
        _entries.Add((id, envelope));
        var minMs = nowMs - (long)options.MaxAge.TotalMilliseconds;
        var drop = Math.Max(_entries.Count - options.MaxLength, 0);
        while (drop < _entries.Count && _entries[drop].Id.Ms < minMs)
        {
            drop++;
        }

        _entries.RemoveRange(0, drop);
        return (id.ToString(), envelope);
    }

    internal List<(DurablePosition Id, byte[] Envelope)> ReadAfter(DurablePosition after, int count)
    {
        var start = 0;
        while (start < _entries.Count && _entries[start].Id.CompareTo(after) <= 0)
        {
            start++;
        }

        return _entries.GetRange(start, Math.Min(count, _entries.Count - start));
    }

    internal DurablePosition Last => _last;
}
