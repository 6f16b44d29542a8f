using System.Globalization;
using StackExchange.Redis;

namespace RedisStores.Tasks;

public sealed partial class RedisTaskStore
{
    // Reads the reply of HMGET v id st msg c u ttl poll hr. Anything that does not parse is foreign data,
    // reported as such rather than guessed at.
    private static TaskRecord ParseTask(RedisResult reply, string taskId)
    {
        var f = (RedisValue[])reply!;
        if (f.Length != 9 || f[0] != "1" || f[1].IsNullOrEmpty)
        {
            throw ForeignData(taskId);
        }

        var id = (string)f[1]!;
        return new TaskRecord
        {
            Id = id,
            Status = ParseStatus((string?)f[2], id),
            StatusMessage = f[3].IsNullOrEmpty ? null : (string?)f[3],
            CreatedAt = DateTimeOffset.FromUnixTimeMilliseconds(ParseLong((string?)f[4], id)),
            LastUpdatedAt = DateTimeOffset.FromUnixTimeMilliseconds(ParseLong((string?)f[5], id)),
            Ttl = TimeSpan.FromMilliseconds(ParseLong((string?)f[6], id)),
            PollInterval = TimeSpan.FromMilliseconds(ParseLong((string?)f[7], id)),
            HasResult = f[8] == "1",
        };
    }

    private static TaskState ParseStatus(string? wire, string taskId)
        => TaskLifecycle.TryParseWire(wire, out var status) ? status : throw ForeignData(taskId);

    private static long ParseLong(string? value, string taskId)
        => long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number) ? number : throw ForeignData(taskId);
}
