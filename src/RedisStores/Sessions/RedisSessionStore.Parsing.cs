using System.Globalization;
using RedisStores.Redis;
using StackExchange.Redis;

namespace RedisStores.Sessions;

public sealed partial class RedisSessionStore
{
    // 9999-12-31T23:59:59.999Z, the last instant DateTimeOffset can hold.
    private const long MaxUnixMs = 253_402_300_799_999;

    private ValueTask<RedisResult> RunAsync(string script, string sessionId, RedisValue[] args, CancellationToken cancellationToken)
        => RedisCall.EvaluateAsync(_connection, script, _keys.ForSession(sessionId), args, StoreName, cancellationToken);

    private ValueTask<RedisResult> RunIndexesAsync(string script, RedisValue[] args, CancellationToken cancellationToken)
        => RedisCall.EvaluateAsync(_connection, script, _keys.Indexes, args, StoreName, cancellationToken);

    private long NowMs() => _time.GetUtcNow().ToUnixTimeMilliseconds();

    private static RedisValue Expected(long? version) => version is { } v ? v : RedisValue.EmptyString;

    private static long Ms(TimeSpan value) => (long)value.TotalMilliseconds;

    // { -1 } is a missing session; { -2 } data this store did not write.
    private static bool IsMissing(RedisResult reply, string sessionId)
    {
        var first = (long)((RedisResult[])reply!)[0];
        return first switch
        {
            Scripts.NotFound => true,
            Scripts.Foreign => throw ForeignData(sessionId),
            _ => false,
        };
    }

    private static long Version(RedisResult reply, string sessionId, long? expectedVersion)
    {
        var parts = (RedisResult[])reply!;
        return (long)parts[0] switch
        {
            Scripts.NotFound => throw new EntityNotFoundException(SessionInputs.EntityKind, sessionId),
            Scripts.Foreign => throw ForeignData(sessionId),
            Scripts.Conflict => throw new VersionConflictException(sessionId, expectedVersion ?? 0, (long)parts[1]),
            var version => version,
        };
    }

    private List<SessionEvent<T>> ParseEvents<T>(string sessionId, RedisResult[] entries)
    {
        var events = new List<SessionEvent<T>>(entries.Length);
        foreach (var entry in entries)
        {
            // "sequence|unix ms|json": the JSON may hold '|', the two numbers never do.
            var bytes = (byte[])entry!;
            var first = Array.IndexOf(bytes, (byte)'|');
            var second = first < 0 ? -1 : Array.IndexOf(bytes, (byte)'|', first + 1);
            if (second < 0)
            {
                throw ForeignData(sessionId);
            }

            events.Add(new SessionEvent<T>
            {
                Sequence = ParseLong(System.Text.Encoding.ASCII.GetString(bytes, 0, first), sessionId),
                Timestamp = Time(ParseLong(System.Text.Encoding.ASCII.GetString(bytes, first + 1, second - first - 1), sessionId), sessionId),
                Data = _inputs.Deserialize<T>(sessionId, bytes.AsSpan(second + 1), "event"),
            });
        }

        return events;
    }

    private static long Number(Dictionary<string, string> meta, string field, string sessionId)
        => ParseLong(meta.GetValueOrDefault(field), sessionId);

    private static DateTimeOffset Time(long ms, string sessionId)
        => ms is >= 0 and <= MaxUnixMs ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : throw ForeignData(sessionId);

    private static TimeSpan Duration(long ms, string sessionId)
        => ms <= Tasks.TaskInputs.MaxTtl.TotalMilliseconds ? TimeSpan.FromMilliseconds(ms) : throw ForeignData(sessionId);

    private static long ParseLong(string? value, string sessionId)
        => long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number) && number >= 0 ? number : throw ForeignData(sessionId);

    private static StoreDataException ForeignData(string sessionId)
        => new($"The Redis data of session '{sessionId}' was not written by this store. Something else writes under the store's key prefix; delete that key or give the store its own RedisStores:KeyPrefix.");
}
