using RedisStores.Tasks;

namespace RedisStores.Tests.Tasks;

[ConformanceFor(typeof(InMemoryTaskStore))]
public sealed class InMemoryTaskStoreTests : TaskStoreConformanceTests
{
    protected override ITaskStore CreateStore(RedisStoresOptions options) => new InMemoryTaskStore(options, timeProvider: Clock);

    protected override Task LetTimePassAsync(TimeSpan duration) => AdvanceClock(duration);

    [Fact]
    public async Task Expired_tasks_are_removed_from_memory_not_just_hidden()
    {
        var store = new InMemoryTaskStore(timeProvider: Clock);
        for (var i = 0; i < 1000; i++)
        {
            await store.CreateAsync(new CreateTaskRequest { Ttl = TimeSpan.FromSeconds(1) }, Ct);
        }

        Clock.Advance(TimeSpan.FromSeconds(2));
        await store.CreateAsync(cancellationToken: Ct);

        Assert.Equal(1, store.HeldCount);
    }

    [Fact]
    public async Task A_task_lives_through_its_expiry_millisecond_and_is_gone_after_it_like_a_redis_key()
    {
        var store = new InMemoryTaskStore(timeProvider: Clock);
        var task = await store.CreateAsync(new CreateTaskRequest { Ttl = TimeSpan.FromSeconds(10) }, Ct);

        Clock.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal(task.ExpiresAt, Clock.GetUtcNow());
        Assert.NotNull(await store.GetAsync(task.Id, Ct));
        Assert.Equal(1, (await store.GetStatsAsync(Ct)).Total);
        Clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Null(await store.GetAsync(task.Id, Ct));
        Assert.Equal(0, (await store.GetStatsAsync(Ct)).Total);
    }

    [Fact]
    public async Task A_wait_on_a_task_that_is_deleted_or_expires_ends_with_not_found()
    {
        var store = new InMemoryTaskStore(timeProvider: Clock);
        var deleted = await store.CreateAsync(cancellationToken: Ct);
        var expiring = await store.CreateAsync(new CreateTaskRequest { Ttl = TimeSpan.FromSeconds(5) }, Ct);
        var waitingDeleted = store.WaitForCompletionAsync(deleted.Id, Timeout.InfiniteTimeSpan, Ct).AsTask();
        var waitingExpiring = store.WaitForCompletionAsync(expiring.Id, Timeout.InfiniteTimeSpan, Ct).AsTask();

        await store.DeleteAsync(deleted.Id, Ct);
        Clock.Advance(TimeSpan.FromSeconds(7));

        await Assert.ThrowsAsync<EntityNotFoundException>(() => waitingDeleted.WaitAsync(TimeSpan.FromSeconds(15), Ct));
        await Assert.ThrowsAsync<EntityNotFoundException>(() => waitingExpiring.WaitAsync(TimeSpan.FromSeconds(15), Ct));
    }
}
