using RedisStores.Locking;

namespace RedisStores.Tests.Locking;

/// <summary>
/// A lock backend whose attempts are granted (unless told otherwise) and whose renewals answer when the test says so, in the order it
/// chooses; releases can be made to fail a number of times.
/// </summary>
internal sealed class ManualLockBackend : LockBackend
{
    /// <summary>One source per renewal sent, in the order sent; complete one to deliver its reply.</summary>
    public List<TaskCompletionSource<bool>> Extends { get; } = [];

    /// <summary>Renewals answer <see langword="true"/> as soon as they are sent.</summary>
    public bool AutoComplete { get; set; }

    /// <summary>How many of the next releases throw <see cref="StoreUnavailableException"/>.</summary>
    public int ReleaseFailures { get; set; }

    public int ReleaseCalls { get; private set; }

    /// <summary>Whether attempts are granted; when not, the holder's lease is reported to run for an hour.</summary>
    public bool Grant { get; set; } = true;

    internal override ValueTask<Attempt> TryAcquireAsync(string name, object? prepared, long owner, TimeSpan lease, CancellationToken cancellationToken)
        => ValueTask.FromResult(Grant ? new Attempt(true, 1, TimeSpan.Zero) : new Attempt(false, 0, TimeSpan.FromHours(1)));

    internal override ValueTask<bool> ExtendAsync(string name, object? prepared, long owner, TimeSpan lease, CancellationToken cancellationToken)
    {
        var reply = new TaskCompletionSource<bool>();
        Extends.Add(reply);
        if (AutoComplete)
        {
            reply.SetResult(true);
        }

        return new ValueTask<bool>(reply.Task);
    }

    internal override ValueTask<bool> ReleaseAsync(string name, object? prepared, long owner, CancellationToken cancellationToken)
    {
        ReleaseCalls++;
        if (ReleaseFailures > 0)
        {
            ReleaseFailures--;
            throw new StoreUnavailableException("Redis is away (scripted).");
        }

        return ValueTask.FromResult(true);
    }
}
