using RedisStores.Sessions;

namespace RedisStores.Tests.Sessions;

[ConformanceFor(typeof(InMemorySessionStore))]
public sealed class InMemorySessionStoreTests : SessionStoreConformanceTests
{
    protected override ISessionStore CreateStore(RedisStoresOptions options) => new InMemorySessionStore(options, Clock);

    protected override Task LetTimePassAsync(TimeSpan duration) => AdvanceClock(duration);

    [Fact]
    public async Task Expired_sessions_are_removed_from_memory_not_just_hidden()
    {
        var store = new InMemorySessionStore(timeProvider: Clock);
        var shortLived = new SessionWriteOptions { Ttl = TimeSpan.FromSeconds(1) };
        for (var i = 0; i < 1000; i++)
        {
            await store.SetAsync($"s{i}", new Cart("ada", 1, []), shortLived, Ct);
            await store.AppendEventAsync($"s{i}", "clicked", Ct);
        }

        Clock.Advance(TimeSpan.FromSeconds(2));
        await store.SetAsync("fresh", new Cart("bob", 1, []), cancellationToken: Ct);

        Assert.Equal(1, store.HeldCount);
        Assert.Equal(0, store.HeldEventCapacity);
    }

    [Fact]
    public async Task A_session_lives_through_its_expiry_millisecond_and_is_gone_after_it_like_a_redis_key()
    {
        var store = new InMemorySessionStore(timeProvider: Clock);
        await store.SetAsync("s", new Cart("ada", 1, []), new SessionWriteOptions { Ttl = TimeSpan.FromSeconds(10) }, Ct);

        Clock.Advance(TimeSpan.FromSeconds(10));
        Assert.Equal(TimeSpan.Zero, await store.GetTimeToLiveAsync("s", Ct));
        Assert.NotNull(await store.GetAsync<Cart>("s", Ct));
        Assert.Equal(1, await store.CountAsync(Ct));
        Clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Null(await store.GetAsync<Cart>("s", Ct));
        Assert.Null(await store.GetTimeToLiveAsync("s", Ct));
        Assert.Equal(0, await store.CountAsync(Ct));
    }

    [Fact]
    public async Task The_event_log_never_holds_more_than_max_events_in_memory()
    {
        var store = new InMemorySessionStore(new RedisStoresOptions { Sessions = { MaxEvents = 50 } }, Clock);
        await store.SetAsync("s", new Cart("ada", 1, []), cancellationToken: Ct);

        for (var i = 1; i <= 1000; i++)
        {
            await store.AppendEventAsync("s", i, Ct);
            Assert.True(store.HeldEventCapacity <= 50, $"{store.HeldEventCapacity} event slots held after {i} appends.");
        }

        var events = await store.GetEventsAsync<int>("s", 0, 100, Ct);
        Assert.Equal(Enumerable.Range(951, 50), events.Select(e => e.Data));
        Assert.Equal(Enumerable.Range(951, 50).Select(i => (long)i), events.Select(e => e.Sequence));
        Assert.Equal([999, 1000], (await store.GetLastEventsAsync<int>("s", 2, Ct)).Select(e => e.Data));
    }
}
