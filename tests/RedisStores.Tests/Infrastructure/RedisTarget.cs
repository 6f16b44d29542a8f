using StackExchange.Redis;

namespace RedisStores.Tests.Infrastructure;

/// <summary>A Redis deployment the tests run against: its configuration string and a shared connection.</summary>
public sealed class RedisTarget : IAsyncDisposable
{
    private RedisTarget(string name, string configuration, IConnectionMultiplexer connection, IReadOnlyList<RedisServerProcess> servers)
    {
        Name = name;
        Configuration = configuration;
        Connection = connection;
        Servers = servers;
    }

    public string Name { get; }

    /// <summary>A StackExchange.Redis configuration string (admin commands allowed, for tests only).</summary>
    public string Configuration { get; }

    /// <summary>One connection shared by the tests on this target.</summary>
    public IConnectionMultiplexer Connection { get; }

    /// <summary>The processes this run started for the target; empty when the target was given from outside.</summary>
    public IReadOnlyList<RedisServerProcess> Servers { get; }

    public static async Task<RedisTarget> ConnectAsync(string name, string configuration, IReadOnlyList<RedisServerProcess> servers)
    {
        var options = ConfigurationOptions.Parse(configuration);
        options.AllowAdmin = true;
        options.AbortOnConnectFail = true;
        options.ConnectTimeout = 10_000;
        var connection = await ConnectionMultiplexer.ConnectAsync(options);
        return new RedisTarget(name, options.ToString(includePassword: true), connection, servers);
    }

    /// <summary>A second, independent connection: another "instance" of the application.</summary>
    public async Task<IConnectionMultiplexer> ConnectAnotherAsync()
    {
        var options = ConfigurationOptions.Parse(Configuration);
        return await ConnectionMultiplexer.ConnectAsync(options);
    }

    public async ValueTask DisposeAsync()
    {
        await Connection.DisposeAsync();
        foreach (var server in Servers)
        {
            await server.DisposeAsync();
        }
    }
}
