using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using RedisStores.DependencyInjection;

namespace RedisStores.Tests.Infrastructure;

/// <summary>
/// Service collections whose REDIS_* "environment" is given by the test. The process environment is shared by
/// parallel tests, so no test reads or writes it.
/// </summary>
public static class TestServices
{
    public static ServiceCollection WithEnvironment(Dictionary<string, string?>? environment = null)
    {
        var services = new ServiceCollection();
        services.AddSingleton<IConfigureOptions<RedisStoresOptions>>(new EnvironmentOptionsSetup(name => environment?.GetValueOrDefault(name)));
        return services;
    }
}
