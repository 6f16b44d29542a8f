using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using RedisStores.DependencyInjection;
using RedisStores.Tasks;
using RedisStores.Tests.Infrastructure;
using StackExchange.Redis;

namespace RedisStores.Tests.Configuration;

public sealed class AddRedisStoresTests(RedisEnvironment redis)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static ServiceCollection Services(Dictionary<string, string?>? environment = null) => TestServices.WithEnvironment(environment);

    [Fact]
    public async Task Without_a_redis_url_the_stores_are_in_memory()
    {
        await using var provider = Services().AddRedisStores().BuildServiceProvider();

        Assert.IsType<InMemoryTaskStore>(provider.GetRequiredService<ITaskStore>());
        Assert.Equal(StoreBackend.InMemory, provider.GetRequiredService<StoreBackendInfo>().Backend);
        Assert.Same(provider.GetRequiredService<ITaskStore>(), provider.GetRequiredService<ITaskStore>());
    }

    [Fact]
    public async Task Every_store_is_registered_on_the_chosen_backend_and_sessions_lock_through_the_lock_service()
    {
        var env = new Dictionary<string, string?> { ["REDIS_URL"] = redis.Standalone.Configuration, ["REDIS_PREFIX"] = RedisEnvironment.UniquePrefix() };
        await using var memory = Services().AddRedisStores().BuildServiceProvider();
        await using var onRedis = Services(env).AddRedisStores().BuildServiceProvider();

        Assert.IsType<RedisStores.Sessions.InMemorySessionStore>(memory.GetRequiredService<RedisStores.Sessions.ISessionStore>());
        Assert.IsType<RedisStores.Locking.InMemoryDistributedLockService>(memory.GetRequiredService<RedisStores.Locking.IDistributedLockService>());
        Assert.IsType<RedisStores.Sessions.RedisSessionStore>(onRedis.GetRequiredService<RedisStores.Sessions.ISessionStore>());
        Assert.IsType<RedisStores.Caching.InMemoryCacheStore>(memory.GetRequiredService<RedisStores.Caching.ICacheStore>());
        Assert.IsType<RedisStores.Caching.RedisCacheStore>(onRedis.GetRequiredService<RedisStores.Caching.ICacheStore>());
        Assert.IsType<RedisStores.Workers.InMemoryWorkerStore>(memory.GetRequiredService<RedisStores.Workers.IWorkerStore>());
        Assert.IsType<RedisStores.Workers.RedisWorkerStore>(onRedis.GetRequiredService<RedisStores.Workers.IWorkerStore>());
        var locks = onRedis.GetRequiredService<RedisStores.Locking.IDistributedLockService>();
        Assert.IsType<RedisStores.Locking.RedisDistributedLockService>(locks);

        await using var sessionLock = await onRedis.GetRequiredService<RedisStores.Sessions.ISessionStore>().AcquireLockAsync("user-1", cancellationToken: Ct);
        Assert.Null(await locks.TryAcquireAsync("session/user-1", cancellationToken: Ct));
    }

    [Fact]
    public async Task With_redis_url_in_the_environment_the_stores_use_redis()
    {
        var env = new Dictionary<string, string?> { ["REDIS_URL"] = redis.Standalone.Configuration, ["REDIS_PREFIX"] = RedisEnvironment.UniquePrefix() };
        await using var provider = Services(env).AddRedisStores().BuildServiceProvider();

        var store = provider.GetRequiredService<ITaskStore>();
        var task = await store.CreateAsync(cancellationToken: Ct);

        Assert.IsType<RedisTaskStore>(store);
        Assert.Equal(StoreBackend.Redis, provider.GetRequiredService<StoreBackendInfo>().Backend);
        Assert.Equal(env["REDIS_PREFIX"], provider.GetRequiredService<StoreBackendInfo>().KeyPrefix);
        Assert.True(await redis.Standalone.Connection.GetDatabase().KeyExistsAsync($"{env["REDIS_PREFIX"]}{{tasks}}:t:{task.Id}"));
    }

    [Fact]
    public async Task Environment_variables_set_every_documented_option()
    {
        var env = new Dictionary<string, string?>
        {
            ["REDIS_URL"] = "redis://localhost:6379",
            ["REDIS_PREFIX"] = "app1:",
            ["REDIS_TTL"] = "120",
            ["REDIS_LOCK_TIMEOUT"] = "2500",
            ["REDIS_MEMORY_CACHE"] = "false",
            ["REDIS_MEMORY_CACHE_SIZE"] = "5000",
        };
        await using var provider = Services(env).AddRedisStores().BuildServiceProvider();

        var options = provider.GetRequiredService<IOptions<RedisStoresOptions>>().Value;

        Assert.Equal("redis://localhost:6379", options.RedisUrl);
        Assert.Equal("app1:", options.KeyPrefix);
        Assert.Equal(TimeSpan.FromSeconds(120), options.DefaultTtl);
        Assert.Equal(TimeSpan.FromMilliseconds(2500), options.LockTimeout);
        Assert.False(options.Cache.MemoryCache);
        Assert.Equal(5000, options.Cache.MemoryCacheSize);
    }

    [Theory]
    [InlineData("true", true)]
    [InlineData("1", true)]
    [InlineData("ON", true)]
    [InlineData("false", false)]
    [InlineData("0", false)]
    [InlineData("no", false)]
    public async Task The_memory_cache_switch_reads_the_usual_spellings(string value, bool enabled)
    {
        await using var provider = Services(new() { ["REDIS_MEMORY_CACHE"] = value }).AddRedisStores().BuildServiceProvider();

        Assert.Equal(enabled, provider.GetRequiredService<IOptions<RedisStoresOptions>>().Value.Cache.MemoryCache);
    }

    [Fact]
    public async Task A_cache_from_di_on_redis_caches_in_memory_by_default_and_honours_the_environment()
    {
        var prefix = RedisEnvironment.UniquePrefix();
        var env = new Dictionary<string, string?> { ["REDIS_URL"] = redis.Standalone.Configuration, ["REDIS_PREFIX"] = prefix, ["REDIS_MEMORY_CACHE_SIZE"] = "3", ["REDIS_TTL"] = "60" };
        await using var provider = Services(env).AddRedisStores().BuildServiceProvider();
        var cache = provider.GetRequiredService<RedisStores.Caching.ICacheStore>();

        await cache.SetAsync("k", "v", cancellationToken: Ct);

        Assert.Equal(3, cache.GetStats().MemoryCacheCapacity);
        var ttl = await redis.Standalone.Connection.GetDatabase().KeyTimeToLiveAsync($"{prefix}cache:k:k");
        Assert.InRange(ttl!.Value, TimeSpan.FromSeconds(55), TimeSpan.FromSeconds(60));
    }

    [Fact]
    public async Task Explicit_options_win_over_environment_variables()
    {
        var env = new Dictionary<string, string?> { ["REDIS_PREFIX"] = "from-env:", ["REDIS_TTL"] = "120" };
        await using var provider = Services(env).AddRedisStores(o => o.KeyPrefix = "from-code:").BuildServiceProvider();

        var options = provider.GetRequiredService<IOptions<RedisStoresOptions>>().Value;

        Assert.Equal("from-code:", options.KeyPrefix);
        Assert.Equal(TimeSpan.FromSeconds(120), options.DefaultTtl);
    }

    [Fact]
    public async Task Options_configured_before_AddRedisStores_still_win_over_environment_variables()
    {
        var services = new ServiceCollection();
        services.Configure<RedisStoresOptions>(o => o.KeyPrefix = "configured-first:");
        services.AddRedisStores();

        // The environment step goes first whatever came before; give it a known environment in the same place.
        var index = services.ToList().FindIndex(d => d.ImplementationType == typeof(EnvironmentOptionsSetup));
        Assert.Equal(0, index);
        services[index] = ServiceDescriptor.Singleton<IConfigureOptions<RedisStoresOptions>>(
            new EnvironmentOptionsSetup(name => name == "REDIS_PREFIX" ? "from-env:" : null));
        await using var provider = services.BuildServiceProvider();

        Assert.Equal("configured-first:", provider.GetRequiredService<IOptions<RedisStoresOptions>>().Value.KeyPrefix);
    }

    [Fact]
    public async Task Configuration_section_binds_and_wins_over_environment_variables()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["RedisStores:KeyPrefix"] = "from-config:",
            ["RedisStores:DefaultTtl"] = "00:02:00",
            ["RedisStores:Tasks:DefaultPollInterval"] = "00:00:01",
            ["RedisStores:Tasks:MaxResultBytes"] = "1000",
        }).Build();
        var env = new Dictionary<string, string?> { ["REDIS_PREFIX"] = "from-env:", ["REDIS_TTL"] = "999" };
        await using var provider = Services(env).AddRedisStores(configuration).BuildServiceProvider();

        var options = provider.GetRequiredService<IOptions<RedisStoresOptions>>().Value;

        Assert.Equal("from-config:", options.KeyPrefix);
        Assert.Equal(TimeSpan.FromMinutes(2), options.DefaultTtl);
        Assert.Equal(TimeSpan.FromSeconds(1), options.Tasks.DefaultPollInterval);
        Assert.Equal(1000, options.Tasks.MaxResultBytes);
    }

    [Theory]
    [InlineData("KeyPrefix", "has{brace}:", "RedisStores:KeyPrefix")]
    [InlineData("KeyPrefix", "", "RedisStores:KeyPrefix")]
    [InlineData("DefaultTtl", "00:00:00", "RedisStores:DefaultTtl")]
    [InlineData("LockTimeout", "-00:00:01", "RedisStores:LockTimeout")]
    [InlineData("Tasks:DefaultTtl", "400.00:00:00", "RedisStores:Tasks:DefaultTtl")]
    [InlineData("Tasks:DefaultPollInterval", "00:00:00", "RedisStores:Tasks:DefaultPollInterval")]
    [InlineData("Tasks:MaxResultBytes", "0", "RedisStores:Tasks:MaxResultBytes")]
    [InlineData("Tasks:MaxStatusMessageLength", "0", "RedisStores:Tasks:MaxStatusMessageLength")]
    [InlineData("Cache:DefaultTtl", "00:00:00", "RedisStores:Cache:DefaultTtl")]
    [InlineData("Cache:MemoryCacheSize", "0", "RedisStores:Cache:MemoryCacheSize")]
    [InlineData("Cache:MemoryCacheTtl", "00:00:00", "RedisStores:Cache:MemoryCacheTtl")]
    [InlineData("Cache:MaxValueBytes", "0", "RedisStores:Cache:MaxValueBytes")]
    [InlineData("Cache:RedisTimeout", "00:05:00", "RedisStores:Cache:RedisTimeout")]
    [InlineData("Cache:FailSafeMaxDuration", "00:00:00", "RedisStores:Cache:FailSafeMaxDuration")]
    [InlineData("Cache:FactoryLockTimeout", "-00:00:01", "RedisStores:Cache:FactoryLockTimeout")]
    [InlineData("Workers:ExecutionTtl", "00:00:00.5", "RedisStores:Workers:ExecutionTtl")]
    [InlineData("Workers:MaxPayloadBytes", "0", "RedisStores:Workers:MaxPayloadBytes")]
    [InlineData("Workers:VisibilityTimeout", "00:00:00.5", "RedisStores:Workers:VisibilityTimeout")]
    [InlineData("Workers:MaxAttempts", "0", "RedisStores:Workers:MaxAttempts")]
    [InlineData("Workers:MaxAttempts", "1001", "RedisStores:Workers:MaxAttempts")]
    [InlineData("Workers:RetryBaseDelay", "-00:00:01", "RedisStores:Workers:RetryBaseDelay")]
    [InlineData("Workers:RetryMaxDelay", "00:00:00.1", "RedisStores:Workers:RetryMaxDelay")]
    [InlineData("Workers:DedupWindow", "00:00:00", "RedisStores:Workers:DedupWindow")]
    [InlineData("Workers:JobTtl", "00:00:00", "RedisStores:Workers:JobTtl")]
    [InlineData("Workers:MaxQueueLength", "0", "RedisStores:Workers:MaxQueueLength")]
    [InlineData("Workers:HeartbeatTtl", "00:00:00.5", "RedisStores:Workers:HeartbeatTtl")]
    [InlineData("Workers:IdlePollInterval", "00:00:00.05", "RedisStores:Workers:IdlePollInterval")]
    [InlineData("Messaging:BufferSize", "0", "RedisStores:Messaging:BufferSize")]
    [InlineData("Messaging:MaxMessageBytes", "0", "RedisStores:Messaging:MaxMessageBytes")]
    [InlineData("Messaging:DurableTopics:has space:MaxLength", "10", "RedisStores:Messaging:DurableTopics:has space")]
    [InlineData("Messaging:DurableTopics:redisstores.tasks.status:MaxLength", "10", "RedisStores:Messaging:DurableTopics:redisstores.tasks.status")]
    [InlineData("Messaging:DurableTopics:audit:MaxLength", "0", "RedisStores:Messaging:DurableTopics:audit:MaxLength")]
    [InlineData("RedisUrl", "redis://:hunter2@", "RedisStores:RedisUrl")]
    public async Task A_bad_setting_fails_host_start_naming_the_setting(string key, string value, string named)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["RedisStores:" + key] = value });
        builder.Services.AddSingleton<IConfigureOptions<RedisStoresOptions>>(new EnvironmentOptionsSetup(_ => null));
        builder.Services.AddRedisStores(builder.Configuration);
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync(Ct));

        Assert.Contains(named, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("REDIS_TTL", "ten")]
    [InlineData("REDIS_TTL", "0")]
    [InlineData("REDIS_LOCK_TIMEOUT", "-5")]
    [InlineData("REDIS_MEMORY_CACHE", "maybe")]
    [InlineData("REDIS_MEMORY_CACHE_SIZE", "0")]
    [InlineData("REDIS_MEMORY_CACHE_SIZE", "lots")]
    public async Task A_bad_environment_variable_fails_validation_naming_it(string name, string value)
    {
        await using var provider = Services(new() { [name] = value }).AddRedisStores().BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<RedisStoresOptions>>().Value);

        Assert.Contains(name, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_host_starts_while_redis_is_down_and_operations_then_fail_typed()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.AddSingleton<IConfigureOptions<RedisStoresOptions>>(new EnvironmentOptionsSetup(_ => null));
        builder.Services.AddRedisStores(o => o.RedisUrl = "127.0.0.1:1,connectTimeout=300,asyncTimeout=500,password=hunter2");
        using var host = builder.Build();
        await host.StartAsync(Ct);

        var store = host.Services.GetRequiredService<ITaskStore>();
        var error = await Assert.ThrowsAsync<StoreUnavailableException>(() => store.CreateAsync(cancellationToken: Ct).AsTask());

        Assert.DoesNotContain("hunter2", error.ToString(), StringComparison.Ordinal);
        await host.StopAsync(Ct);
    }

    [Fact]
    public async Task The_chosen_backend_is_logged_without_the_password()
    {
        var logs = new CapturingLoggerProvider();
        var services = Services(new() { ["REDIS_URL"] = "redis://:hunter2@127.0.0.1:1" });
        services.AddLogging(b => b.AddProvider(logs));
        await using var provider = services.AddRedisStores().BuildServiceProvider();

        var info = provider.GetRequiredService<StoreBackendInfo>();

        var line = Assert.Single(logs.Entries, e => e.Id.Id == 1);
        Assert.Contains("127.0.0.1:1", line.Message, StringComparison.Ordinal);
        Assert.All(logs.Entries, e => Assert.DoesNotContain("hunter2", e.Message, StringComparison.Ordinal));
        Assert.DoesNotContain("hunter2", info.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task In_memory_choice_is_logged()
    {
        var logs = new CapturingLoggerProvider();
        var services = Services();
        services.AddLogging(b => b.AddProvider(logs));
        await using var provider = services.AddRedisStores().BuildServiceProvider();

        provider.GetRequiredService<ITaskStore>();

        Assert.Single(logs.Entries, e => e.Id.Id == 3);
    }

    [Fact]
    public async Task A_host_registered_multiplexer_is_used_and_never_disposed()
    {
        await using var hostConnection = await redis.Standalone.ConnectAnotherAsync();
        var services = Services();
        services.AddSingleton<IConnectionMultiplexer>(hostConnection);
        services.AddRedisStores(o => o.KeyPrefix = RedisEnvironment.UniquePrefix());
        await using (var provider = services.BuildServiceProvider())
        {
            var store = provider.GetRequiredService<ITaskStore>();
            Assert.IsType<RedisTaskStore>(store);
            await store.CreateAsync(cancellationToken: Ct);
        }

        Assert.True(hostConnection.IsConnected);
        Assert.True((await hostConnection.GetDatabase().PingAsync()) >= TimeSpan.Zero);
    }

    [Fact]
    public async Task A_provider_disposed_synchronously_closes_the_connection_it_opened()
    {
        var env = new Dictionary<string, string?> { ["REDIS_URL"] = redis.Standalone.Configuration, ["REDIS_PREFIX"] = RedisEnvironment.UniquePrefix() };
        var memory = Services().AddRedisStores().BuildServiceProvider();
        var onRedis = Services(env).AddRedisStores().BuildServiceProvider();
        memory.GetRequiredService<ITaskStore>();
        var store = onRedis.GetRequiredService<ITaskStore>();
        await store.CreateAsync(cancellationToken: Ct);

        memory.Dispose();
        onRedis.Dispose();

        await Assert.ThrowsAsync<ObjectDisposedException>(() => store.CreateAsync(cancellationToken: Ct).AsTask());
    }

    [Fact]
    public async Task Services_registered_before_are_kept()
    {
        var mine = new InMemoryTaskStore();
        var clock = new FakeTimeProvider();
        var services = Services();
        services.AddSingleton<ITaskStore>(mine);
        services.AddSingleton<TimeProvider>(clock);
        await using var provider = services.AddRedisStores().AddRedisStores().BuildServiceProvider();

        Assert.Same(mine, provider.GetRequiredService<ITaskStore>());
        Assert.Same(clock, provider.GetRequiredService<TimeProvider>());
        Assert.Single(services, d => d.ServiceType == typeof(IValidateOptions<RedisStoresOptions>));
    }

    [Fact]
    public async Task The_injected_time_provider_drives_in_memory_expiry()
    {
        var clock = new FakeTimeProvider();
        var services = Services();
        services.AddSingleton<TimeProvider>(clock);
        await using var provider = services.AddRedisStores().BuildServiceProvider();
        var store = provider.GetRequiredService<ITaskStore>();
        var task = await store.CreateAsync(new CreateTaskRequest { Ttl = TimeSpan.FromSeconds(5) }, Ct);

        clock.Advance(TimeSpan.FromSeconds(5));
        Assert.NotNull(await store.GetAsync(task.Id, Ct));
        clock.Advance(TimeSpan.FromMilliseconds(1));

        Assert.Null(await store.GetAsync(task.Id, Ct));
    }
}
