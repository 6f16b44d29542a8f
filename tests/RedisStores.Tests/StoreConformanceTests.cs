using Microsoft.Extensions.Time.Testing;

namespace RedisStores.Tests;

/// <summary>
/// What every store conformance suite shares: the test's token, the fake clock stores read times from, a fresh
/// store per test, and a way to let time pass that suits the backend.
/// </summary>
/// <typeparam name="TStore">The store interface the suite checks.</typeparam>
public abstract class StoreConformanceTests<TStore>
{
    protected static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>The clock of recorded times (and, in memory, of expiry).</summary>
    protected FakeTimeProvider Clock { get; } = new(new DateTimeOffset(2026, 1, 5, 10, 0, 0, TimeSpan.Zero));

    /// <summary>A new, empty store that shares nothing with any other test's store.</summary>
    protected abstract TStore CreateStore(RedisStoresOptions options);

    /// <summary>Lets <paramref name="duration"/> pass for the store.</summary>
    protected abstract Task LetTimePassAsync(TimeSpan duration);

    protected TStore CreateStore(Action<RedisStoresOptions>? configure = null)
    {
        var options = new RedisStoresOptions();
        configure?.Invoke(options);
        return CreateStore(options);
    }

    /// <summary>In memory, expiry follows the fake clock alone.</summary>
    protected Task AdvanceClock(TimeSpan duration)
    {
        Clock.Advance(duration);
        return Task.CompletedTask;
    }

    /// <summary>Redis expires keys by its own clock: move the fake clock for recorded times, and wait for real.</summary>
    protected async Task AdvanceClockAndWaitAsync(TimeSpan duration)
    {
        Clock.Advance(duration);
        await Task.Delay(duration, Ct);
    }
}
