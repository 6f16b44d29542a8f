namespace RedisStores.Tests.Infrastructure;

/// <summary>The three ways every Redis conformance suite runs.</summary>
public enum RedisTopology
{
    /// <summary>A standalone server, with prefixes under the default <c>redisstores:</c>.</summary>
    Standalone,

    /// <summary>A Redis Cluster of three masters.</summary>
    Cluster,

    /// <summary>A standalone server with a non-default key prefix.</summary>
    Prefixed,
}
