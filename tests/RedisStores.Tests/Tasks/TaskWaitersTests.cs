using RedisStores.Tasks;

namespace RedisStores.Tests.Tasks;

/// <summary>The waiting loop's handling of a subscription that is still being made when the first read goes out.</summary>
public sealed class TaskWaitersTests
{
    [Fact]
    public async Task A_change_made_while_the_subscription_is_being_made_is_read_before_sleeping()
    {
        var waiters = new TaskWaiters();
        var subscribing = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var reads = 0;

        // The first read sees the task working; the task finishes before the subscription is live, so no notification
        // will ever come. Only a second read, made once the subscription is live, can see it finished.
        ValueTask<TaskRecord?> Read(string id, CancellationToken _)
        {
            reads++;
            if (reads == 1)
            {
                subscribing.SetResult();
            }

            return ValueTask.FromResult<TaskRecord?>(Record(id, reads == 1 ? TaskState.Working : TaskState.Completed));
        }

        var finished = await waiters.WaitAsync(Read, "t1", Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan, TimeProvider.System, TestContext.Current.CancellationToken, subscribing.Task)
            .AsTask().WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);

        Assert.Equal(TaskState.Completed, finished.Status);
        Assert.Equal(2, reads);
    }

    [Fact]
    public async Task A_finished_task_is_returned_without_waiting_for_the_subscription()
    {
        var waiters = new TaskWaiters();
        var never = new TaskCompletionSource();

        var finished = await waiters.WaitAsync((id, _) => ValueTask.FromResult<TaskRecord?>(Record(id, TaskState.Failed)), "t1", Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan,
            TimeProvider.System, TestContext.Current.CancellationToken, never.Task).AsTask().WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);

        Assert.Equal(TaskState.Failed, finished.Status);
    }

    [Fact]
    public async Task A_failed_subscription_fails_the_wait()
    {
        var waiters = new TaskWaiters();
        var failed = Task.FromException(new StoreUnavailableException("subscription failed"));

        await Assert.ThrowsAsync<StoreUnavailableException>(async () => await waiters.WaitAsync((id, _) => ValueTask.FromResult<TaskRecord?>(Record(id, TaskState.Working)), "t1",
            Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan, TimeProvider.System, TestContext.Current.CancellationToken, failed));
    }

    private static TaskRecord Record(string id, TaskState status) => new()
    {
        Id = id,
        Status = status,
        CreatedAt = DateTimeOffset.UnixEpoch,
        LastUpdatedAt = DateTimeOffset.UnixEpoch,
        Ttl = TimeSpan.FromHours(1),
        PollInterval = TimeSpan.FromSeconds(1),
    };
}
