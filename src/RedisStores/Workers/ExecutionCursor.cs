using System.Globalization;
using RedisStores.Internal;

namespace RedisStores.Workers;

/// <summary>
/// Where a listing of active executions stopped: the start time (ms) and id of the last one examined. Both
/// implementations order by (started desc, id desc, ordinal), so the position holds even if that execution is gone.
/// </summary>
internal readonly record struct ExecutionCursor(long StartedMs, string Id)
{
    private const string Version = "x1";

    public string Encode() => OpaqueCursor.Encode(string.Create(CultureInfo.InvariantCulture, $"{Version}|{StartedMs}|{Id}"));

    public static ExecutionCursor Decode(string cursor, string paramName)
    {
        var parts = OpaqueCursor.TryDecode(cursor)?.Split('|');
        if (parts is [Version, var started, var id]
            && long.TryParse(started, NumberStyles.None, CultureInfo.InvariantCulture, out var startedMs)
            && StoreId.IsValid(id))
        {
            return new ExecutionCursor(startedMs, id);
        }

        throw new ArgumentException("The cursor was not made by an execution listing; pass the NextCursor of the previous page unchanged.", paramName);
    }
}
