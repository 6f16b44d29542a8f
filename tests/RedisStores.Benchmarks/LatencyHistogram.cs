using System.Diagnostics;
using System.Numerics;

namespace RedisStores.Benchmarks;

/// <summary>
/// Latencies in Stopwatch ticks, counted in log-linear buckets (exact below 128 ticks, within 1/64 above): recording
/// allocates nothing, so the allocation figures of fast operations are the operation's own.
/// </summary>
internal sealed class LatencyHistogram
{
    private const int SubBuckets = 64;
    private const int Linear = 2 * SubBuckets;

    private readonly long[] _counts = new long[Linear + (64 * SubBuckets)];

    public long Count { get; private set; }

    public void Record(long ticks)
    {
        _counts[Index(Math.Max(0, ticks))]++;
        Count++;
    }

    public static LatencyHistogram Merge(IEnumerable<LatencyHistogram> parts)
    {
        var merged = new LatencyHistogram();
        foreach (var part in parts)
        {
            for (var i = 0; i < merged._counts.Length; i++)
            {
                merged._counts[i] += part._counts[i];
            }

            merged.Count += part.Count;
        }

        return merged;
    }

    public double PercentileMicros(double p)
    {
        if (Count == 0)
        {
            return 0;
        }

        var rank = Math.Min(Count - 1, (long)(p * Count));
        long seen = 0;
        for (var i = 0; i < _counts.Length; i++)
        {
            seen += _counts[i];
            if (seen > rank)
            {
                return Midpoint(i) * 1_000_000 / Stopwatch.Frequency;
            }
        }

        return 0;
    }

    // Below 128 one bucket per tick; above, 64 buckets per power of two.
    private static int Index(long ticks)
    {
        if (ticks < Linear)
        {
            return (int)ticks;
        }

        var shift = 63 - BitOperations.LeadingZeroCount((ulong)ticks) - 6; // ticks >> shift is in [64, 128)
        return Linear + ((shift - 1) * SubBuckets) + (int)((ticks >> shift) - SubBuckets);
    }

    private static double Midpoint(int index)
    {
        if (index < Linear)
        {
            return index;
        }

        var shift = ((index - Linear) / SubBuckets) + 1;
        var mantissa = ((index - Linear) % SubBuckets) + SubBuckets;
        return ((long)mantissa << shift) + (((1L << shift) - 1) / 2.0);
    }
}
