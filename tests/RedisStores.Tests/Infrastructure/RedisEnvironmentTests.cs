
namespace RedisStores.Tests.Infrastructure;

public sealed class RedisEnvironmentTests(RedisEnvironment redis)
{
    [Fact]
    public void Without_a_server_a_redis_test_fails_and_says_how_to_get_one()
    {
        var unstarted = new RedisEnvironment();

        var standalone = Assert.Throws<RedisUnavailableException>(() => unstarted.Standalone);
        var cluster = Assert.Throws<RedisUnavailableException>(() => unstarted.Cluster);

        Assert.Contains("tests/run.sh", standalone.Message, StringComparison.Ordinal);
        Assert.Contains("apt-get install redis-server redis-tools", standalone.Message, StringComparison.Ordinal);
        Assert.Contains("REDIS_URL", cluster.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unique_prefixes_never_repeat_and_pass_the_prefix_rule()
    {
        var prefixes = Enumerable.Range(0, 100).Select(_ => RedisEnvironment.UniquePrefix()).ToList();

        Assert.Equal(prefixes.Count, prefixes.Distinct().Count());
        Assert.All(prefixes, p => Assert.StartsWith("redisstores:", p, StringComparison.Ordinal));
        Assert.All(prefixes, p => Assert.NotNull(new RedisStores.Tasks.InMemoryTaskStore(new RedisStoresOptions { KeyPrefix = p })));
    }

    [Fact]
    public async Task The_tests_slot_function_agrees_with_the_cluster()
    {
        var db = redis.Cluster.Connection.GetDatabase();
        foreach (var key in new[] { "a", "redisstores:cache:k:k7", "p:{wq:orders}:ready", "{}x", "x{}y{z}", "{user1000}.following", "héllo" })
        {
            Assert.Equal((int)await db.ExecuteAsync("CLUSTER", "KEYSLOT", key), ClusterSlot.Of(key));
        }
    }
}
