using RedisStores.Tasks;
using RedisStores.Tests.Infrastructure;

namespace RedisStores.Tests.Tasks;

/// <summary>Two application processes sharing one Redis see one set of tasks.</summary>
public sealed class RedisTaskStoreProcessTests(RedisEnvironment redis)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_task_created_here_is_completed_by_another_process_and_read_back_here()
    {
        var prefix = RedisEnvironment.UniquePrefix();
        var store = new RedisTaskStore(redis.Standalone.Connection, new RedisStoresOptions { KeyPrefix = prefix });
        var task = await store.CreateAsync(cancellationToken: Ct);

        var reply = await TestHostProcess.RunAsync(redis.Standalone.Configuration, prefix, "task-complete", task.Id, "done elsewhere");

        Assert.Equal("ok Completed", reply);
        var result = await store.GetResultAsync<string>(task.Id, Ct);
        Assert.Equal(TaskState.Completed, result!.Status);
        Assert.Equal("done elsewhere", result.Value);
    }

    [Fact]
    public async Task A_task_created_by_another_process_on_the_cluster_is_seen_here()
    {
        var prefix = RedisEnvironment.UniquePrefix();
        var store = new RedisTaskStore(redis.Cluster.Connection, new RedisStoresOptions { KeyPrefix = prefix });

        Assert.Equal("ok Working", await TestHostProcess.RunAsync(redis.Cluster.Configuration, prefix, "task-create", "made-elsewhere"));

        var task = await store.GetAsync("made-elsewhere", Ct);
        Assert.Equal("from another process", task!.StatusMessage);
        Assert.Equal(1, (await store.GetStatsAsync(Ct)).Working);
        await store.UpdateStatusAsync("made-elsewhere", TaskState.Cancelled, "stopped here", Ct);
        Assert.Equal("ok Cancelled stopped here", await TestHostProcess.RunAsync(redis.Cluster.Configuration, prefix, "task-get", "made-elsewhere"));
    }
}
