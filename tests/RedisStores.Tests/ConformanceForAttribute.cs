using RedisStores.Tests.Infrastructure;

namespace RedisStores.Tests;

/// <summary>Marks a concrete conformance test class with the implementation (and Redis topology) it checks.</summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class ConformanceForAttribute(Type implementation, RedisTopology topology = RedisTopology.Standalone) : Attribute
{
    public Type Implementation { get; } = implementation;

    public RedisTopology Topology { get; } = topology;
}
