using RedisStores.Internal;
using RedisStores.Serialization;

namespace RedisStores.Workers;

/// <summary>
/// Checks what callers pass to a worker store and converts step results, so both implementations accept and
/// refuse exactly the same input.
/// </summary>
internal sealed partial class WorkerInputs
{
    internal const string ExecutionKind = "execution";
    internal const string StepKind = "step";

    /// <summary>The longest failure text kept, in characters; a longer one is cut, not refused, as a failing worker must not fail again.</summary>
    internal const int MaxErrorLength = 16 * 1024;

    internal static readonly TimeSpan MinTtl = TimeSpan.FromSeconds(1);
    internal static readonly TimeSpan MaxTtl = TimeSpan.FromDays(365);

    private readonly WorkerStoreOptions _options;
    private readonly IStoreSerializer _serializer;

    internal WorkerInputs(RedisStoresOptions options, IStoreSerializer serializer)
    {
        // DI validates at start-up; a store built by hand gets the same checks here.
        DependencyInjection.RedisStoresOptionsValidator.EnsureValid(options);
        _options = options.Workers;
        _serializer = serializer;
    }

    /// <summary>The execution's TTL in whole milliseconds, or <see langword="null"/> for none.</summary>
    internal long? TtlMs(string executionId, ExecutionOptions? options)
    {
        ValidateExecution(executionId);
        var ttl = options?.Ttl ?? _options.ExecutionTtl;
        if (ttl is not { } value)
        {
            return null;
        }

        if (value < MinTtl || value > MaxTtl)
        {
            throw new ArgumentOutOfRangeException(nameof(options), value, $"Ttl must be between {MinTtl} and {MaxTtl}.");
        }

        return (long)Math.Ceiling(value.TotalMilliseconds);
    }

    internal static void ValidateExecution(string executionId)
        => StoreId.Validate(executionId, nameof(executionId), ExecutionKind);

    internal static void ValidateStep(string executionId, string stepName)
    {
        ValidateExecution(executionId);
        StoreId.Validate(stepName, nameof(stepName), StepKind);
    }

    internal static string Error(string executionId, string errorMessage)
    {
        ValidateExecution(executionId);
        ArgumentException.ThrowIfNullOrEmpty(errorMessage);
        return errorMessage.Length > MaxErrorLength ? errorMessage[..MaxErrorLength] : errorMessage;
    }

    internal byte[] Serialize<T>(string executionId, string stepName, T result)
    {
        ValidateStep(executionId, stepName);
        byte[] bytes;
        try
        {
            bytes = _serializer.Serialize(result);
        }
        catch (Exception ex) when (ex is not (OperationCanceledException or OutOfMemoryException))
        {
            throw new StoreSerializationException(
                $"The result of step '{stepName}' of execution '{executionId}' (a {typeof(T).Name}) cannot be serialized: {ex.Message}", ex);
        }

        if (bytes.Length > _options.MaxPayloadBytes)
        {
            throw new ArgumentException(
                $"The result of step '{stepName}' of execution '{executionId}' serializes to {bytes.Length} bytes, over the limit of {_options.MaxPayloadBytes} (RedisStores:Workers:MaxPayloadBytes). Store large data elsewhere and keep a reference in the result.",
                nameof(result));
        }

        return bytes;
    }

    internal T Deserialize<T>(string executionId, string stepName, ReadOnlySpan<byte> data)
    {
        try
        {
            return _serializer.Deserialize<T>(data);
        }
        catch (Exception ex) when (ex is not (OperationCanceledException or OutOfMemoryException))
        {
            throw new StoreSerializationException(
                $"The stored result of step '{stepName}' of execution '{executionId}' cannot be read as {typeof(T).Name}: {ex.Message}", ex);
        }
    }

    internal static (int PageSize, ExecutionCursor? Cursor) PrepareQuery(ExecutionQuery? query)
    {
        query ??= new ExecutionQuery();
        if (query.PageSize is < 1 or > ExecutionQuery.MaxPageSize)
        {
            throw new ArgumentOutOfRangeException(nameof(query), query.PageSize, $"PageSize must be between 1 and {ExecutionQuery.MaxPageSize}.");
        }

        return (query.PageSize, query.Cursor is null ? null : ExecutionCursor.Decode(query.Cursor, nameof(query)));
    }
}
