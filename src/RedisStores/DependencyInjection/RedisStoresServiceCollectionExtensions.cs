using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using RedisStores;
using RedisStores.Caching;
using RedisStores.DependencyInjection;
using RedisStores.Locking;
using RedisStores.Messaging;
using RedisStores.Sessions;
using RedisStores.Serialization;
using RedisStores.Tasks;
using RedisStores.Workers;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers the RedisStores stores with a service collection.</summary>
public static class RedisStoresServiceCollectionExtensions
{
    /// <summary>
    /// Registers every store (<see cref="ITaskStore"/>, <see cref="ISessionStore"/>, <see cref="ICacheStore"/>, <see cref="IDistributedLockService"/>, <see cref="IWorkerStore"/>, <see cref="IMessageBus"/>) and <see cref="StoreBackendInfo"/>, configured from
    /// the environment variables <c>REDIS_URL</c>, <c>REDIS_PREFIX</c>, <c>REDIS_TTL</c>, <c>REDIS_LOCK_TIMEOUT</c>,
    /// <c>REDIS_MEMORY_CACHE</c> and <c>REDIS_MEMORY_CACHE_SIZE</c>.
    /// The stores use Redis when a Redis URL is configured or an <c>IConnectionMultiplexer</c> is registered, memory
    /// otherwise. Options are validated when the host starts. Services already registered (a
    /// <see cref="TimeProvider"/>, an <see cref="IStoreSerializer"/>, a store) are kept.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <returns>The service collection, for chaining.</returns>
    public static IServiceCollection AddRedisStores(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);

        // Environment first, even before configuration registered earlier, so explicit settings always win over it.
        if (!services.Any(d => !d.IsKeyedService && d.ServiceType == typeof(IConfigureOptions<RedisStoresOptions>)
            && (d.ImplementationType == typeof(EnvironmentOptionsSetup) || d.ImplementationInstance is EnvironmentOptionsSetup)))
        {
            services.Insert(0, ServiceDescriptor.Singleton<IConfigureOptions<RedisStoresOptions>, EnvironmentOptionsSetup>());
        }

        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<RedisStoresOptions>, RedisStoresOptionsValidator>());
        services.AddOptions<RedisStoresOptions>().ValidateOnStart();

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IStoreSerializer>(JsonStoreSerializer.Default);
        services.TryAddSingleton<StoreFactory>();
        services.TryAddSingleton(sp => sp.GetRequiredService<StoreFactory>().Info);
        services.TryAddSingleton(sp => sp.GetRequiredService<StoreFactory>().CreateTaskStore());
        services.TryAddSingleton(sp => sp.GetRequiredService<StoreFactory>().CreateLockService());
        services.TryAddSingleton(sp => sp.GetRequiredService<StoreFactory>().CreateSessionStore());
        services.TryAddSingleton(sp => sp.GetRequiredService<StoreFactory>().CreateCacheStore());
        services.TryAddSingleton(sp => sp.GetRequiredService<StoreFactory>().CreateWorkerStore());
        services.TryAddSingleton(sp => sp.GetRequiredService<StoreFactory>().CreateMessageBus());
        return services;
    }

    /// <summary>Registers every store as <see cref="AddRedisStores(IServiceCollection)"/> does, with settings set in code.</summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Sets options; what it sets wins over environment variables.</param>
    /// <returns>The service collection, for chaining.</returns>
    public static IServiceCollection AddRedisStores(this IServiceCollection services, Action<RedisStoresOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        services.AddRedisStores();
        services.Configure(configure);
        return services;
    }

    /// <summary>
    /// Registers every store as <see cref="AddRedisStores(IServiceCollection)"/> does, with settings bound from
    /// configuration: the <c>RedisStores</c> section of <paramref name="configuration"/> when it has one, else
    /// <paramref name="configuration"/> itself.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configuration">The configuration (or its <c>RedisStores</c> section); what it sets wins over environment variables.</param>
    /// <returns>The service collection, for chaining.</returns>
    public static IServiceCollection AddRedisStores(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var section = configuration.GetSection(RedisStoresOptions.SectionName);
        services.AddRedisStores();
        services.Configure<RedisStoresOptions>(section.Exists() ? section : configuration);
        return services;
    }
}
