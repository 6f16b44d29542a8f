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

        Assert.Equal(new JobFinished("q", job.JobId, "retrying", 1), await NextAsync(heard));
        Assert.Equal(new JobFinished("q", job.JobId, "completed", 2), await NextAsync(heard));
        Assert.Equal(new JobFinished("q", other.JobId, "dead", 1), await NextAsync(heard));
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

        Assert.Equal(["user:1"], (await NextAsync(heard)).Keys);
        var batch = await NextAsync(heard); // one message per cluster slot on Redis Cluster
        var keys = batch.Keys.ToList();
        while (keys.Count < 2)
        {
            keys.AddRange((await NextAsync(heard)).Keys);
        }

        Assert.Equal(["a", "b"], keys.Order(StringComparer.Ordinal));
        Assert.Equal(new[] { "user:1" }, (await NextAsync(heard)).Keys);
        var invalidated = await NextAsync(heard);
        Assert.Equal("tenant", invalidated.Namespace);
        Assert.Empty(invalidated.Keys);
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
