using System.Threading.Channels;
using RedisStores.Caching;
using RedisStores.Messaging;
using RedisStores.Sessions;
using RedisStores.Tasks;
using RedisStores.Tests.Infrastructure;
using RedisStores.Workers;

namespace RedisStores.Tests.Messaging;

/// <summary>The stores announce their changes on the documented topics, in memory and on Redis alike.</summary>
public sealed class StoreNotificationTests(RedisEnvironment redis)
{
    public enum Backend
    {
        Memory,
        Standalone,
        Cluster,
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(Backend.Memory)]
    [InlineData(Backend.Standalone)]
    [InlineData(Backend.Cluster)]
    public async Task Task_status_changes_are_announced(Backend backend)
    {
        var (bus, options) = NewBus(backend);
        var tasks = backend == Backend.Memory ? new InMemoryTaskStore(options, null, null, bus) : (ITaskStore)new RedisTaskStore(Connection(backend), options);
        var heard = Channel.CreateUnbounded<TaskStatusChange>();
        await using var subscription = await bus.SubscribeAsync<TaskStatusChange>(StoreTopics.TaskStatus, (m, ct) => heard.Writer.WriteAsync(m.Payload, ct), cancellationToken: Ct);
        var task = await tasks.CreateAsync(cancellationToken: Ct);

        await tasks.UpdateStatusAsync(task.Id, TaskState.InputRequired, "which file?", Ct);
        await tasks.SetResultAsync(task.Id, 7, cancellationToken: Ct);

        Assert.Equal(new TaskStatusChange(task.Id, "input_required", "which file?"), await NextAsync(heard));
        var done = await NextAsync(heard);
        Assert.Equal(new TaskStatusChange(task.Id, "completed", null), done);
        Assert.Equal(TaskState.Completed, done.State);
    }

    [Theory]
    [InlineData(Backend.Memory)]
    [InlineData(Backend.Standalone)]
    [InlineData(Backend.Cluster)]
    public async Task Session_events_are_announced(Backend backend)
    {
        var (bus, options) = NewBus(backend);
        var sessions = backend == Backend.Memory ? new InMemorySessionStore(options, null, null, bus) : (ISessionStore)new RedisSessionStore(Connection(backend), options);
        var heard = Channel.CreateUnbounded<SessionEventAppended>();
        await using var subscription = await bus.SubscribeAsync<SessionEventAppended>(StoreTopics.SessionEvents, (m, ct) => heard.Writer.WriteAsync(m.Payload, ct), cancellationToken: Ct);
        await sessions.SetAsync("s1", new { user = "ada" }, cancellationToken: Ct);

        await sessions.AppendEventAsync("s1", new { page = "/home" }, Ct);
        await sessions.AppendEventAsync("s1", new { page = "/cart" }, Ct);

        Assert.Equal(new SessionEventAppended("s1", 1), await NextAsync(heard));
        Assert.Equal(new SessionEventAppended("s1", 2), await NextAsync(heard));
    }

    [Theory]
    [InlineData(Backend.Memory)]
    [InlineData(Backend.Standalone)]
    [InlineData(Backend.Cluster)]
    public async Task Finished_jobs_are_announced(Backend backend)
    {
        var (bus, options) = NewBus(backend);
        options.Workers.RetryBaseDelay = TimeSpan.Zero;
        options.Workers.RetryMaxDelay = TimeSpan.Zero;
        var workers = backend == Backend.Memory ? new InMemoryWorkerStore(options, null, null, bus) : (IWorkerStore)new RedisWorkerStore(Connection(backend), options);
        var heard = Channel.CreateUnbounded<JobFinished>();
        await using var subscription = await bus.SubscribeAsync<JobFinished>(StoreTopics.WorkerJobs, (m, ct) => heard.Writer.WriteAsync(m.Payload, ct), cancellationToken: Ct);
        var job = await workers.EnqueueAsync("q", 1, new EnqueueOptions { MaxAttempts = 2 }, Ct);

        await workers.FailAsync((await workers.LeaseAsync<int>("q", cancellationToken: Ct))!, "first try", Ct);
        await workers.AckAsync((await workers.LeaseAsync<int>("q", cancellationToken: Ct))!, Ct);
        var other = await workers.EnqueueAsync("q", 2, cancellationToken: Ct);
        await workers.DeadLetterAsync((await workers.LeaseAsync<int>("q", cancellationToken: Ct))!, "poison", Ct);
        var third = await workers.EnqueueAsync("q", 3, cancellationToken: Ct);
        var fourth = await workers.EnqueueAsync("q", 4, cancellationToken: Ct);
        var next = await workers.AckAndLeaseNextAsync((await workers.LeaseAsync<int>("q", cancellationToken: Ct))!, cancellationToken: Ct);
        await workers.AckAsync(next!, Ct);

        Assert.Equal(new JobFinished("q", job.JobId, "retrying", 1), await NextAsync(heard));
        Assert.Equal(new JobFinished("q", job.JobId, "completed", 2), await NextAsync(heard));
        Assert.Equal(new JobFinished("q", other.JobId, "dead", 1), await NextAsync(heard));
        Assert.Equal(new JobFinished("q", third.JobId, "completed", 1), await NextAsync(heard));
        Assert.Equal(new JobFinished("q", fourth.JobId, "completed", 1), await NextAsync(heard));
    }

    [Theory]
    [InlineData(Backend.Memory)]
    [InlineData(Backend.Standalone)]
    [InlineData(Backend.Cluster)]
    public async Task Cache_writes_removals_and_namespace_invalidations_are_announced(Backend backend)
    {
        var (bus, options) = NewBus(backend);
        await using var cache = backend == Backend.Memory ? null : new RedisCacheStore(Connection(backend), options);
        var store = cache ?? (ICacheStore)new InMemoryCacheStore(options, null, null, null, bus);
        var heard = Channel.CreateUnbounded<CacheInvalidated>();
        await using var subscription = await bus.SubscribeAsync<CacheInvalidated>(StoreTopics.CacheInvalidations, (m, ct) => heard.Writer.WriteAsync(m.Payload, ct), cancellationToken: Ct);

        await store.SetAsync("user:1", "ada", cancellationToken: Ct);
        await store.SetManyAsync([KeyValuePair.Create("a", 1), KeyValuePair.Create("b", 2)], cancellationToken: Ct);
        await store.RemoveAsync("user:1", Ct);
        await store.InvalidateNamespaceAsync("tenant", Ct);

        // On a cluster each write's message may come from another node, so only per-slot order holds: compare as sets.
        var seen = new List<string>();
        while (seen.Count < 5)
        {
            var message = await NextAsync(heard);
            seen.AddRange(message.Namespace is { } ns ? [$"namespace {ns} ({message.Keys.Count} keys)"] : message.Keys);
        }

        Assert.Equal(["a", "b", "namespace tenant (0 keys)", "user:1", "user:1"], seen.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task A_change_the_bus_refuses_to_carry_still_stands_and_does_not_throw()
    {
        var options = new RedisStoresOptions();
        options.Messaging.MaxMessageBytes = 50;
        var bus = new InMemoryMessageBus(options);
        var tasks = new InMemoryTaskStore(options, null, null, bus);
        var task = await tasks.CreateAsync(cancellationToken: Ct);

        var updated = await tasks.UpdateStatusAsync(task.Id, TaskState.InputRequired, new string('x', 500), Ct);

        Assert.Equal(TaskState.InputRequired, updated.Status);
    }

    [Fact]
    public async Task Redis_task_waits_are_woken_whatever_serializer_the_store_uses_for_results()
    {
        var options = new RedisStoresOptions { KeyPrefix = RedisEnvironment.UniquePrefix() };
        var caseSensitive = new RedisStores.Serialization.JsonStoreSerializer(new System.Text.Json.JsonSerializerOptions());
        await using var tasks = new RedisTaskStore(redis.Standalone.Connection, options, caseSensitive) { SafetyPoll = TimeSpan.FromHours(1) };
        var task = await tasks.CreateAsync(cancellationToken: Ct);
        var waiting = tasks.WaitForCompletionAsync(task.Id, TimeSpan.FromMinutes(5), Ct).AsTask();
        await Task.Delay(200, Ct);

        await tasks.SetResultAsync(task.Id, "done", cancellationToken: Ct);

        Assert.Equal(TaskState.Completed, (await waiting.WaitAsync(TimeSpan.FromSeconds(30), Ct)).Status);
    }

    [Fact]
    public async Task A_subscribe_while_redis_is_down_fails_and_leaves_nothing_behind()
    {
        var port = RedisServerProcess.FreePort(needsBusPort: false);
        var server = await redis.StartOwnServerAsync(port);
        await using var connection = await StackExchange.Redis.ConnectionMultiplexer.ConnectAsync($"{server.EndPoint},allowAdmin=true,abortConnect=false,connectRetry=1");
        var options = new RedisStoresOptions { KeyPrefix = RedisEnvironment.UniquePrefix() };
        var bus = new RedisMessageBus(connection, options);
        await server.DisposeAsync();
        await Caching.CacheTestSupport.WaitUntilAsync(() => !connection.IsConnected, "the connection notices the server is gone");

        await Assert.ThrowsAsync<StoreUnavailableException>(() => bus.SubscribeAsync<int>("down", (_, _) => ValueTask.CompletedTask, cancellationToken: Ct).AsTask());

        await using var restarted = await redis.StartOwnServerAsync(port);
        await Caching.CacheTestSupport.WaitUntilAsync(() => connection.IsConnected, "the connection is back");
        await Task.Delay(500, Ct);
        Assert.Equal(0, (long)(await connection.GetDatabase().ExecuteAsync("PUBSUB", "NUMSUB", options.KeyPrefix + "bus:down"))[1]);
    }

    private static async Task<T> NextAsync<T>(Channel<T> heard)
        => await heard.Reader.ReadAsync(Ct).AsTask().WaitAsync(TimeSpan.FromSeconds(15), Ct);

    private StackExchange.Redis.IConnectionMultiplexer Connection(Backend backend)
        => redis.Get(backend == Backend.Cluster ? RedisTopology.Cluster : RedisTopology.Standalone).Connection;

    private (IMessageBus Bus, RedisStoresOptions Options) NewBus(Backend backend)
    {
        var options = new RedisStoresOptions { KeyPrefix = RedisEnvironment.UniquePrefix() };
        return (backend == Backend.Memory ? new InMemoryMessageBus(options) : new RedisMessageBus(Connection(backend), options), options);
    }
}
