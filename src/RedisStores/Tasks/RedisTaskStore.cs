using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using RedisStores.Internal;
using RedisStores.Messaging;
using RedisStores.Redis;
using RedisStores.Serialization;
using StackExchange.Redis;

namespace RedisStores.Tasks;

/// <summary>
/// The Redis <see cref="ITaskStore"/>: a hash per task with its TTL, sorted-set indexes for listing and
/// counting, and one Lua script per operation. Works on a standalone server and on Redis Cluster.
/// See <c>docs/data-model.md</c> for every key.
/// </summary>
public sealed partial class RedisTaskStore : ITaskStore, IAsyncDisposable, IDisposable
{
    private const string StoreName = "task store";

    // Expired entries removed from the indexes per listing or counting call; a larger backlog is drained in
    // further calls of the same size, so no script holds the server for long.
    private const int PruneBatch = 1000;

    private readonly RedisConnection _connection;
    private readonly TaskKeys _keys;
    private readonly TaskInputs _inputs;
    private readonly TimeProvider _time;

    private readonly TaskWaiters _waiters = new();

    /// <summary>The read that covers a status notification lost while disconnected. Tests lengthen it, to show that the notification wakes waiters.</summary>
    internal TimeSpan SafetyPoll { get; set; } = TimeSpan.FromSeconds(5);

    private readonly RedisMessageBus _bus;
    private readonly string _statusChannel;
    private Task<IMessageSubscription>? _statusSubscription;
    private readonly ILogger _logger;

    /// <summary>Creates a task store on a connection the caller owns (and disposes).</summary>
    /// <param name="connection">The Redis connection.</param>
    /// <param name="options">The settings; <see langword="null"/> uses the defaults.</param>
    /// <param name="serializer">Serializes results; <see langword="null"/> uses <see cref="JsonStoreSerializer.Default"/>.</param>
    /// <param name="timeProvider">The clock of created and updated times; <see langword="null"/> uses the system clock.</param>
    /// <param name="logger">The logger; <see langword="null"/> logs nothing.</param>
    public RedisTaskStore(
        IConnectionMultiplexer connection,
        RedisStoresOptions? options = null,
        IStoreSerializer? serializer = null,
        TimeProvider? timeProvider = null,
        ILogger<RedisTaskStore>? logger = null)
        : this(new RedisConnection(connection ?? throw new ArgumentNullException(nameof(connection))), options, serializer, timeProvider, logger)
    {
    }

    internal RedisTaskStore(
        RedisConnection connection,
        RedisStoresOptions? options,
        IStoreSerializer? serializer,
        TimeProvider? timeProvider,
        ILogger? logger)
    {
        options ??= new RedisStoresOptions();
        _connection = connection;
        _keys = new TaskKeys(options.KeyPrefix);
        _inputs = new TaskInputs(options, serializer ?? JsonStoreSerializer.Default);
        _time = timeProvider ?? TimeProvider.System;
        _logger = logger ?? NullLogger.Instance;
        // The script writes the notification as JSON, whatever serializer the store's results use.
        _bus = new RedisMessageBus(connection, options, JsonStoreSerializer.Default, timeProvider, logger);
        _statusChannel = options.KeyPrefix + RedisMessageBus.ChannelInfix + StoreTopics.TaskStatus;
    }

    /// <inheritdoc />
    public async ValueTask<TaskRecord> CreateAsync(CreateTaskRequest? request = null, CancellationToken cancellationToken = default)
    {
        var task = _inputs.PrepareCreate(request);
        var now = NowMs();
        RedisValue[] args =
        [
            task.Id, TaskLifecycle.ToWire(task.Status), task.Message ?? string.Empty, now,
            (long)task.Ttl.TotalMilliseconds, (long)task.PollInterval.TotalMilliseconds,
        ];
        var reply = await EvaluateAsync(Scripts.Create, _keys.IndexesAndTask(task.Id), args, cancellationToken).ConfigureAwait(false);
        switch ((long)reply)
        {
            case Scripts.Exists:
                throw new EntityAlreadyExistsException(TaskLifecycle.EntityKind, task.Id);
            case Scripts.Foreign:
                throw ForeignData(task.Id);
        }

        var created = DateTimeOffset.FromUnixTimeMilliseconds(now);
        return new TaskRecord
        {
            Id = task.Id,
            Status = task.Status,
            StatusMessage = task.Message,
            CreatedAt = created,
            LastUpdatedAt = created,
            Ttl = task.Ttl,
            PollInterval = task.PollInterval,
        };
    }

    /// <inheritdoc />
    public async ValueTask<TaskRecord?> GetAsync(string taskId, CancellationToken cancellationToken = default)
    {
        StoreId.Validate(taskId, nameof(taskId), TaskLifecycle.EntityKind);
        var reply = await EvaluateAsync(Scripts.Get, [_keys.Task(taskId)], [], cancellationToken).ConfigureAwait(false);
        return reply.Resp2Type == ResultType.Integer ? ThrowOnCode(reply, taskId, nullOnNotFound: true) : ParseTask(reply, taskId);
    }

    /// <inheritdoc />
    public ValueTask<TaskRecord> UpdateStatusAsync(string taskId, TaskState status, string? statusMessage = null, CancellationToken cancellationToken = default)
    {
        TaskInputs.ValidateUpdate(taskId, status);
        var message = _inputs.Message(statusMessage, nameof(statusMessage));
        return UpdateAsync(taskId, status, message, result: null, cancellationToken);
    }

    /// <inheritdoc />
    public ValueTask<TaskRecord> SetResultAsync<TResult>(string taskId, TResult result, TaskState status = TaskState.Completed, string? statusMessage = null, CancellationToken cancellationToken = default)
    {
        var bytes = _inputs.SerializeResult(taskId, result, status);
        var message = _inputs.Message(statusMessage, nameof(statusMessage));
        return UpdateAsync(taskId, status, message, bytes, cancellationToken);
    }

    /// <inheritdoc />
    public async ValueTask<TaskResult<TResult>?> GetResultAsync<TResult>(string taskId, CancellationToken cancellationToken = default)
    {
        StoreId.Validate(taskId, nameof(taskId), TaskLifecycle.EntityKind);
        var reply = await EvaluateAsync(Scripts.GetResult, [_keys.Task(taskId)], [], cancellationToken).ConfigureAwait(false);
        if (reply.Resp2Type == ResultType.Integer)
        {
            ThrowOnCode(reply, taskId, nullOnNotFound: true);
            return null;
        }

        var parts = (RedisResult[])reply!;
        var status = ParseStatus((string?)parts[0], taskId);
        if (parts[2].IsNull)
        {
            return null;
        }

        return _inputs.DeserializeResult<TResult>(taskId, status, (string?)parts[1], ((byte[])parts[2]!).AsSpan());
    }

    /// <inheritdoc />
    public async ValueTask<bool> DeleteAsync(string taskId, CancellationToken cancellationToken = default)
    {
        StoreId.Validate(taskId, nameof(taskId), TaskLifecycle.EntityKind);
        var reply = await EvaluateAsync(Scripts.Delete, _keys.IndexesAndTask(taskId), [taskId], cancellationToken).ConfigureAwait(false);
        return (long)reply == Scripts.Foreign ? throw ForeignData(taskId) : (long)reply > 0;
    }

    /// <inheritdoc />
    public async ValueTask<TaskPage> ListAsync(TaskQuery? query = null, CancellationToken cancellationToken = default)
    {
        var (status, pageSize, cursor) = TaskInputs.PrepareQuery(query);
        var index = status is { } s ? TaskKeys.FirstStatusIndex + (int)s : TaskKeys.AllIndex;
        RedisValue[] args =
        [
            _keys.TaskKeyPrefix, index,
            cursor is { } c ? c.CreatedMs : RedisValue.EmptyString, cursor?.Id ?? string.Empty,
            pageSize, PruneBatch,
        ];
        var reply = await EvaluateAsync(Scripts.List, _keys.Indexes, args, cancellationToken).ConfigureAwait(false);
        var parts = (RedisResult[])reply!;
        if (parts[0].Resp2Type == ResultType.Integer)
        {
            throw ForeignData((string?)parts[1] ?? "?");
        }

        var tasks = new List<TaskRecord>(parts.Length - 2);
        for (var i = 2; i < parts.Length; i++)
        {
            tasks.Add(ParseTask(parts[i], "?"));
        }

        string? next = null;
        var nextScore = (string?)parts[0];
        if (!string.IsNullOrEmpty(nextScore))
        {
            next = new TaskCursor(ParseLong(nextScore, "cursor"), (string)parts[1]!).Encode();
        }

        return new TaskPage { Tasks = tasks, NextCursor = next };
    }

    /// <inheritdoc />
    public async ValueTask<TaskStats> GetStatsAsync(CancellationToken cancellationToken = default)
    {
        while (true)
        {
            var reply = await EvaluateAsync(Scripts.Stats, _keys.Indexes, [PruneBatch], cancellationToken).ConfigureAwait(false);
            var parts = (long[])reply!;
            if (parts[0] > 0)
            {
                Log.TasksPruned(_logger, parts[0]);
            }

            // A full prune batch means more expired entries may wait; their counts would be stale, so drain first.
            if (parts[0] < PruneBatch)
            {
                return TaskStats.FromCounts(parts.AsSpan(1));
            }
        }
    }

    private async ValueTask<TaskRecord> UpdateAsync(string taskId, TaskState status, string? message, byte[]? result, CancellationToken cancellationToken)
    {
        var args = new RedisValue[result is null ? 6 : 7];
        args[0] = taskId;
        args[1] = TaskLifecycle.ToWire(status);
        args[2] = message ?? string.Empty;
        args[3] = NowMs();
        args[4] = _connection.PublishName(_statusChannel);
        args[5] = Guid.NewGuid().ToString("N");
        if (result is not null)
        {
            args[6] = result;
        }

        var reply = await EvaluateAsync(Scripts.Update, _keys.IndexesAndTask(taskId), args, cancellationToken).ConfigureAwait(false);
        if (reply.Resp2Type == ResultType.Integer)
        {
            ThrowOnCode(reply, taskId, nullOnNotFound: false);
        }

        var parts = (RedisResult[])reply!;
        if (parts.Length == 2 && parts[0].Resp2Type == ResultType.Integer)
        {
            throw new InvalidTaskTransitionException(taskId, ParseStatus((string?)parts[1], taskId), status);
        }

        return ParseTask(reply, taskId);
    }

    /// <inheritdoc />
    public async ValueTask<TaskRecord> WaitForCompletionAsync(string taskId, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        StoreId.Validate(taskId, nameof(taskId), TaskLifecycle.EntityKind);

        // The first wait of a store subscribes and reads at once (one round trip when the task is already finished);
        // the waiter reads again once the subscription is live before it sleeps, so no change goes unheard.
        var subscribed = EnsureStatusSubscription();
        return await _waiters.WaitAsync(GetAsync, taskId, timeout, SafetyPoll, TimeProvider.System, cancellationToken, subscribed).ConfigureAwait(false);
    }

    /// <summary>Ends the subscription that wakes <see cref="WaitForCompletionAsync"/> callers, if one was made. The connection is the caller's.</summary>
    /// <returns>A task that completes when the subscription is gone.</returns>
    public async ValueTask DisposeAsync()
    {
        Task<IMessageSubscription>? subscription;
        lock (_waiters)
        {
            subscription = _statusSubscription;
            _statusSubscription = null;
        }

        if (subscription is { IsCompletedSuccessfully: true })
        {
            var made = await subscription.ConfigureAwait(false);
            await made.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Ends the waiters' subscription without waiting for Redis to hear of it, for hosts that dispose synchronously.</summary>
    public void Dispose() => RedisCall.Observe(DisposeAsync().AsTask());

    // One subscription per store to the status topic, made on the first wait and kept; a failed one is tried again.
    private Task<IMessageSubscription> EnsureStatusSubscription()
    {
        lock (_waiters)
        {
            if (_statusSubscription is null || _statusSubscription.IsFaulted || _statusSubscription.IsCanceled)
            {
                _statusSubscription = _bus.SubscribeAsync<TaskStatusChange>(StoreTopics.TaskStatus, (m, _) =>
                {
                    _waiters.Wake(m.Payload.TaskId);
                    return ValueTask.CompletedTask;
                }, cancellationToken: CancellationToken.None).AsTask();

                // A wait that finds its task finished never awaits it; a failure is seen by the next wait, which tries again.
                RedisCall.Observe(_statusSubscription);
            }

            return _statusSubscription;
        }
    }

    private ValueTask<RedisResult> EvaluateAsync(string script, RedisKey[] keys, RedisValue[] args, CancellationToken cancellationToken)
        => RedisCall.EvaluateAsync(_connection, script, keys, args, StoreName, cancellationToken);

    private long NowMs() => _time.GetUtcNow().ToUnixTimeMilliseconds();

    private static TaskRecord? ThrowOnCode(RedisResult reply, string taskId, bool nullOnNotFound)
    {
        return (long)reply switch
        {
            Scripts.NotFound when nullOnNotFound => null,
            Scripts.NotFound => throw new EntityNotFoundException(TaskLifecycle.EntityKind, taskId),
            _ => throw ForeignData(taskId),
        };
    }

    private static StoreDataException ForeignData(string taskId)
        => new($"The Redis key of task '{taskId}' holds data this store did not write. Something else writes under the store's key prefix; delete that key or give the store its own RedisStores:KeyPrefix.");
}
