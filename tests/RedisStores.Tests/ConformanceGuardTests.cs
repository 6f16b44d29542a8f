using System.Reflection;
using RedisStores.Caching;
using RedisStores.Locking;
using RedisStores.Sessions;
using RedisStores.Tasks;
using RedisStores.Tests.Caching;
using RedisStores.Tests.Locking;
using RedisStores.Tests.Sessions;
using RedisStores.Tests.Infrastructure;
using RedisStores.Tests.Tasks;
using RedisStores.Tests.Messaging;
using RedisStores.Tests.Workers;
using RedisStores.Messaging;
using RedisStores.Workers;

namespace RedisStores.Tests;

/// <summary>Fails when a store interface has no conformance suite, or an implementation does not run its suite.</summary>
public sealed class ConformanceGuardTests
{
    // Every store interface, and the abstract suite its implementations must pass.
    private static readonly Dictionary<Type, Type> s_suites = new()
    {
        [typeof(ITaskStore)] = typeof(TaskStoreConformanceTests),
        [typeof(IDistributedLockService)] = typeof(LockServiceConformanceTests),
        [typeof(ISessionStore)] = typeof(SessionStoreConformanceTests),
        [typeof(ICacheStore)] = typeof(CacheStoreConformanceTests),
        [typeof(IWorkerStore)] = typeof(WorkerStoreConformanceTests),
        [typeof(IMessageBus)] = typeof(MessageBusConformanceTests),
    };

    private static readonly Assembly s_library = typeof(ITaskStore).Assembly;

    [Fact]
    public void Every_store_interface_has_a_conformance_suite()
    {
        var storeInterfaces = s_library.GetExportedTypes().Where(t => t.IsInterface && (t.Name.EndsWith("Store", StringComparison.Ordinal) || t.Name.EndsWith("Service", StringComparison.Ordinal)));
        Assert.All(storeInterfaces, i => Assert.True(s_suites.ContainsKey(i), $"{i.Name} has no conformance suite registered in {nameof(ConformanceGuardTests)}."));
    }

    [Fact]
    public void Every_implementation_runs_its_suite_and_every_redis_one_on_all_three_topologies()
    {
        var testClasses = typeof(ConformanceGuardTests).Assembly.GetTypes()
            .Where(t => !t.IsAbstract && t.GetCustomAttribute<ConformanceForAttribute>() is not null)
            .ToList();

        foreach (var (storeInterface, suite) in s_suites)
        {
            var implementations = s_library.GetExportedTypes().Where(t => t.IsClass && !t.IsAbstract && storeInterface.IsAssignableFrom(t)).ToList();
            Assert.NotEmpty(implementations);
            foreach (var implementation in implementations)
            {
                var runs = testClasses
                    .Where(t => t.GetCustomAttribute<ConformanceForAttribute>()!.Implementation == implementation)
                    .ToList();
                Assert.True(runs.Count > 0, $"{implementation.Name} runs no conformance suite.");
                Assert.All(runs, t => Assert.True(suite.IsAssignableFrom(t), $"{t.Name} is marked for {implementation.Name} but does not derive from {suite.Name}."));

                if (implementation.Name.StartsWith("Redis", StringComparison.Ordinal))
                {
                    var topologies = runs.Select(t => t.GetCustomAttribute<ConformanceForAttribute>()!.Topology).ToHashSet();
                    Assert.Equal(Enum.GetValues<RedisTopology>().ToHashSet(), topologies);
                }
            }
        }
    }
}
