namespace RedisStores.Caching;

/// <summary>
/// The system clock as Unix milliseconds, cheaply: the monotonic tick count (<see cref="Environment.TickCount64"/>,
/// a few milliseconds' resolution) plus its offset from the wall clock, read again every second. Within a few
/// milliseconds of <see cref="TimeProvider.System"/>, for the memory tier's hit checks, which run on every hit.
/// </summary>
internal static class CoarseClock
{
    private const long ResyncEveryMs = 1000;
    private const int SampleAttempts = 3;
    private static long s_offset;
    private static long s_resyncAt = long.MinValue;

    internal static long UnixMilliseconds
    {
        get
        {
            var tick = Environment.TickCount64;
            return tick >= Volatile.Read(ref s_resyncAt) ? Resync(tick) : tick + Volatile.Read(ref s_offset);
        }
    }

    /// <summary>
    /// Sets the offset again from a fresh sample, and answers the time. <paramref name="due"/> is the tick the caller
    /// read and found the resync due at: it is never used for the offset, since the caller may have been paused
    /// (preempted, or suspended by a GC) since it read it, and the offset would then take in the pause and run the
    /// clock ahead by it until the next resync.
    /// </summary>
    /// <remarks>
    /// A sample is the tick count read on both sides of the wall clock, taken only when both reads give the same
    /// tick: nothing paused the thread between them for longer than the tick's resolution. When no sample of a few
    /// holds, the old offset stays and the next read tries again. Racing resyncs each write an offset checked so.
    /// </remarks>
    internal static long Resync(long due)
    {
        _ = due;
        long before = 0, now = 0, after = 0;
        for (var attempt = 0; attempt < SampleAttempts; attempt++)
        {
            before = Environment.TickCount64;
            now = TimeProvider.System.GetUtcNow().ToUnixTimeMilliseconds();
            after = Environment.TickCount64;
            if (before == after)
            {
                Volatile.Write(ref s_offset, now - after);
                Volatile.Write(ref s_resyncAt, after + ResyncEveryMs);
                return now;
            }
        }

        if (Volatile.Read(ref s_resyncAt) == long.MinValue)
        {
            // Never set: the latest tick's offset, which can only run the clock behind, until the next read tries again.
            Volatile.Write(ref s_offset, now - after);
        }

        return after + Volatile.Read(ref s_offset);
    }
}
