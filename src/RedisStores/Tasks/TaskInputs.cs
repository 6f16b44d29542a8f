using RedisStores.Internal;
using RedisStores.Serialization;

namespace RedisStores.Tasks;

/// <summary>
/// Checks and normalizes what callers pass to a task store, and converts results, so both implementations
/// accept and refuse exactly the same input.
/// </summary>
internal sealed class TaskInputs
{
    internal static readonly TimeSpan MinTtl = TimeSpan.FromSeconds(1);
    internal static readonly TimeSpan MaxTtl = TimeSpan.FromDays(365);
    internal static readonly TimeSpan MinPollInterval = TimeSpan.FromMilliseconds(10);
    internal static readonly TimeSpan MaxPollInterval = TimeSpan.FromHours(1);

    private readonly TaskStoreOptions _options;
    private readonly TimeSpan _defaultTtl;
    private readonly IStoreSerializer _serializer;

    internal TaskInputs(RedisStoresOptions options, IStoreSerializer serializer)
    {
        // DI validates at start-up; a store built by hand gets the same checks here.
        DependencyInjection.RedisStoresOptionsValidator.EnsureValid(options);

        _options = options.Tasks;
        _defaultTtl = options.Tasks.DefaultTtl ?? options.DefaultTtl;
        _serializer = serializer;
    }

    internal readonly record struct NewTask(string Id, TaskState Status, string? Message, TimeSpan Ttl, TimeSpan PollInterval);

    internal NewTask PrepareCreate(CreateTaskRequest? request)
    {
        request ??= new CreateTaskRequest();
        var id = request.Id;
        if (id is null)
        {
            id = Guid.NewGuid().ToString("N");
        }
        else
        {
            StoreId.Validate(id, nameof(request), TaskLifecycle.EntityKind);
        }

        TaskLifecycle.ThrowIfUndefined(request.Status, nameof(request));
        if (TaskLifecycle.IsTerminal(request.Status))
        {
            throw new ArgumentException($"A task cannot be created {request.Status}; create it Working or InputRequired.", nameof(request));
        }

        var ttl = request.Ttl ?? _defaultTtl;
        EnsureRange(ttl, MinTtl, MaxTtl, "Ttl", nameof(request));
        var poll = request.PollInterval ?? _options.DefaultPollInterval;
        EnsureRange(poll, MinPollInterval, MaxPollInterval, "PollInterval", nameof(request));

        // Whole milliseconds: Redis keeps TTLs and timestamps to the millisecond, and so does memory.
        return new NewTask(id, request.Status, Message(request.StatusMessage, nameof(request)),
            TimeSpan.FromMilliseconds(Math.Ceiling(ttl.TotalMilliseconds)),
            TimeSpan.FromMilliseconds(Math.Ceiling(poll.TotalMilliseconds)));
    }

    internal string? Message(string? message, string paramName)
    {
        if (string.IsNullOrEmpty(message))
        {
            return null;
        }

        if (message.Length > _options.MaxStatusMessageLength)
        {
            throw new ArgumentException(
                $"A status message is at most {_options.MaxStatusMessageLength} characters (RedisStores:Tasks:MaxStatusMessageLength); this one has {message.Length}.",
                paramName);
        }

        return message;
    }

    internal static void ValidateUpdate(string taskId, TaskState status)
    {
        StoreId.Validate(taskId, nameof(taskId), TaskLifecycle.EntityKind);
        TaskLifecycle.ThrowIfUndefined(status, nameof(status));
    }

    internal byte[] SerializeResult<TResult>(string taskId, TResult result, TaskState status)
    {
        ValidateUpdate(taskId, status);
        if (!TaskLifecycle.IsTerminal(status))
        {
            throw new ArgumentException($"A result is stored with a final status (Completed, Failed or Cancelled), not {status}.", nameof(status));
        }

        byte[] bytes;
        try
        {
            bytes = _serializer.Serialize(result);
        }
        catch (Exception ex) when (ex is not (OperationCanceledException or OutOfMemoryException))
        {
            throw new StoreSerializationException(
                $"The result of task '{taskId}' (a {typeof(TResult).Name}) cannot be serialized: {ex.Message}", ex);
        }

        if (bytes.Length > _options.MaxResultBytes)
        {
            throw new ArgumentException(
                $"The result of task '{taskId}' serializes to {bytes.Length} bytes, over the limit of {_options.MaxResultBytes} (RedisStores:Tasks:MaxResultBytes). Store large data elsewhere and keep a reference in the result.",
                nameof(result));
        }

        return bytes;
    }

    internal TaskResult<TResult> DeserializeResult<TResult>(string taskId, TaskState status, string? message, ReadOnlySpan<byte> data)
    {
        try
        {
            return new TaskResult<TResult> { Status = status, StatusMessage = message, Value = _serializer.Deserialize<TResult>(data) };
        }
        catch (Exception ex) when (ex is not (OperationCanceledException or OutOfMemoryException))
        {
            throw new StoreSerializationException(
                $"The stored result of task '{taskId}' cannot be read as {typeof(TResult).Name}: {ex.Message}", ex);
        }
    }

    internal static (TaskState? Status, int PageSize, TaskCursor? Cursor) PrepareQuery(TaskQuery? query)
    {
        query ??= new TaskQuery();
        if (query.Status is { } status)
        {
            TaskLifecycle.ThrowIfUndefined(status, nameof(query));
        }

        if (query.PageSize is < 1 or > TaskQuery.MaxPageSize)
        {
            throw new ArgumentOutOfRangeException(nameof(query), query.PageSize, $"PageSize must be between 1 and {TaskQuery.MaxPageSize}.");
        }

        TaskCursor? cursor = query.Cursor is null ? null : TaskCursor.Decode(query.Cursor, nameof(query));
        return (query.Status, query.PageSize, cursor);
    }

    private static void EnsureRange(TimeSpan value, TimeSpan min, TimeSpan max, string name, string paramName)
    {
        if (value < min || value > max)
        {
            throw new ArgumentOutOfRangeException(paramName, value, $"{name} must be between {min} and {max}.");
        }
    }
}
