// RedisStores benchmarks. Usage (see docs/benchmarks.md):
//   dotnet run -c Release --project tests/RedisStores.Benchmarks -- --quick --write-docs
//       [--redis host:port] [--only tasks|locks|cache|workers|messaging|inprocess] [--passes N]
//   dotnet run -c Release --project tests/RedisStores.Benchmarks -- --inprocess [BenchmarkDotNet arguments, e.g. --filter '*']
// The load driver starts its own redis-server on a free loopback port unless --redis is given, and stops it at the end.
// --write-docs replaces the generated part of docs/benchmarks.md and draws docs/benchmarks.png.
using System.Diagnostics;
using System.Globalization;
using BenchmarkDotNet.Running;
using RedisStores.Benchmarks;
using StackExchange.Redis;

if (args.Length > 0 && args[0] == "--inprocess")
{
    BenchmarkSwitcher.FromAssembly(typeof(LoadDriver).Assembly).Run(args[1..], new ShortInProcessConfig());
    return;
}

var quick = args.Contains("--quick");
var writeDocs = args.Contains("--write-docs");
var external = Option("--redis");
var only = Option("--only");
var passes = int.Parse(Option("--passes") ?? "3", CultureInfo.InvariantCulture);
var clock = Stopwatch.StartNew();
using var redis = external is null ? await BenchmarkRedis.StartAsync() : BenchmarkRedis.External(external);
await using var connection = await ConnectionMultiplexer.ConnectAsync($"{redis.EndPoint},allowAdmin=true");
var duration = TimeSpan.FromSeconds(quick ? 1 : 3);
var driver = new LoadDriver(connection, duration);
int[] concurrencies = [1, 64];

var groups = new List<Group>
{
    new("tasks", () => TaskStoreBenchmarks.RunOperationsAsync(connection, driver, concurrencies)),
    new("locks", () => LockAndSessionBenchmarks.RunAsync(connection, driver, concurrencies)),
    new("cache", async () => [.. await CacheBenchmarks.RunAsync(connection, driver, concurrencies), .. await CacheAnchorBenchmarks.RunAsync(connection, driver, concurrencies)]),
    new("workers", () => WorkerBenchmarks.RunAsync(connection, driver, [1, 8, 64])),
    new("messaging", () => MessagingBenchmarks.RunAsync(connection, redis.EndPoint, driver, concurrencies)),
}.Where(g => only is null || g.Name == only).ToList();

// The keyspace-scaling comparison uses the sizes the targets name: 1M unrelated keys, 1k and 100k tasks.
Func<Task<IReadOnlyList<ScalingRow>>>? scaling = only is null or "tasks"
    ? () => TaskStoreBenchmarks.RunScalingAsync(connection, largeStore: 100_000, unrelatedKeys: 1_000_000)
    : null;

var server = connection.GetServers().Single();
var machine = Machine.Describe(server.Version, passes, duration);
Console.WriteLine(machine);
var results = await Suite.RunAsync(groups, scaling, passes, line => Console.WriteLine($"[{clock.Elapsed:mm\\:ss}] {line}"));
if (only is null or "inprocess")
{
    var values = InProcessSuite.Run(quick);
    results = [results[0] with { Values = values }, .. results.Skip(1)];
}

var markdown = Report.Markdown(results, machine, "benchmarks.png");
Console.WriteLine();
Console.WriteLine(markdown);
if (writeDocs)
{
    var docs = Path.Combine(Machine.RepositoryRoot(), "docs");
    Chart.Save(results, Path.Combine(docs, "benchmarks.png"));
    Machine.ReplaceGenerated(Path.Combine(docs, "benchmarks.md"), markdown);
    Console.WriteLine($"Wrote docs/benchmarks.md (generated part) and docs/benchmarks.png in {clock.Elapsed:mm\\:ss}.");
}

string? Option(string name) => args.SkipWhile(a => a != name).Skip(1).FirstOrDefault();
