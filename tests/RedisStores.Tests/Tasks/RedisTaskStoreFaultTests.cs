using Microsoft.Extensions.DependencyInjection;
using RedisStores.Tasks;
using RedisStores.Tests.Infrastructure;
using StackExchange.Redis;

namespace RedisStores.Tests.Tasks;

/// <summary>Faults injected for real: a redis-server process killed and restarted, a client connection killed.</summary>
public sealed class RedisTaskStoreFaultTests(RedisEnvironment redis)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_host_started_before_redis_works_once_redis_is_up_fails_typed_while_it_is_down_and_recovers()
    {
        var port = RedisServerProcess.FreePort(needsBusPort: false);
        var services = TestServices.WithEnvironment();
        services.AddRedisStores(o =>
        {
            o.RedisUrl = $"redis://127.0.0.1:{port}";
            o.ConfigureConnection = c =>
            {
                c.ConnectTimeout = 500;
                c.AsyncTimeout = 1000;
                c.SyncTimeout = 1000; // bounds how long commands wait in the backlog while disconnected
                c.ReconnectRetryPolicy = new LinearRetry(200);
            };
        });
        await using var provider = services.BuildServiceProvider();
        var store = provider.GetRequiredService<ITaskStore>();

        // Nothing listens yet: the store exists, and operations fail with the library's own exception.
        await Assert.ThrowsAsync<StoreUnavailableException>(() => store.GetAsync("any", Ct).AsTask());

        var server = await redis.StartOwnServerAsync(port);
        var task = await EventuallyAsync(() => store.CreateAsync(cancellationToken: Ct).AsTask());

        await server.DisposeAsync();
        await Assert.ThrowsAsync<StoreUnavailableException>(() => store.GetAsync(task.Id, Ct).AsTask());

        // A restarted server without persistence has lost the task; the store reconnects and reports it absent.
        await using var restarted = await redis.StartOwnServerAsync(port);
        Assert.Null(await EventuallyAsync(() => store.GetAsync(task.Id, Ct).AsTask()));
        var again = await store.CreateAsync(cancellationToken: Ct);
        Assert.Equal(again, await store.GetAsync(again.Id, Ct));
    }

    [Fact]
    public async Task A_killed_client_connection_reconnects_and_no_task_is_lost()
    {
        await using var connection = await redis.Standalone.ConnectAnotherAsync();
        var store = new RedisTaskStore(connection, new RedisStoresOptions { KeyPrefix = RedisEnvironment.UniquePrefix() });
        var task = await store.CreateAsync(cancellationToken: Ct);
        var clientId = (long)await connection.GetDatabase().ExecuteAsync("CLIENT", "ID");

        var admin = redis.Standalone.Connection.GetServers().Single();
        await admin.ExecuteAsync("CLIENT", "KILL", "ID", clientId);

        var read = await EventuallyAsync(() => store.GetAsync(task.Id, Ct).AsTask());
        Assert.Equal(task, read);
        Assert.Equal(TaskState.Completed, (await EventuallyAsync(() => store.SetResultAsync(task.Id, 1, cancellationToken: Ct).AsTask())).Status);
    }

    // Retries while Redis is unreachable (the client reconnects with back-off), for at most 30 seconds.
    private static async Task<T> EventuallyAsync<T>(Func<Task<T>> operation)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            try
            {
                return await operation();
            }
            catch (StoreUnavailableException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(100, Ct);
            }
        }
    }
}
