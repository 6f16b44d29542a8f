namespace RedisStores.Sessions;

/// <summary>
/// The newest events of a session, oldest first, numbered consecutively up to LastSequence: a ring buffer that
/// grows as needed up to the bound, then overwrites its oldest event.
/// </summary>
internal sealed class InMemoryEventLog
{
    internal readonly record struct Item(long Sequence, long TimestampMs, byte[] Json);

    private Item[] _items = [];
    private int _head;
    private int _count;

    public long LastSequence { get; private set; }

    public int Capacity => _items.Length;

    public long Append(long timestampMs, byte[] json, int max)
    {
        var item = new Item(++LastSequence, timestampMs, json);
        if (_count == max)
        {
            _items[_head] = item;
            _head = (_head + 1) % _items.Length;
            return item.Sequence;
        }

        if (_count == _items.Length)
        {
            var grown = new Item[Math.Min(max, Math.Max(4, _items.Length * 2))];
            Slice(0, _count).CopyTo(grown, 0);
            (_items, _head) = (grown, 0);
        }

        _items[(_head + _count) % _items.Length] = item;
        _count++;
        return item.Sequence;
    }

    public Item[] Last(int count) => Slice(Math.Max(0, _count - count), Math.Min(count, _count));

    public Item[] From(long fromSequence, int maxCount)
    {
        var start = Math.Max(0, fromSequence - (LastSequence - _count + 1));
        return start >= _count ? [] : Slice((int)start, (int)Math.Min(maxCount, _count - start));
    }

    private Item[] Slice(int start, int count)
    {
        var result = new Item[count];
        for (var i = 0; i < count; i++)
        {
            result[i] = _items[(_head + start + i) % _items.Length];
        }

        return result;
    }
}
