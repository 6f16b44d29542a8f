using System.Globalization;
using RedisStores.Internal;

namespace RedisStores.Tasks;

/// <summary>
/// Where a listing stopped: the creation time (ms) and id of the last task returned. Both implementations
/// order by (created desc, id desc, ordinal), so the position is exact even if that task is gone by the next call.
/// </summary>
internal readonly record struct TaskCursor(long CreatedMs, string Id)
{
    private const string Version = "t1";

    public string Encode() => OpaqueCursor.Encode(string.Create(CultureInfo.InvariantCulture, $"{Version}|{CreatedMs}|{Id}"));

    public static TaskCursor Decode(string cursor, string paramName)
    {
        var parts = OpaqueCursor.TryDecode(cursor)?.Split('|');
        if (parts is [Version, var created, var id]
            && long.TryParse(created, NumberStyles.None, CultureInfo.InvariantCulture, out var createdMs)
            && StoreId.IsValid(id))
        {
            return new TaskCursor(createdMs, id);
        }

        throw new ArgumentException("The cursor was not made by a task listing; pass the NextCursor of the previous page unchanged.", paramName);
    }
}
