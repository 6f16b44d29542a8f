using System.Globalization;

namespace RedisStores.Messaging;

/// <summary>
/// The id of a message of a durable topic, a stream id <c>&lt;ms&gt;-&lt;seq&gt;</c> on Redis and in memory alike,
/// so positions compare and resume the same way on both.
/// </summary>
internal readonly record struct DurablePosition(long Ms, long Seq) : IComparable<DurablePosition>
{
    internal static readonly DurablePosition Start = new(0, 0);

    internal static DurablePosition Parse(string? id, string paramName)
    {
        if (id is null or "0")
        {
            return Start;
        }

        var dash = id.IndexOf('-', StringComparison.Ordinal);
        return dash > 0
            && long.TryParse(id.AsSpan(0, dash), NumberStyles.None, CultureInfo.InvariantCulture, out var ms)
            && long.TryParse(id.AsSpan(dash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var seq)
                ? new DurablePosition(ms, seq)
                : throw new ArgumentException($"'{id}' is not the id of a message of a durable topic; pass a BusMessage.Id you received, or \"0\" for the oldest kept.", paramName);
    }

    public int CompareTo(DurablePosition other) => Ms != other.Ms ? Ms.CompareTo(other.Ms) : Seq.CompareTo(other.Seq);

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Ms}-{Seq}");
}
