using System.Diagnostics;
using Testcontainers.Redis;

[assembly: AssemblyFixture(typeof(RedisStores.Tests.Infrastructure.RedisEnvironment))]

namespace RedisStores.Tests.Infrastructure;

/// <summary>
/// The Redis servers of a test run, shared by every test: a standalone server and a 3-master cluster.
/// Each comes from, in order: an environment variable (<c>REDIS_URL</c>; <c>REDISSTORES_TEST_CLUSTER</c> with
/// comma-separated node addresses), redis-server processes started here on free loopback ports, or, for the
/// standalone server only, a Testcontainers container when a Docker engine is reachable. When none can be had,
/// every Redis test fails with <see cref="HowToGetRedis"/>: a Redis test never passes or skips without Redis.
/// </summary>
public sealed class RedisEnvironment : IAsyncLifetime
{
    public const string HowToGetRedis =
        "Redis tests need a real Redis. Run tests/run.sh (it installs redis-server and redis-tools with apt-get), " +
        "or install them yourself (apt-get install redis-server redis-tools), or set REDIS_URL (and REDISSTORES_TEST_CLUSTER " +
        "for a cluster: host:port,host:port,...), or start a Docker engine for Testcontainers.";

    private static int s_prefixCounter;
    private readonly string _workRoot;
    private RedisTarget? _standalone;
    private RedisTarget? _cluster;
    private RedisContainer? _container;
    private Exception? _standaloneError;
    private Exception? _clusterError;

    public RedisEnvironment()
    {
        var root = Environment.GetEnvironmentVariable("REDISSTORES_TEST_WORKDIR");
        _workRoot = Path.Combine(string.IsNullOrEmpty(root) ? Path.GetTempPath() : root, $"redisstores-tests-{Environment.ProcessId}");
    }

    /// <summary>The standalone server; throws with <see cref="HowToGetRedis"/> when there is none.</summary>
    public RedisTarget Standalone => _standalone ?? throw new RedisUnavailableException("standalone", _standaloneError);

    /// <summary>The 3-master cluster; throws with <see cref="HowToGetRedis"/> when there is none.</summary>
    public RedisTarget Cluster => _cluster ?? throw new RedisUnavailableException("cluster", _clusterError);

    public RedisTarget Get(RedisTopology topology) => topology == RedisTopology.Cluster ? Cluster : Standalone;

    /// <summary>A key prefix no other test uses, so tests can share a server and still list exactly their own data.</summary>
    public static string UniquePrefix(string stem = "redisstores:test")
        => $"{stem}-{Interlocked.Increment(ref s_prefixCounter)}-{Guid.NewGuid().ToString("N")[..8]}:";

    /// <summary>
    /// A redis-server of the test's own, for tests that stop or restart it. The test disposes it; should the test
    /// host crash first, tests/run.sh stops it by the pid file it leaves.
    /// </summary>
    public Task<RedisServerProcess> StartOwnServerAsync(int? port = null)
    {
        var redisServer = RedisServerBinary()
            ?? throw new RedisUnavailableException("server of its own", new InvalidOperationException("no redis-server on PATH"));
        return RedisServerProcess.StartAsync(redisServer, _workRoot, cluster: false, CancellationToken.None, port);
    }

    /// <summary>A test's own prefix: under the default <c>redisstores:</c>, or a non-default one for the prefixed runs.</summary>
    public static string PrefixFor(RedisTopology topology, string store)
        => topology == RedisTopology.Prefixed ? UniquePrefix($"acme.billing/{store}") : UniquePrefix();

    public async ValueTask InitializeAsync()
    {
        Directory.CreateDirectory(_workRoot);
        var redisServer = RedisServerBinary();
        var standalone = StartStandaloneAsync(redisServer);
        var cluster = StartClusterAsync(redisServer);
        (_standalone, _standaloneError) = await Capture(standalone);
        (_cluster, _clusterError) = await Capture(cluster);
    }

    public async ValueTask DisposeAsync()
    {
        if (_standalone is not null)
        {
            await _standalone.DisposeAsync();
        }

        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }

        if (_container is not null)
        {
            await _container.DisposeAsync();
        }

        try
        {
            Directory.Delete(_workRoot, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private async Task<RedisTarget> StartStandaloneAsync(string? redisServer)
    {
        var url = Environment.GetEnvironmentVariable("REDIS_URL");
        if (!string.IsNullOrWhiteSpace(url))
        {
            return await RedisTarget.ConnectAsync("standalone", ToConfigurationString(url), []);
        }

        if (redisServer is not null)
        {
            var server = await RedisServerProcess.StartAsync(redisServer, _workRoot, cluster: false, CancellationToken.None);
            return await RedisTarget.ConnectAsync("standalone", server.EndPoint, [server]);
        }

        if (DockerLooksReachable())
        {
            _container = new RedisBuilder("redis:7.0").Build();
            await _container.StartAsync();
            return await RedisTarget.ConnectAsync("standalone", _container.GetConnectionString(), []);
        }

        throw new InvalidOperationException("No redis-server on PATH, no REDIS_URL, and no Docker engine.");
    }

    private async Task<RedisTarget> StartClusterAsync(string? redisServer)
    {
        var nodes = Environment.GetEnvironmentVariable("REDISSTORES_TEST_CLUSTER");
        if (!string.IsNullOrWhiteSpace(nodes))
        {
            return await RedisTarget.ConnectAsync("cluster", nodes, []);
        }

        var redisCli = FindOnPath("redis-cli");
        if (redisServer is null || redisCli is null || Environment.GetEnvironmentVariable("REDISSTORES_TEST_REDIS_SERVER") == "none")
        {
            throw new InvalidOperationException("A cluster needs redis-server and redis-cli on PATH (package redis-tools), or REDISSTORES_TEST_CLUSTER.");
        }

        var servers = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => RedisServerProcess.StartAsync(redisServer, _workRoot, cluster: true, CancellationToken.None)));
        try
        {
            var create = new List<string> { "--cluster", "create" };
            create.AddRange(servers.Select(s => s.EndPoint));
            create.AddRange(["--cluster-replicas", "0", "--cluster-yes"]);
            await RunAsync(redisCli, create);
            foreach (var server in servers)
            {
                await WaitForClusterOkAsync(redisCli, server);
            }

            return await RedisTarget.ConnectAsync("cluster", string.Join(",", servers.Select(s => s.EndPoint)), servers);
        }
        catch
        {
            foreach (var server in servers)
            {
                await server.DisposeAsync();
            }

            throw;
        }
    }

    private static async Task WaitForClusterOkAsync(string redisCli, RedisServerProcess server)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var info = await RunAsync(redisCli, ["-h", "127.0.0.1", "-p", server.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "cluster", "info"]);
            if (info.Contains("cluster_state:ok", StringComparison.Ordinal))
            {
                return;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"Cluster node {server.EndPoint} did not reach cluster_state:ok within 30 s.");
            }

            await Task.Delay(100);
        }
    }

    private static async Task<string> RunAsync(string file, IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo(file) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {file}.");
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{Path.GetFileName(file)} {string.Join(' ', arguments)} failed ({process.ExitCode}): {await error} {await output}");
        }

        return await output;
    }

    private static async Task<(RedisTarget?, Exception?)> Capture(Task<RedisTarget> start)
    {
        try
        {
            return (await start, null);
        }
        catch (Exception ex)
        {
            return (null, ex);
        }
    }

    // Tests connect with StackExchange.Redis directly, so a redis:// URL is turned into its configuration string.
    private static string ToConfigurationString(string url)
    {
        if (!url.Contains("://", StringComparison.Ordinal))
        {
            return url;
        }

        var uri = new Uri(url);
        var parts = new List<string> { $"{uri.Host}:{(uri.Port > 0 ? uri.Port : 6379)}" };
        if (!string.IsNullOrEmpty(uri.UserInfo))
        {
            var userInfo = uri.UserInfo.Split(':', 2);
            if (userInfo.Length == 2)
            {
                if (userInfo[0].Length > 0)
                {
                    parts.Add("user=" + Uri.UnescapeDataString(userInfo[0]));
                }

                parts.Add("password=" + Uri.UnescapeDataString(userInfo[1]));
            }
        }

        if (uri.Scheme == "rediss")
        {
            parts.Add("ssl=true");
        }

        return string.Join(",", parts);
    }

    // REDISSTORES_TEST_REDIS_SERVER names another redis-server binary, or "none" to act as if there were none.
    private static string? RedisServerBinary()
    {
        var configured = Environment.GetEnvironmentVariable("REDISSTORES_TEST_REDIS_SERVER");
        if (string.IsNullOrEmpty(configured))
        {
            return FindOnPath("redis-server");
        }

        return configured == "none" ? null : configured;
    }

    private static bool DockerLooksReachable()
        => !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("DOCKER_HOST")) || File.Exists("/var/run/docker.sock");

    private static string? FindOnPath(string name)
    {
        foreach (var directory in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator))
        {
            var candidate = Path.Combine(directory, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }
}
