using System.Globalization;
using RedisStores.Internal;

namespace RedisStores.Workers;

/// <summary>
/// Where a job listing stopped: the sort score and id of the last job listed, and the queue and state it lists, so a
/// cursor is not used for another listing. Both implementations order by (score asc, id asc, ordinal).
/// </summary>
internal readonly record struct JobCursor(double Score, string Id)
{
    private const string Version = "j1";

    public string Encode(string queue, JobState state)
        => OpaqueCursor.Encode(string.Create(CultureInfo.InvariantCulture, $"{Version}|{queue}|{(int)state}|{Score:R}|{Id}"));

    public static JobCursor Decode(string cursor, string queue, JobState state, string paramName)
    {
        var parts = OpaqueCursor.TryDecode(cursor)?.Split('|');
        if (parts is [Version, var q, var s, var score, var id]
            && q == queue
            && s == ((int)state).ToString(CultureInfo.InvariantCulture)
            && double.TryParse(score, NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
            && double.IsFinite(value)
            && StoreId.IsValid(id))
        {
            return new JobCursor(value, id);
        }

        throw new ArgumentException("The cursor was not made by a listing of this queue and state; pass the NextCursor of the previous page unchanged.", paramName);
    }
}
