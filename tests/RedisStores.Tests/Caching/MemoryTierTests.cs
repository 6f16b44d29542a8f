using System.Text;
using RedisStores.Caching;

namespace RedisStores.Tests.Caching;

/// <summary>The memory tier's write and read bookkeeping, driven step by step in the orders a real race can take.</summary>
public sealed class MemoryTierTests
{
    private static MemoryEntry Entry(string value, long stamp) => new(Encoding.UTF8.GetBytes(value), null, null, long.MaxValue, long.MaxValue, long.MaxValue, stamp);

    private static string? Held(MemoryTier tier) => tier.Find(null, "k", 0) is { } entry ? Encoding.UTF8.GetString(entry.Payload.Span) : null;

    [Fact]
    public void A_read_that_starts_while_a_write_is_in_flight_stores_nothing_whenever_it_lands()
    {
        var tier = new MemoryTier(100, new CacheCounters(), readsElsewhere: true);
        var (stamp, sequence) = tier.BeginWrite(null, "k");
        var readStamp = tier.ReadStamp(null, "k"); // its GET may reach Redis before the write does, and read "old"

        tier.EndWrite(null, "k", Entry("new", stamp), sequence, 0);
        tier.Set(null, "k", Entry("old", readStamp), 0); // the read's continuation runs late

        Assert.Equal("new", Held(tier));
    }

    [Fact]
    public void A_read_that_started_before_a_write_stores_nothing_after_it()
    {
        var tier = new MemoryTier(100, new CacheCounters(), readsElsewhere: true);
        var readStamp = tier.ReadStamp(null, "k");
        var (stamp, sequence) = tier.BeginWrite(null, "k");

        tier.EndWrite(null, "k", Entry("new", stamp), sequence, 0);
        tier.Set(null, "k", Entry("old", readStamp), 0);

        Assert.Equal("new", Held(tier));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Overlapping_writes_of_a_key_store_neither_whichever_ends_first(bool firstEndsFirst)
    {
        var tier = new MemoryTier(100, new CacheCounters(), readsElsewhere: true);
        var (stamp1, sequence1) = tier.BeginWrite(null, "k");
        var (stamp2, sequence2) = tier.BeginWrite(null, "k");

        // Redis may have applied them in either order, so neither value can be trusted in memory.
        if (firstEndsFirst)
        {
            tier.EndWrite(null, "k", Entry("v1", stamp1), sequence1, 0);
            tier.EndWrite(null, "k", Entry("v2", stamp2), sequence2, 0);
        }
        else
        {
            tier.EndWrite(null, "k", Entry("v2", stamp2), sequence2, 0);
            tier.EndWrite(null, "k", Entry("v1", stamp1), sequence1, 0);
        }

        Assert.Null(Held(tier));

        // Once they are over, a write alone is stored again.
        var (stamp3, sequence3) = tier.BeginWrite(null, "k");
        tier.EndWrite(null, "k", Entry("v3", stamp3), sequence3, 0);
        Assert.Equal("v3", Held(tier));
    }

    [Fact]
    public void An_invalidation_that_arrives_during_a_write_drops_the_written_value()
    {
        var tier = new MemoryTier(100, new CacheCounters(), readsElsewhere: true);
        var (stamp, sequence) = tier.BeginWrite(null, "k");

        tier.InvalidateKey(null, "k"); // another instance wrote too: which landed last is unknown
        tier.EndWrite(null, "k", Entry("mine", stamp), sequence, 0);

        Assert.Null(Held(tier));
    }
}
