using RedisStores.Serialization;
using RedisStores.Tasks;
using RedisStores.Tests.Infrastructure;
using StackExchange.Redis;

namespace RedisStores.Tests.RoundTrips;

/// <summary>
/// Keeps docs/round-trips.md true: runs every public operation of every store against a redis-server of this test's own
/// (so no other test's commands reach its counts), in a representative state, and compares the commands, round trips
/// and server-side commands it measures with the table. Also holds the project rule: one round trip per single-entity
/// operation, unless the row says why not. Run tests/update-round-trips.sh to regenerate the table.
/// </summary>
public sealed class RoundTripTableTests(RedisEnvironment redis)
{
    // Each scenario runs once to warm up (scripts loaded), then this many times, which must agree on every command; each
    // row keeps the fewest round trips measured, since a busy machine can split a round trip in two, never join two.
    private const int Runs = 3;

    // Interfaces of the library that never reach Redis, and why.
    private static readonly Dictionary<Type, string> s_local = new()
    {
        [typeof(IStoreSerializer)] = "it serializes in process",
    };

    private static readonly object s_gate = new();
    private static Task<List<(Scenario Scenario, Cost Cost)>>? s_measured;

    [Fact]
    public void Every_public_operation_has_a_row()
    {
        var scenarios = RoundTripScenarios.All;
        var sections = RoundTripScenarios.Sections;
        var failures = new List<string>();
        var covered = scenarios.Select(s => (s.Interface, s.Method)).ToHashSet();
        var interfaces = typeof(ITaskStore).Assembly.GetExportedTypes().Where(t => t.IsInterface && !s_local.ContainsKey(t)).OrderBy(t => t.Name).ToList();
        foreach (var type in interfaces)
        {
            if (!sections.Any(s => s.Interface == type || s.Others.Contains(type)))
            {
                failures.Add($"{type.Name} belongs to no section of the round-trip table: add it to a Section in tests/RedisStores.Tests/RoundTrips/RoundTripScenarios.*.cs (or to {nameof(RoundTripTableTests)}.s_local if it never reaches Redis).");
            }

            var methods = Operations(type);
            failures.AddRange(methods.GroupBy(m => m.Name).Where(g => g.Count() > 1).Select(g =>
                $"{type.Name}.{g.Key} has overloads; rows name methods by name only, so give the scenario a way to tell them apart before adding a row for each."));
            failures.AddRange(methods.Where(m => !covered.Contains((type, m.Name))).Select(m =>
                $"{type.Name}.{m.Name} has no row in the round-trip table. Add a scenario for it in tests/RedisStores.Tests/RoundTrips/RoundTripScenarios.*.cs " +
                $"(the file of its store): Row(nameof({type.Name}.{m.Name}), \"<the state it runs in>\", async (s, m) => {{ <arrange>; await m.MeasureAsync(() => <one call>); }}), " +
                $"then regenerate docs/round-trips.md with {RoundTripDocument.UpdateCommand}."));
        }

        failures.AddRange(scenarios.Where(s => !Operations(s.Interface).Any(m => m.Name == s.Method)).Select(s =>
            $"The row \"{s.Operation}\" names {s.Interface.Name}.{s.Method}, which does not exist: remove or rename the scenario."));
        failures.AddRange(scenarios.GroupBy(s => (s.Section, s.Operation)).Where(g => g.Count() > 1).Select(g =>
            $"Two rows read \"{g.Key.Operation}\": give them different states."));
        Assert.True(failures.Count == 0, string.Join("\n\n", failures));
    }

    [Fact]
    public async Task Every_single_entity_operation_is_one_round_trip_unless_its_row_says_why()
    {
        var measured = await MeasuredAsync();
        var failures = new List<string>();
        foreach (var (scenario, cost) in measured)
        {
            var row = RoundTripDocument.Row(scenario, cost);
            if (scenario.Exception is not null && !scenario.SingleEntity)
            {
                failures.Add($"\"{scenario.Operation}\" is not a single-entity operation, so the rule has no exception to make for it; drop its Exception, or say why in its Notes.\n  {row}");
            }
            else if (scenario.SingleEntity && scenario.Exception is null && cost.RoundTrips > 1)
            {
                failures.Add($"\"{scenario.Operation}\" takes {cost.RoundTrips} round trips; a single-entity operation takes one. Make it one, or give its row an Exception that says why.\n  {row}");
            }
            else if (scenario.Exception is not null && cost.RoundTrips <= 1)
            {
                failures.Add($"\"{scenario.Operation}\" now takes {cost.RoundTrips} round trip(s): remove the Exception from its row.\n  {row}");
            }
        }

        Assert.True(failures.Count == 0, string.Join("\n\n", failures));
    }

    [Fact]
    public async Task Docs_round_trips_md_shows_what_every_operation_costs()
    {
        var expected = RoundTripDocument.Render(RoundTripScenarios.Sections, await MeasuredAsync());
        var path = RoundTripDocument.Path;
        var file = File.Exists(path) ? await File.ReadAllTextAsync(path, TestContext.Current.CancellationToken) : string.Empty;
        if (Environment.GetEnvironmentVariable(RoundTripDocument.UpdateVariable) == "1")
        {
            await File.WriteAllTextAsync(path, RoundTripDocument.Replace(file, expected), TestContext.Current.CancellationToken);
            return;
        }

        var differences = RoundTripDocument.Differences(file, expected);
        Assert.True(
            differences.Count == 0,
            $"docs/round-trips.md does not show what the operations cost now.\n\n{string.Join("\n\n", differences)}\n\n" +
            $"Paste the measured rows, or regenerate the whole table: {RoundTripDocument.UpdateCommand} (runs this test with {RoundTripDocument.UpdateVariable}=1).");
    }

    // The public methods of an interface and of the interfaces it extends (DisposeAsync of a handle releases its lock).
    private static List<System.Reflection.MethodInfo> Operations(Type type)
        => [.. type.GetMethods().Concat(type.GetInterfaces().SelectMany(i => i.GetMethods())).Where(m => !m.IsSpecialName)];

    // Measured once per test run, for both tests that need it.
    private Task<List<(Scenario Scenario, Cost Cost)>> MeasuredAsync()
    {
        lock (s_gate)
        {
            return s_measured ??= MeasureAllAsync(redis);
        }
    }

    private static async Task<List<(Scenario Scenario, Cost Cost)>> MeasureAllAsync(RedisEnvironment redis)
    {
        await using var server = await redis.StartOwnServerAsync();
        var configuration = ConfigurationOptions.Parse(server.EndPoint);
        configuration.AllowAdmin = true;

        // No keep-alive or configuration check of the client's own may land in a measurement.
        configuration.KeepAlive = 3600;
        configuration.ConfigCheckSeconds = 3600;
        await using var connection = await ConnectionMultiplexer.ConnectAsync(configuration);
        Meter.Attach(connection);

        var scenarios = RoundTripScenarios.All;
        var runs = scenarios.Select(_ => new List<Cost>()).ToArray();
        for (var pass = 0; pass <= Runs; pass++)
        {
            for (var i = 0; i < scenarios.Count; i++)
            {
                var cost = await RunAsync(scenarios[i], connection);
                if (pass > 0)
                {
                    runs[i].Add(cost);
                }
            }
        }

        return [.. scenarios.Select((s, i) => (s, Cost.Agreed(runs[i], s.Operation)))];
    }

    private static async Task<Cost> RunAsync(Scenario scenario, IConnectionMultiplexer connection)
    {
        var meter = new Meter(connection);
        try
        {
            await using var scope = new Scope(connection);
            await scenario.Run(scope, meter);
        }
        catch (Exception ex) when (ex is not RedisUnavailableException)
        {
            throw new InvalidOperationException($"The round-trip scenario \"{scenario.Operation}\" ({scenario.Section.Title}) failed: {ex.Message}", ex);
        }

        return meter.Cost ?? throw new InvalidOperationException($"The round-trip scenario \"{scenario.Operation}\" ({scenario.Section.Title}) measured nothing: call MeasureAsync once.");
    }
}
