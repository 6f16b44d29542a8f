using System.Diagnostics;
using System.Globalization;
using RedisStores.Testing;
using StackExchange.Redis;
using StackExchange.Redis.Profiling;

namespace RedisStores.Benchmarks;

/// <summary>One row of results: throughput, latency, allocation, and what each operation cost Redis.</summary>
internal sealed record Row(string Operation, int Concurrency, double OpsPerSecond, double P50Micros, double P99Micros, double BytesPerOp, double CommandsPerOp, double RoundTripsPerOp);

/// <summary>
/// Runs one operation for a fixed time at a given concurrency on one shared multiplexer, and measures
/// ops/s, p50/p99 latency, allocated bytes per op, Redis commands per op (INFO commandstats, commands run
/// inside scripts included) and round trips per op (the StackExchange.Redis profiler, in a short sequential pass).
/// </summary>
internal sealed class LoadDriver(IConnectionMultiplexer connection, TimeSpan duration)
{
    private const int RoundTripSamples = 200;

    private readonly IServer _server = connection.GetServers().Single();

    /// <summary>How long each row runs.</summary>
    public TimeSpan Duration => duration;

    public async Task<Row> RunAsync(string operation, int concurrency, Func<int, Task> op)
    {
        // Warm up: scripts loaded, pools filled, JIT done.
        for (var i = 0; i < 50; i++)
        {
            await op(i);
        }

        // Made before counting allocations: the harness allocates nothing per operation.
        var latencies = Enumerable.Range(0, concurrency).Select(_ => new LatencyHistogram()).ToArray();
        var commandsBefore = await CommandCallsAsync();
        var allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);
        var stopAt = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        var counter = 0;
        var clock = Stopwatch.StartNew();

        // Workers start on the thread pool, so operations that complete synchronously (memory-cache hits) still run side by side.
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(worker => Task.Run(async () =>
        {
            var mine = latencies[worker];
            while (Stopwatch.GetTimestamp() < stopAt)
            {
                var started = Stopwatch.GetTimestamp();
                await op(Interlocked.Increment(ref counter));
                mine.Record(Stopwatch.GetTimestamp() - started);
            }
        })));
        clock.Stop();
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        var commands = await CommandCallsAsync() - commandsBefore - 1; // less the INFO that measured it
        var all = LatencyHistogram.Merge(latencies);
        var roundTrips = await RoundTripsPerOpAsync(op, counter + 1);
        return new Row(operation, concurrency, all.Count / clock.Elapsed.TotalSeconds, all.PercentileMicros(0.50), all.PercentileMicros(0.99),
            (double)allocated / all.Count, (double)commands / all.Count, roundTrips);
    }

    // Round trips of each operation, one operation at a time, each with a profiling session of its own: a command counts
    // a new round trip only when it was created after another command of the same operation had completed, so commands
    // sent back to back (pipelined, or a transaction) share one. Not taken while timing: the profiler allocates per command.
    private async Task<double> RoundTripsPerOpAsync(Func<int, Task> op, int first)
    {
        var current = new AsyncLocal<ProfilingSession?>();
        connection.RegisterProfiler(() => current.Value);
        try
        {
            long roundTrips = 0;
            for (var i = 0; i < RoundTripSamples; i++)
            {
                var session = new ProfilingSession();
                current.Value = session;
                await op(first + i);
                current.Value = null;
                roundTrips += LongestChain(session.FinishProfiling());
            }

            return (double)roundTrips / RoundTripSamples;
        }
        finally
        {
            connection.RegisterProfiler(() => null);
        }
    }

    private static int LongestChain(IEnumerable<IProfiledCommand> profiled)
    {
        var (_, trip) = RoundTripChains.Of(profiled);
        return trip.Length == 0 ? 0 : trip.Max();
    }

    private async Task<long> CommandCallsAsync()
    {
        var info = await _server.InfoAsync("commandstats");
        return info.SelectMany(g => g)
            .Where(kv => kv.Key.StartsWith("cmdstat_", StringComparison.Ordinal))
            .Sum(kv => long.Parse(kv.Value.Split(',')[0].Split('=')[1], CultureInfo.InvariantCulture));
    }
}
