using RedisStores.Tasks;

namespace RedisStores.Tests.Tasks;

// WaitForCompletionAsync: woken by the status notification, bounded by its timeout and token.
public abstract partial class TaskStoreConformanceTests
{
    [Theory]
    [InlineData(TaskState.Completed)]
    [InlineData(TaskState.Failed)]
    [InlineData(TaskState.Cancelled)]
    public async Task A_waiter_is_woken_when_the_task_reaches_a_final_status(TaskState final)
    {
        var store = CreateStore();
        var task = await store.CreateAsync(cancellationToken: Ct);
        var waiting = store.WaitForCompletionAsync(task.Id, TimeSpan.FromMinutes(5), Ct).AsTask();
        await Task.Delay(200, Ct);
        await store.UpdateStatusAsync(task.Id, TaskState.InputRequired, "which file?", Ct);
        await Task.Delay(200, Ct);
        Assert.False(waiting.IsCompleted); // a change that is not final does not end the wait

        if (final == TaskState.Completed)
        {
            await store.SetResultAsync(task.Id, 42, cancellationToken: Ct);
        }
        else
        {
            await store.UpdateStatusAsync(task.Id, final, "stopped", Ct);
        }

        var done = await waiting.WaitAsync(TimeSpan.FromSeconds(30), Ct);
        Assert.Equal(final, done.Status);
    }

    [Fact]
    public async Task A_final_task_returns_at_once_and_an_unknown_one_is_not_found()
    {
        var store = CreateStore();
        var task = await store.CreateAsync(cancellationToken: Ct);
        await store.SetResultAsync(task.Id, "done", cancellationToken: Ct);

        Assert.Equal(TaskState.Completed, (await store.WaitForCompletionAsync(task.Id, TimeSpan.Zero, Ct)).Status);
        await Assert.ThrowsAsync<EntityNotFoundException>(() => store.WaitForCompletionAsync("never-made", TimeSpan.FromSeconds(5), Ct).AsTask());
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => store.WaitForCompletionAsync(task.Id, TimeSpan.FromDays(2), Ct).AsTask());
        await Assert.ThrowsAsync<ArgumentException>(() => store.WaitForCompletionAsync("bad id", TimeSpan.Zero, Ct).AsTask());
    }

    [Fact]
    public async Task A_wait_ends_at_its_timeout_with_the_task_as_it_is_or_when_cancelled()
    {
        var store = CreateStore();
        var task = await store.CreateAsync(cancellationToken: Ct);

        var timedOut = store.WaitForCompletionAsync(task.Id, TimeSpan.FromMilliseconds(300), Ct).AsTask();
        await LetTimePassAsync(TimeSpan.FromMilliseconds(400));
        Assert.Equal(TaskState.Working, (await timedOut.WaitAsync(TimeSpan.FromSeconds(30), Ct)).Status);

        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var cancelled = store.WaitForCompletionAsync(task.Id, Timeout.InfiniteTimeSpan, cancel.Token).AsTask();
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => cancelled.WaitAsync(TimeSpan.FromSeconds(30), Ct));
    }
}
