namespace RedisStores.Tests.Infrastructure;

/// <summary>Fails a Redis test that could not get a Redis, saying why and how to get one.</summary>
public sealed class RedisUnavailableException(string target, Exception? cause)
    : Exception($"No Redis {target} for this test: {cause?.Message.TrimEnd('.') ?? "not started"}. {RedisEnvironment.HowToGetRedis}", cause);
