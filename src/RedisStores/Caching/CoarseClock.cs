namespace RedisStores.Caching;

/// <summary>
/// The system clock as Unix milliseconds, cheaply: the monotonic tick count (<see cref="Environment.TickCount64"/>,
/// a few milliseconds' resolution) plus its offset from the wall clock, read again every second. Within a few
/// milliseconds of <see cref="TimeProvider.System"/>, for the memory tier's hit checks, which run on every hit.
/// </summary>
internal static class CoarseClock
{
    private const long ResyncEveryMs = 1000;
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

    // Racing resyncs write offsets read within microseconds of each other: whichever lands serves.
    private static long Resync(long tick)
    {
        var now = TimeProvider.System.GetUtcNow().ToUnixTimeMilliseconds();
        Volatile.Write(ref s_offset, now - tick);
        Volatile.Write(ref s_resyncAt, tick + ResyncEveryMs);
        return now;
    }
}
