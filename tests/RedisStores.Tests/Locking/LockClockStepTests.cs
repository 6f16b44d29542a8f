using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using RedisStores.Locking;

namespace RedisStores.Tests.Locking;

/// <summary>
/// The wall clock can step (an NTP correction, a VM resumed) while timers, and Redis's expiry, run on. Renewals and
/// lease deadlines follow the monotonic timestamp, so a step neither stops them nor declares every lock lost.
/// </summary>
public sealed class LockClockStepTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData(-1)]
    [InlineData(1)]
    public async Task A_wall_clock_step_neither_stops_the_renewals_nor_loses_the_lock(int hours)
    {
        var time = new SteppingTime();
        var backend = new ManualLockBackend { AutoComplete = true };
        var engine = new LockEngine(backend, new RedisStoresOptions(), time, NullLogger.Instance);
        var handle = await engine.AcquireAsync("x", null, new LockOptions { Lease = TimeSpan.FromSeconds(3), ExtendInterval = TimeSpan.FromSeconds(1) }, Ct);
        time.Inner.Advance(TimeSpan.FromMilliseconds(500));

        time.Step = TimeSpan.FromHours(hours);
        for (var i = 0; i < 100; i++)
        {
            time.Inner.Advance(TimeSpan.FromMilliseconds(100)); // 10 s on the timers, renewed every second
        }

        Assert.InRange(backend.Extends.Count, 9, 11);
        Assert.False(handle.IsLost);
    }

    [Fact]
    public async Task A_wall_clock_step_back_does_not_stretch_a_wait()
    {
        var time = new SteppingTime();
        var backend = new ManualLockBackend { Grant = false };
        var engine = new LockEngine(backend, new RedisStoresOptions { Locks = { PollInterval = TimeSpan.FromSeconds(1) } }, time, NullLogger.Instance);
        var waiting = engine.TryAcquireAsync("x", TimeSpan.FromSeconds(5), null, Ct).AsTask();

        time.Step = TimeSpan.FromHours(-1);
        for (var i = 0; i < 100 && !waiting.IsCompleted; i++)
        {
            time.Inner.Advance(TimeSpan.FromMilliseconds(100)); // up to 10 s on the timers
            await Task.Delay(10, Ct); // lets the waiter's continuation set its next delay
        }

        Assert.True(waiting.IsCompleted); // gave up after its 5 s, not an hour and 5 s
        Assert.Null(await waiting);
    }

    /// <summary>A fake clock whose wall-clock reading can be stepped apart from its timestamp and timers.</summary>
    private sealed class SteppingTime : TimeProvider
    {
        public FakeTimeProvider Inner { get; } = new();

        public TimeSpan Step { get; set; }

        public override DateTimeOffset GetUtcNow() => Inner.GetUtcNow() + Step;

        public override long GetTimestamp() => Inner.GetTimestamp();

        public override long TimestampFrequency => Inner.TimestampFrequency;

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
            => Inner.CreateTimer(callback, state, dueTime, period);
    }
}
