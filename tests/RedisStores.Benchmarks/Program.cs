// RedisStores benchmarks. Usage:
//   dotnet run -c Release --project tests/RedisStores.Benchmarks [-- --quick] [--redis host:port] [--only tasks|locks|cache|workers|messaging]
//   dotnet run -c Release --project tests/RedisStores.Benchmarks -- --inprocess [BenchmarkDotNet arguments, e.g. --filter '*']
// The load driver starts its own redis-server on a free loopback port unless --redis is given, and stops it at the end.
// --inprocess runs the BenchmarkDotNet benchmarks of in-process paths (no Redis).
using System.Globalization;
using BenchmarkDotNet.Running;
using RedisStores.Benchmarks;
using StackExchange.Redis;

if (args.Length > 0 && args[0] == "--inprocess")
{
    BenchmarkSwitcher.FromAssembly(typeof(LoadDriver).Assembly).Run(args[1..]);
    return;
}

var quick = args.Contains("--quick");
var external = args.SkipWhile(a => a != "--redis").Skip(1).FirstOrDefault();
var only = args.SkipWhile(a => a != "--only").Skip(1).FirstOrDefault();
using var redis = external is null ? await BenchmarkRedis.StartAsync() : BenchmarkRedis.External(external);
await using var connection = await ConnectionMultiplexer.ConnectAsync($"{redis.EndPoint},allowAdmin=true");
var driver = new LoadDriver(connection, TimeSpan.FromSeconds(quick ? 1 : 3));

Console.WriteLine($"RedisStores benchmark: Redis {connection.GetServers().Single().Version} at {redis.EndPoint}, {Environment.ProcessorCount} cores, .NET {Environment.Version}, {(quick ? "quick" : "full")} run");
Console.WriteLine();
Console.WriteLine("| operation | concurrency | ops/s | p50 µs | p99 µs | bytes/op | Redis commands/op | round trips/op |");
Console.WriteLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
var rows = new List<Row>();
if (only is null or "tasks")
{
    rows.AddRange(await TaskStoreBenchmarks.RunOperationsAsync(connection, driver, [1, 64]));
}

if (only is null or "locks")
{
    rows.AddRange(await LockAndSessionBenchmarks.RunAsync(connection, driver, [1, 64]));
}

if (only is null or "cache")
{
    rows.AddRange(await CacheBenchmarks.RunAsync(connection, driver, [1, 64]));
    rows.AddRange(await CacheAnchorBenchmarks.RunAsync(connection, driver, [1, 64]));
}

if (only is null or "workers")
{
    rows.AddRange(await WorkerBenchmarks.RunAsync(connection, driver, [1, 8, 64]));
}

if (only is null or "messaging")
{
    rows.AddRange(await MessagingBenchmarks.RunAsync(connection, redis.EndPoint, driver, [1, 64]));
}

foreach (var row in rows)
{
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"| {row.Operation} | {row.Concurrency} | {row.OpsPerSecond:N0} | {Micros(row.P50Micros)} | {Micros(row.P99Micros)} | {row.BytesPerOp:N0} | {row.CommandsPerOp:F1} | {row.RoundTripsPerOp:F2} |"));
}

Console.WriteLine();
Console.WriteLine("Listing (page of 100) and stats, median of 201 calls, as the keyspace and the store grow:");
Console.WriteLine();
Console.WriteLine("| tasks in store | unrelated keys | keys in Redis | list µs | stats µs |");
Console.WriteLine("| ---: | ---: | ---: | ---: | ---: |");
foreach (var line in only is not (null or "tasks") ? [] : await TaskStoreBenchmarks.RunScalingAsync(connection, largeStore: quick ? 20_000 : 100_000, unrelatedKeys: quick ? 200_000 : 1_000_000))
{
    Console.WriteLine(line);
}

// Memory-cache hits take well under a microsecond: one decimal below 10 µs.
static string Micros(double value) => value.ToString(value < 10 ? "F1" : "F0", CultureInfo.InvariantCulture);
