using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using RedisStores.Locking;

namespace RedisStores.Tests.Locking;

/// <summary>
/// User code runs when a lock is lost (callbacks on <see cref="IDistributedLockHandle.HandleLostToken"/>, the logger).
/// Whatever it does, it must not escape on the service's timer, nor keep the other locks from being renewed or declared lost.
/// </summary>
public sealed class LockRenewalFaultTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_throwing_lost_callback_does_not_stop_a_lock_due_at_the_same_moment_from_being_renewed()
    {
        var time = new FakeTimeProvider();
        var locks = new InMemoryDistributedLockService(null, time);
        var a = await locks.AcquireAsync("a", null, new LockOptions { Lease = TimeSpan.FromSeconds(1), AutoExtend = false }, Ct);
        var b = await locks.AcquireAsync("b", null, new LockOptions { Lease = TimeSpan.FromSeconds(3), ExtendInterval = TimeSpan.FromSeconds(1) }, Ct);
        a.HandleLostToken.Register(() => throw new InvalidOperationException("user callback"));

        time.Advance(TimeSpan.FromSeconds(1)); // a is lost and b is due for renewal: must not throw
        for (var i = 0; i < 5; i++)
        {
            time.Advance(TimeSpan.FromSeconds(1)); // past b's first 3-second lease: only renewals keep it
        }

        Assert.True(a.IsLost);
        Assert.False(b.IsLost);
        Assert.Null(await locks.TryAcquireAsync("b", TimeSpan.Zero, null, Ct));
    }

    [Fact]
    public async Task A_throwing_lost_callback_does_not_stop_a_lock_due_at_the_same_moment_from_being_declared_lost()
    {
        var time = new FakeTimeProvider();
        var locks = new InMemoryDistributedLockService(null, time);
        var options = new LockOptions { Lease = TimeSpan.FromSeconds(1), AutoExtend = false };
        var a = await locks.AcquireAsync("a", null, options, Ct);
        var b = await locks.AcquireAsync("b", null, options, Ct);
        a.HandleLostToken.Register(() => throw new InvalidOperationException("user callback"));
        var bLost = b.HandleLostToken;

        time.Advance(TimeSpan.FromSeconds(1));

        Assert.True(a.IsLost);
        Assert.True(b.IsLost);
        Assert.True(bLost.IsCancellationRequested);
    }

    [Fact]
    public async Task A_throwing_lost_callback_is_logged_and_does_not_escape()
    {
        var time = new FakeTimeProvider();
        var logger = new RecordingLogger();
        var locks = new InMemoryDistributedLockService(null, time, logger);
        var a = await locks.AcquireAsync("a", null, new LockOptions { Lease = TimeSpan.FromSeconds(1), AutoExtend = false }, Ct);
        a.HandleLostToken.Register(() => throw new InvalidOperationException("user callback"));

        time.Advance(TimeSpan.FromSeconds(1));

        var logged = await logger.CallbackFailure.Task.WaitAsync(Ct);
        Assert.Contains("user callback", logged.ToString(), StringComparison.Ordinal);
        Assert.True(a.IsLost);
    }

    [Fact]
    public async Task A_throwing_logger_does_not_stop_a_lock_due_at_the_same_moment_from_being_renewed_or_declared_lost()
    {
        var time = new FakeTimeProvider();
        var locks = new InMemoryDistributedLockService(null, time, new RecordingLogger { Throws = true });
        var options = new LockOptions { Lease = TimeSpan.FromSeconds(1), AutoExtend = false };
        var a = await locks.AcquireAsync("a", null, options, Ct);
        var b = await locks.AcquireAsync("b", null, options, Ct);
        var c = await locks.AcquireAsync("c", null, new LockOptions { Lease = TimeSpan.FromSeconds(3), ExtendInterval = TimeSpan.FromSeconds(1) }, Ct);
        var aLost = a.HandleLostToken;
        var bLost = b.HandleLostToken;

        time.Advance(TimeSpan.FromSeconds(1)); // logging a's loss throws: b must still be declared lost, c renewed
        for (var i = 0; i < 5; i++)
        {
            time.Advance(TimeSpan.FromSeconds(1));
        }

        Assert.True(aLost.IsCancellationRequested);
        Assert.True(bLost.IsCancellationRequested);
        Assert.False(c.IsLost);
        Assert.Null(await locks.TryAcquireAsync("c", TimeSpan.Zero, null, Ct));
    }

    private sealed class RecordingLogger : ILogger<InMemoryDistributedLockService>
    {
        public bool Throws { get; init; }

        public TaskCompletionSource<Exception> CallbackFailure { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (Throws)
            {
                throw new InvalidOperationException("logger");
            }

            if (eventId.Id == 34 && exception is not null)
            {
                CallbackFailure.TrySetResult(exception);
            }
        }
    }
}
