using System.Globalization;
using StackExchange.Redis;

namespace RedisStores.Workers;

public sealed partial class RedisWorkerStore
{
    // 9999-12-31T23:59:59.999Z, the last instant DateTimeOffset can hold.
    private const long MaxUnixMs = 253_402_300_799_999;

    private static readonly RedisValue[] ExecutionFields = ["v", "id", "st", "s", "d", "ttl", "err"];

    // Reads HMGET v id st s d ttl err. Anything that does not parse is foreign data, reported rather than guessed at.
    private static ExecutionRecord ParseExecution(RedisResult reply, string executionId)
        => ParseExecution((RedisValue[])reply!, executionId);

    private static ExecutionRecord ParseExecution(RedisValue[] f, string executionId)
    {
        if (f.Length != 7 || f[0] != "1" || f[1] != executionId)
        {
            throw ForeignData(executionId);
        }

        var state = (string?)f[2] switch
        {
            "a" => ExecutionState.Active,
            "c" => ExecutionState.Completed,
            "f" => ExecutionState.Failed,
            _ => throw ForeignData(executionId),
        };
        return new ExecutionRecord
        {
            Id = executionId,
            State = state,
            StartedAt = ParseTime((string?)f[3], executionId),
            FinishedAt = f[4].IsNullOrEmpty ? null : ParseTime((string?)f[4], executionId),
            Ttl = f[5].IsNullOrEmpty ? null : TimeSpan.FromMilliseconds(ParseLong((string?)f[5], executionId)),
            Error = f[6].IsNullOrEmpty ? null : (string?)f[6],
        };
    }

    // For listing: null when the entry no longer names an active execution of this store (finished, expired, foreign).
    private static ExecutionRecord? TryParseActive(RedisValue[] f, string executionId)
    {
        if (f.Length != 7 || f[0] != "1" || f[1] != executionId || f[2] != "a")
        {
            return null;
        }

        try
        {
            return ParseExecution(f, executionId);
        }
        catch (StoreDataException)
        {
            return null;
        }
    }

    // Reads the step-state field "p|started|" or "c|started|completed".
    private static (DateTimeOffset Started, DateTimeOffset? Completed) ParseStepState(string? value, string executionId)
    {
        var parts = value?.Split('|');
        if (parts is not [var state and ("p" or "c"), var started, var completed])
        {
            throw ForeignData(executionId);
        }

        return (ParseTime(started, executionId), state == "c" ? ParseTime(completed, executionId) : null);
    }

    private List<StepRecord> ParseSteps(RedisResult[] pairs, string executionId)
    {
        var states = new Dictionary<string, string?>(StringComparer.Ordinal);
        var results = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        for (var i = 0; i + 1 < pairs.Length; i += 2)
        {
            var field = (string)pairs[i]!;
            if (field.StartsWith("s:", StringComparison.Ordinal))
            {
                states[field[2..]] = (string?)pairs[i + 1];
            }
            else if (field.StartsWith("r:", StringComparison.Ordinal))
            {
                results[field[2..]] = (byte[])pairs[i + 1]!;
            }
        }

        var steps = new List<StepRecord>(states.Count);
        foreach (var (name, state) in states)
        {
            var (started, completed) = ParseStepState(state, executionId);
            results.TryGetValue(name, out var result);
            steps.Add(new StepRecord(_inputs, executionId, name, started, completed, completed is null ? null : result));
        }

        steps.Sort(static (a, b) => a.StartedAt != b.StartedAt ? a.StartedAt.CompareTo(b.StartedAt) : string.CompareOrdinal(a.Name, b.Name));
        return steps;
    }

    private static DateTimeOffset ParseTime(string? value, string executionId)
    {
        var ms = ParseLong(value, executionId);
        return ms is >= 0 and <= MaxUnixMs ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : throw ForeignData(executionId);
    }

    private static long ParseLong(string? value, string executionId)
        => long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number) ? number : throw ForeignData(executionId);
}
