using System.Globalization;
using RedisStores.Testing;
using StackExchange.Redis;
using StackExchange.Redis.Profiling;

namespace RedisStores.Tests.RoundTrips;

/// <summary>
/// Measures one operation on a connection to a Redis server of the test's own: the commands the client sent (the
/// StackExchange.Redis profiler, for the operation's async flow only), its round trips, and every command the server ran
/// meanwhile (an <c>INFO commandstats</c> delta, which counts the commands scripts run). Nothing else uses the server, so
/// the delta is the operation's, less the measuring's own <c>INFO</c> and <c>PING</c>s.
/// </summary>
internal sealed class Meter
{
    private static readonly AsyncLocal<ProfilingSession?> s_current = new();
    private static readonly TimeSpan s_patience = TimeSpan.FromSeconds(30);

    private readonly IConnectionMultiplexer _connection;
    private readonly IServer _server;
    private readonly List<IProfiledCommand> _seen = [];
    private ProfilingSession? _session;

    internal Meter(IConnectionMultiplexer connection)
    {
        _connection = connection;
        _server = connection.GetServers().Single();
    }

    /// <summary>What the measured operation cost; set by <see cref="MeasureAsync{T}"/>.</summary>
    internal Cost? Cost { get; private set; }

    /// <summary>Attaches commands to the measured operation's async flow only. Call once per connection.</summary>
    internal static void Attach(IConnectionMultiplexer connection) => connection.RegisterProfiler(() => s_current.Value);

    /// <summary>
    /// Runs <paramref name="operation"/> and measures it. <paramref name="meanwhile"/> runs beside it, unmeasured by the
    /// profiler (its commands still reach the server's count), for scenarios where something else must happen while the
    /// operation waits. <paramref name="settle"/> runs after it returns, for background work the operation started.
    /// </summary>
    internal async Task<T> MeasureAsync<T>(Func<Task<T>> operation, Func<Task>? meanwhile = null, Func<Task>? settle = null)
    {
        if (Cost is not null || _session is not null)
        {
            throw new InvalidOperationException("A scenario measures one operation.");
        }

        await BarrierAsync();
        var before = await CommandStatsAsync();
        _session = new ProfilingSession();
        var running = RunProfiledAsync(_session, operation);
        if (meanwhile is not null)
        {
            await meanwhile();
        }

        var value = await running;
        if (settle is not null)
        {
            await settle();
        }

        // Commands sent without waiting (fire and forget, or on the subscription connection) have reached the server
        // once a PING behind them on each connection has come back.
        await BarrierAsync();
        var after = await CommandStatsAsync();
        Cost = Cost.Of(Drain(), Delta(before, after));
        return value;
    }

    internal Task MeasureAsync(Func<Task> operation, Func<Task>? meanwhile = null, Func<Task>? settle = null)
        => MeasureAsync(async () =>
        {
            await operation();
            return true;
        }, meanwhile, settle);

    /// <summary>Waits until the measured operation has completed <paramref name="count"/> commands (named <paramref name="name"/>, or any).</summary>
    internal async Task UntilCompletedAsync(int count, string? name = null)
    {
        var deadline = DateTime.UtcNow + s_patience;
        while (Drain().Count(c => name is null || c.Command == name) < count)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"The measured operation never completed {count} {name ?? "command"}(s); it sent {string.Join(", ", Drain().Select(c => c.Command))}.");
            }

            await Task.Delay(1);
        }
    }

    // An async method of its own, so the session is set for the operation's flow and never leaks into the caller's.
    private static async Task<T> RunProfiledAsync<T>(ProfilingSession session, Func<Task<T>> operation)
    {
        s_current.Value = session;
        return await operation();
    }

    private List<IProfiledCommand> Drain()
    {
        lock (_seen)
        {
            if (_session is not null)
            {
                _seen.AddRange(_session.FinishProfiling());
            }

            return [.. _seen];
        }
    }

    private async Task BarrierAsync()
    {
        await _connection.GetDatabase().PingAsync();
        await _connection.GetSubscriber().PingAsync();
    }

    private async Task<Dictionary<string, long>> CommandStatsAsync()
    {
        var info = await _server.InfoAsync("commandstats");
        var calls = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var (key, value) in info.SelectMany(g => g))
        {
            if (key.StartsWith("cmdstat_", StringComparison.Ordinal))
            {
                var count = value.Split(',')[0].Split('=')[1];
                calls[key["cmdstat_".Length..].ToUpperInvariant()] = long.Parse(count, CultureInfo.InvariantCulture);
            }
        }

        return calls;
    }

    // The window holds the first INFO (counted by the second) and the barrier's two PINGs.
    private static Dictionary<string, long> Delta(Dictionary<string, long> before, Dictionary<string, long> after)
    {
        var delta = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var (name, calls) in after)
        {
            var ran = calls - before.GetValueOrDefault(name) - name switch { "INFO" => 1, "PING" => 2, _ => 0 };
            if (ran != 0)
            {
                delta[name] = ran;
            }
        }

        return delta;
    }
}

/// <summary>
/// What one operation cost: the client's commands grouped by round trip, and the commands the server ran in all.
/// </summary>
internal sealed record Cost(IReadOnlyList<IReadOnlyList<string>> Trips, IReadOnlyDictionary<string, long> Server)
{
    internal int RoundTrips => Trips.Count;

    internal int Commands => Trips.Sum(t => t.Count);

    /// <summary>
    /// Groups commands into round trips. A command starts a new round trip only when it was created after another
    /// command of the same operation had completed; commands sent back to back (pipelined) share one. Its round trip
    /// is one more than the longest chain of commands completed before it was created.
    /// </summary>
    internal static Cost Of(IReadOnlyList<IProfiledCommand> profiled, IReadOnlyDictionary<string, long> server)
    {
        var (commands, depth) = RoundTripChains.Of(profiled);

        var trips = Enumerable.Range(1, depth.Length == 0 ? 0 : depth.Max())
            .Select(d => (IReadOnlyList<string>)[.. commands.Where((_, i) => depth[i] == d).Select(c => c.Command).Order(StringComparer.Ordinal)])
            .ToList();
        return new Cost(trips, server);
    }

    /// <summary>
    /// The one cost of several measurements of a scenario: they must agree on every command, client and server; of the
    /// round trips it keeps the fewest, since a busy machine can split a pipelined round trip in two, never join two.
    /// </summary>
    internal static Cost Agreed(IReadOnlyList<Cost> runs, string operation)
    {
        var first = runs[0];
        foreach (var run in runs.Skip(1))
        {
            if (!Same(run.Trips.SelectMany(t => t), first.Trips.SelectMany(t => t)) || !Same(Expand(run.Server), Expand(first.Server)))
            {
                throw new InvalidOperationException(
                    $"\"{operation}\" cost differently from one run to the next, so its row could not be kept true: " +
                    $"{Describe(first)} against {Describe(run)}. Make its state independent of timing (a TTL left that depends on the time elapsed, a timer that may fire).");
            }
        }

        return runs.OrderBy(r => r.RoundTrips).First();

        static IEnumerable<string> Expand(IReadOnlyDictionary<string, long> server) => server.SelectMany(c => Enumerable.Repeat(c.Key, (int)c.Value));

        static bool Same(IEnumerable<string> a, IEnumerable<string> b) => a.Order(StringComparer.Ordinal).SequenceEqual(b.Order(StringComparer.Ordinal), StringComparer.Ordinal);

        static string Describe(Cost cost)
            => $"[client: {string.Join(" → ", cost.Trips.Select(t => string.Join(" + ", t)))}; server: {string.Join(", ", cost.Server.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => $"{c.Key} ×{c.Value}"))}]";
    }
}
