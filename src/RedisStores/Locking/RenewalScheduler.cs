using Microsoft.Extensions.Logging;
using RedisStores.Internal;

namespace RedisStores.Locking;

/// <summary>
/// One timer for every held lock of a service, in place of a timer and a loop per handle: handles wait in a min-heap
/// by the time they are next due (a renewal, or the end of the lease), and the timer is set for the earliest. A lock
/// released before it is due, as most are, costs a heap insertion and removal and no timer of its own.
/// </summary>
/// <remarks>
/// Times are <see cref="TimeProvider.GetTimestamp"/> readings, not wall-clock times: a step of the system clock
/// (an NTP correction, a VM resumed) must neither stop the renewals nor declare every lock lost at once.
/// <see cref="Gate"/> also guards the timing fields of every handle, so a handle's schedule and its place in the heap
/// change together. The timer's callback runs the due handles outside the gate.
/// </remarks>
internal sealed class RenewalScheduler
{
    // Never set the timer for less: a fake clock would run the callback at once, inside the caller's lock.
    private static readonly TimeSpan s_minimumDelay = TimeSpan.FromMilliseconds(1);

    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private LockHandle[] _heap = new LockHandle[16];
    private int _count;
    private ITimer? _timer;
    private long _armedFor = long.MaxValue;

    internal RenewalScheduler(TimeProvider time, ILogger logger)
    {
        _time = time;
        _logger = logger;
    }

    internal object Gate { get; } = new();

    /// <summary>The <see cref="TimeProvider.GetTimestamp"/> reading <paramref name="span"/> after <paramref name="timestamp"/>.</summary>
    internal long After(long timestamp, TimeSpan span)
    {
        // Split so that a day's lease at a nanosecond frequency does not overflow.
        var frequency = _time.TimestampFrequency;
        var ticks = span.Ticks;
        return timestamp + (ticks / TimeSpan.TicksPerSecond * frequency) + (ticks % TimeSpan.TicksPerSecond * frequency / TimeSpan.TicksPerSecond);
    }

    /// <summary>How many handles wait; for tests.</summary>
    internal int Count
    {
        get
        {
            lock (Gate)
            {
                return _count;
            }
        }
    }

    /// <summary>Puts <paramref name="handle"/> in the heap at <paramref name="due"/>, or moves it there. Holds <see cref="Gate"/>.</summary>
    internal void ScheduleLocked(LockHandle handle, long due)
    {
        if (handle.HeapIndex < 0)
        {
            if (_count == _heap.Length)
            {
                Array.Resize(ref _heap, _count * 2);
            }

            handle.Due = due;
            handle.HeapIndex = _count;
            _heap[_count++] = handle;
            SiftUp(handle.HeapIndex);
        }
        else
        {
            var earlier = due < handle.Due;
            handle.Due = due;
            if (earlier)
            {
                SiftUp(handle.HeapIndex);
            }
            else
            {
                SiftDown(handle.HeapIndex);
            }
        }

        if (due < _armedFor)
        {
            Arm(due);
        }
    }

    /// <summary>Takes <paramref name="handle"/> out of the heap, if it is there. Holds <see cref="Gate"/>.</summary>
    internal void RemoveLocked(LockHandle handle)
    {
        var index = handle.HeapIndex;
        if (index < 0)
        {
            return;
        }

        handle.HeapIndex = -1;
        var last = _heap[--_count];
        _heap[_count] = null!;
        if (index < _count)
        {
            _heap[index] = last;
            last.HeapIndex = index;
            SiftUp(index);
            SiftDown(last.HeapIndex);
        }

        // Left armed: a timer that finds nothing due only sets itself again.
    }

    private void Arm(long due)
    {
        if (_timer is null)
        {
            // The timer outlives the acquisition that made it: it must not carry that caller's async-locals.
            using (ExecutionContext.SuppressFlow())
            {
                _timer = _time.CreateTimer(static state => ((RenewalScheduler)state!).OnTimer(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            }
        }

        _armedFor = due;
        var delay = _time.GetElapsedTime(_time.GetTimestamp(), due);
        _timer.Change(delay < s_minimumDelay ? s_minimumDelay : delay, Timeout.InfiniteTimeSpan);
    }

    private void OnTimer()
    {
        LockHandle[]? due = null;
        var dueCount = 0;
        lock (Gate)
        {
            var now = _time.GetTimestamp();
            while (_count > 0 && _heap[0].Due <= now)
            {
                var handle = _heap[0];
                RemoveLocked(handle);
                due ??= new LockHandle[Math.Min(_count + 1, 64)];
                if (dueCount == due.Length)
                {
                    Array.Resize(ref due, dueCount * 2);
                }

                due[dueCount++] = handle;
            }

            _armedFor = long.MaxValue;
            if (_count > 0)
            {
                Arm(_heap[0].Due);
            }
        }

        // The due handles are out of the heap: a failure of one must not leave the others there unrenewed and unwatched,
        // nor escape on the timer's thread, where it would end the process.
        for (var i = 0; i < dueCount; i++)
        {
            var handle = due![i];
            try
            {
                handle.OnDue();
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                handle.ScheduleAfterFault();
                try
                {
                    Log.LockScheduleFailed(_logger, ex);
                }
                catch (Exception) when (ex is not OutOfMemoryException)
                {
                    // A logger that throws has nowhere to report to; the handles must still be served.
                }
            }
        }
    }

    private void SiftUp(int index)
    {
        var handle = _heap[index];
        while (index > 0)
        {
            var parent = (index - 1) / 2;
            if (_heap[parent].Due <= handle.Due)
            {
                break;
            }

            _heap[index] = _heap[parent];
            _heap[index].HeapIndex = index;
            index = parent;
        }

        _heap[index] = handle;
        handle.HeapIndex = index;
    }

    private void SiftDown(int index)
    {
        var handle = _heap[index];
        while (true)
        {
            var child = (2 * index) + 1;
            if (child >= _count)
            {
                break;
            }

            if (child + 1 < _count && _heap[child + 1].Due < _heap[child].Due)
            {
                child++;
            }

            if (handle.Due <= _heap[child].Due)
            {
                break;
            }

            _heap[index] = _heap[child];
            _heap[index].HeapIndex = index;
            index = child;
        }

        _heap[index] = handle;
        handle.HeapIndex = index;
    }
}
