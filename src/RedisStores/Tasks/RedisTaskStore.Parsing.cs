using System.Globalization;
using StackExchange.Redis;

namespace RedisStores.Tasks;

public sealed partial class RedisTaskStore
{
    // 9999-12-31T23:59:59.999Z, the last instant DateTimeOffset can hold.
    private const long MaxUnixMs = 253_402_300_799_999;

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
            CreatedAt = ParseTime((string?)f[4], id),
            LastUpdatedAt = ParseTime((string?)f[5], id),
            Ttl = ParseDuration((string?)f[6], id),
            PollInterval = ParseDuration((string?)f[7], id),
            HasResult = f[8] == "1",
        };
    }

    private static TaskState ParseStatus(string? wire, string taskId)
        => TaskLifecycle.TryParseWire(wire, out var status) ? status : throw ForeignData(taskId);

    private static DateTimeOffset ParseTime(string? value, string taskId)
    {
        var ms = ParseLong(value, taskId);
        return ms is >= 0 and <= MaxUnixMs ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : throw ForeignData(taskId);
    }

    private static TimeSpan ParseDuration(string? value, string taskId)
    {
        var ms = ParseLong(value, taskId);
        return ms >= 0 && ms <= TaskInputs.MaxTtl.TotalMilliseconds ? TimeSpan.FromMilliseconds(ms) : throw ForeignData(taskId);
    }

    private static long ParseLong(string? value, string taskId)
        => long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number) ? number : throw ForeignData(taskId);
}
