using System.Diagnostics;
using System.Globalization;
using StackExchange.Redis;
using StackExchange.Redis.Profiling;

namespace RedisStores.Benchmarks;

/// <summary>One row of results: throughput, latency, allocation, and what each operation cost Redis.</summary>
internal sealed record Row(string Operation, int Concurrency, double OpsPerSecond, double P50Micros, double P99Micros, double BytesPerOp, double CommandsPerOp, double RoundTripsPerOp);

/// <summary>
/// Runs one operation for a fixed time at a given concurrency on one shared multiplexer, and measures
/// ops/s, p50/p99 latency, allocated bytes per op, Redis commands per op (INFO commandstats, commands run
/// inside scripts included) and round trips per op (the StackExchange.Redis profiler).
/// </summary>
internal sealed class LoadDriver(IConnectionMultiplexer connection, TimeSpan duration)
{
    private readonly IServer _server = connection.GetServers().Single();

    public async Task<Row> RunAsync(string operation, int concurrency, Func<int, Task> op)
    {
        // Warm up: scripts loaded, pools filled, JIT done.
        for (var i = 0; i < 50; i++)
        {
            await op(i);
        }

        var session = new ProfilingSession();
        connection.RegisterProfiler(() => session);
        var commandsBefore = await CommandCallsAsync();
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        var latencies = new List<double>[concurrency];
        var stopAt = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        var counter = 0;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async worker =>
        {
            var mine = latencies[worker] = new List<double>(4096);
            while (Stopwatch.GetTimestamp() < stopAt)
            {
                var started = Stopwatch.GetTimestamp();
                await op(Interlocked.Increment(ref counter));
                mine.Add(Stopwatch.GetElapsedTime(started).TotalMicroseconds);
            }
        }));
        clock.Stop();
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        var roundTrips = session.FinishProfiling().Count();
        connection.RegisterProfiler(() => null);
        var commands = await CommandCallsAsync() - commandsBefore - 1; // less the INFO that measured it
        var all = latencies.SelectMany(l => l).Order().ToArray();
        return new Row(operation, concurrency, all.Length / clock.Elapsed.TotalSeconds, Percentile(all, 0.50), Percentile(all, 0.99),
            (double)allocated / all.Length, (double)commands / all.Length, (double)roundTrips / all.Length);
    }

    private async Task<long> CommandCallsAsync()
    {
        var info = await _server.InfoAsync("commandstats");
        return info.SelectMany(g => g)
            .Where(kv => kv.Key.StartsWith("cmdstat_", StringComparison.Ordinal))
            .Sum(kv => long.Parse(kv.Value.Split(',')[0].Split('=')[1], CultureInfo.InvariantCulture));
    }

    private static double Percentile(double[] sorted, double p) => sorted.Length == 0 ? 0 : sorted[Math.Min(sorted.Length - 1, (int)(p * sorted.Length))];
}
