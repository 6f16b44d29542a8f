using System.Diagnostics;
using StackExchange.Redis;

namespace RedisStores.Benchmarks;

/// <summary>One benchmark group: a name for <c>--only</c>, and the rows it measures.</summary>
internal sealed record Group(string Name, Func<Task<List<Row>>> RunAsync);

/// <summary>Listing and stats latency at one size of the store and of the keyspace around it.</summary>
internal sealed record ScalingRow(int Tasks, int UnrelatedKeys, long KeysInRedis, double ListMicros, double StatsMicros);

/// <summary>The rows one group measured in one pass.</summary>
internal sealed record GroupRows(string Group, IReadOnlyList<Row> Rows);

/// <summary>Everything one pass of the suite measured.</summary>
internal sealed record RunResults(IReadOnlyList<GroupRows> Groups, IReadOnlyList<ScalingRow> Scaling)
{
    public IEnumerable<Row> Rows => Groups.SelectMany(g => g.Rows);

    /// <summary>Measurements that are not rows: the in-process (BenchmarkDotNet) results, by benchmark name.</summary>
    public IReadOnlyDictionary<string, double> Values { get; init; } = new Dictionary<string, double>();

    /// <summary>The row of an operation at a concurrency, or null when this run did not measure it.</summary>
    public Row? Find(string operation, int concurrency) =>
        Rows.FirstOrDefault(r => r.Operation == operation && r.Concurrency == concurrency);
}

/// <summary>
/// Runs every group several times, one pass after another (so that a noisy moment of the machine hits one pass, not one
/// group), and reduces the passes to medians: each column of each row, and each ratio of a target, per pass first.
/// </summary>
internal static class Suite
{
    public static async Task<IReadOnlyList<RunResults>> RunAsync(
        IReadOnlyList<Group> groups, Func<Task<IReadOnlyList<ScalingRow>>>? scaling, int passes, Action<string> progress)
    {
        var results = new List<RunResults>();
        for (var pass = 1; pass <= passes; pass++)
        {
            var rows = new List<GroupRows>();
            foreach (var group in groups)
            {
                var started = Stopwatch.StartNew();
                rows.Add(new GroupRows(group.Name, await group.RunAsync()));
                progress($"pass {pass}/{passes}: {group.Name} in {started.Elapsed.TotalSeconds:F0} s");
            }

            var scaled = scaling is null ? [] : await scaling();
            results.Add(new RunResults(rows, scaled));
        }

        return results;
    }

    /// <summary>Each column of each row: the median over the passes, in the order the first pass measured them.</summary>
    public static List<GroupRows> MedianRows(IReadOnlyList<RunResults> passes) =>
        passes[0].Groups.Select(group => new GroupRows(group.Group, group.Rows.Select(first =>
        {
            var all = passes.Select(p => p.Find(first.Operation, first.Concurrency)).OfType<Row>().ToArray();
            return new Row(first.Operation, first.Concurrency,
                Median(all.Select(r => r.OpsPerSecond)), Median(all.Select(r => r.P50Micros)), Median(all.Select(r => r.P99Micros)),
                Median(all.Select(r => r.BytesPerOp)), Median(all.Select(r => r.CommandsPerOp)), Median(all.Select(r => r.RoundTripsPerOp)));
        }).ToList())).ToList();

    public static List<ScalingRow> MedianScaling(IReadOnlyList<RunResults> passes) =>
        passes[0].Scaling.Select((first, i) =>
        {
            var all = passes.Select(p => p.Scaling[i]).ToArray();
            return first with { ListMicros = Median(all.Select(s => s.ListMicros)), StatsMicros = Median(all.Select(s => s.StatsMicros)) };
        }).ToList();

    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Where(v => !double.IsNaN(v)).Order().ToArray();
        return sorted.Length == 0 ? double.NaN
            : sorted.Length % 2 == 1 ? sorted[sorted.Length / 2]
            : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }

    /// <summary>Flushes the benchmark's server between groups, so no group reads another's data.</summary>
    public static Task FlushAsync(IConnectionMultiplexer connection) => connection.GetServers().Single().FlushDatabaseAsync();
}
