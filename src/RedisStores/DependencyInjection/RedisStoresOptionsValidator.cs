using Microsoft.Extensions.Options;
using RedisStores.Redis;
using RedisStores.Tasks;

namespace RedisStores.DependencyInjection;

/// <summary>
/// Checks every setting at start-up and names the failing one as it is written in configuration
/// (<c>RedisStores:...</c>) or in the environment. Hand-written rather than generated because the rules cross
/// fields, parse URLs and must never echo a value that may hold a password.
/// </summary>
internal sealed class RedisStoresOptionsValidator : IValidateOptions<RedisStoresOptions>
{
    private const string Section = RedisStoresOptions.SectionName;
    private const int MaxBytes = 512 * 1024 * 1024;

    /// <summary>For stores built without DI: the same checks, failing with an <see cref="ArgumentException"/>.</summary>
    internal static RedisStoresOptions EnsureValid(RedisStoresOptions? options, string paramName = "options")
    {
        options ??= new RedisStoresOptions();
        var validation = new RedisStoresOptionsValidator().Validate(null, options);
        return validation.Failed
            ? throw new ArgumentException($"The options are not valid: {validation.FailureMessage}", paramName)
            : options;
    }

    public ValidateOptionsResult Validate(string? name, RedisStoresOptions options)
    {
        var failures = new List<string>(options.EnvironmentErrors);

        if (!string.IsNullOrWhiteSpace(options.RedisUrl))
        {
            try
            {
                RedisConfiguration.Parse(options.RedisUrl);
            }
            catch (FormatException ex)
            {
                failures.Add($"{Section}:RedisUrl (or REDIS_URL) is not a Redis address: {ex.Message}");
            }
        }

        ValidatePrefix(options.KeyPrefix, failures);
        Range(failures, "DefaultTtl (or REDIS_TTL)", options.DefaultTtl, TaskInputs.MinTtl, TaskInputs.MaxTtl);
        Range(failures, "LockTimeout (or REDIS_LOCK_TIMEOUT)", options.LockTimeout, TimeSpan.FromMilliseconds(10), TimeSpan.FromDays(1));

        if (options.Locks is null)
        {
            failures.Add($"{Section}:Locks cannot be null.");
        }
        else
        {
            Range(failures, "Locks:PollInterval", options.Locks.PollInterval, TimeSpan.FromMilliseconds(10), TimeSpan.FromHours(1));
        }

        var sessions = options.Sessions;
        if (sessions is null)
        {
            failures.Add($"{Section}:Sessions cannot be null.");
        }
        else
        {
            if (sessions.DefaultTtl is { } sessionTtl)
            {
                Range(failures, "Sessions:DefaultTtl", sessionTtl, TaskInputs.MinTtl, TaskInputs.MaxTtl);
            }

            Range(failures, "Sessions:MaxEvents", sessions.MaxEvents, 1, 1_000_000);
            Range(failures, "Sessions:MaxValueBytes", sessions.MaxValueBytes, 1, MaxBytes);
        }

        ValidateCache(options.Cache, failures);

        var tasks = options.Tasks;
        if (tasks is null)
        {
            failures.Add($"{Section}:Tasks cannot be null.");
        }
        else
        {
            if (tasks.DefaultTtl is { } taskTtl)
            {
                Range(failures, "Tasks:DefaultTtl", taskTtl, TaskInputs.MinTtl, TaskInputs.MaxTtl);
            }

            Range(failures, "Tasks:DefaultPollInterval", tasks.DefaultPollInterval, TaskInputs.MinPollInterval, TaskInputs.MaxPollInterval);
            Range(failures, "Tasks:MaxResultBytes", tasks.MaxResultBytes, 1, MaxBytes);
            Range(failures, "Tasks:MaxStatusMessageLength", tasks.MaxStatusMessageLength, 1, 1024 * 1024);
        }

        ValidateWorkers(options.Workers, failures);
        if (options.Messaging is null)
        {
            failures.Add($"{Section}:Messaging cannot be null.");
        }
        else
        {
            Range(failures, "Messaging:BufferSize", options.Messaging.BufferSize, 1, Messaging.MessageInputs.MaxBufferSize);
            Range(failures, "Messaging:MaxMessageBytes", options.Messaging.MaxMessageBytes, 1, Messaging.MessageInputs.MaxMessageBytesLimit);
            foreach (var (topic, durable) in options.Messaging.DurableTopics ?? [])
            {
                if (durable is null || !Messaging.TopicRules.IsValidTopic(topic))
                {
                    failures.Add($"{Section}:Messaging:DurableTopics:{topic} must name a valid topic (ASCII letters, digits and - _ . @ + = ~ / : * ? [ ]) and give its settings.");
                    continue;
                }

                if (topic.StartsWith("redisstores.", StringComparison.Ordinal))
                {
                    failures.Add($"{Section}:Messaging:DurableTopics:{topic}: the stores' own notification topics are plain topics and cannot be made durable.");
                    continue;
                }

                Range(failures, $"Messaging:DurableTopics:{topic}:MaxLength", durable.MaxLength, 1, 10_000_000);
                Range(failures, $"Messaging:DurableTopics:{topic}:MaxAge", durable.MaxAge, TimeSpan.FromSeconds(1), TimeSpan.FromDays(365));
            }
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void ValidateCache(Caching.CacheStoreOptions? cache, List<string> failures)
    {
        if (cache is null)
        {
            failures.Add($"{Section}:Cache cannot be null.");
            return;
        }

        if (cache.DefaultTtl is { } ttl)
        {
            Range(failures, "Cache:DefaultTtl", ttl, Caching.CacheInputs.MinTtl, TaskInputs.MaxTtl);
        }

        Range(failures, "Cache:MemoryCacheSize (or REDIS_MEMORY_CACHE_SIZE)", cache.MemoryCacheSize, 1, 10_000_000);
        Range(failures, "Cache:MemoryCacheTtl", cache.MemoryCacheTtl, Caching.CacheInputs.MinTtl, TaskInputs.MaxTtl);
        Range(failures, "Cache:MaxValueBytes", cache.MaxValueBytes, 1, MaxBytes);
        Range(failures, "Cache:RedisTimeout", cache.RedisTimeout, TimeSpan.FromMilliseconds(1), TimeSpan.FromMinutes(1));
        Range(failures, "Cache:FailSafeMaxDuration", cache.FailSafeMaxDuration, TimeSpan.FromSeconds(1), TaskInputs.MaxTtl);
        Range(failures, "Cache:FactoryLockTimeout", cache.FactoryLockTimeout, TimeSpan.Zero, TimeSpan.FromHours(1));
    }

    private static void ValidateWorkers(Workers.WorkerStoreOptions? workers, List<string> failures)
    {
        if (workers is null)
        {
            failures.Add($"{Section}:Workers cannot be null.");
            return;
        }

        if (workers.ExecutionTtl is { } ttl)
        {
            Range(failures, "Workers:ExecutionTtl", ttl, Workers.WorkerInputs.MinTtl, Workers.WorkerInputs.MaxTtl);
        }

        Range(failures, "Workers:MaxPayloadBytes", workers.MaxPayloadBytes, 1, MaxBytes);
        Range(failures, "Workers:VisibilityTimeout", workers.VisibilityTimeout, Workers.WorkerInputs.MinVisibility, Workers.WorkerInputs.MaxVisibility);
        Range(failures, "Workers:MaxAttempts", workers.MaxAttempts, 1, Workers.WorkerInputs.MaxAttemptsLimit);
        Range(failures, "Workers:RetryBaseDelay", workers.RetryBaseDelay, TimeSpan.Zero, TimeSpan.FromDays(1));
        Range(failures, "Workers:RetryMaxDelay", workers.RetryMaxDelay, TimeSpan.Zero, TimeSpan.FromDays(1));
        if (workers.RetryMaxDelay < workers.RetryBaseDelay)
        {
            failures.Add($"{Section}:Workers:RetryMaxDelay ({workers.RetryMaxDelay}) cannot be less than {Section}:Workers:RetryBaseDelay ({workers.RetryBaseDelay}).");
        }

        Range(failures, "Workers:DedupWindow", workers.DedupWindow, TimeSpan.FromMilliseconds(1), Workers.WorkerInputs.MaxTtl);
        if (workers.JobTtl is { } jobTtl)
        {
            Range(failures, "Workers:JobTtl", jobTtl, TimeSpan.FromMilliseconds(1), Workers.WorkerInputs.MaxTtl);
        }

        if (workers.MaxQueueLength is { } maxLength && (maxLength < 1 || maxLength > Workers.WorkerInputs.MaxQueueLengthLimit))
        {
            failures.Add($"{Section}:Workers:MaxQueueLength must be between 1 and {Workers.WorkerInputs.MaxQueueLengthLimit}; it is {maxLength}.");
        }

        Range(failures, "Workers:HeartbeatTtl", workers.HeartbeatTtl, TimeSpan.FromSeconds(1), TimeSpan.FromDays(1));
        Range(failures, "Workers:IdlePollInterval", workers.IdlePollInterval, TimeSpan.FromMilliseconds(100), TimeSpan.FromDays(1));
    }

    private static void ValidatePrefix(string? prefix, List<string> failures)
    {
        const string Setting = Section + ":KeyPrefix (or REDIS_PREFIX)";
        if (string.IsNullOrEmpty(prefix))
        {
            failures.Add($"{Setting} cannot be empty; every key lives under it. The default is '{RedisStoresOptions.DefaultKeyPrefix}'.");
            return;
        }

        if (prefix.Length > 128)
        {
            failures.Add($"{Setting} is at most 128 characters; it has {prefix.Length}.");
        }

        foreach (var c in prefix)
        {
            if (char.IsWhiteSpace(c) || char.IsControl(c) || c is '{' or '}' or '*' or '?' or '[' or ']' or '\\')
            {
                failures.Add($"{Setting} may not contain white space, control characters or any of {{ }} * ? [ ] \\ (braces would break the stores' Redis Cluster hash tags).");
                return;
            }
        }
    }

    private static void Range(List<string> failures, string setting, int value, int min, int max)
    {
        if (value < min || value > max)
        {
            failures.Add($"{Section}:{setting} must be between {min} and {max}; it is {value}.");
        }
    }

    private static void Range(List<string> failures, string setting, TimeSpan value, TimeSpan min, TimeSpan max)
    {
        if (value < min || value > max)
        {
            failures.Add($"{Section}:{setting} must be between {min} and {max}; it is {value}.");
        }
    }
}
