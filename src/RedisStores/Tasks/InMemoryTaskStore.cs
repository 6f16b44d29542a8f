using RedisStores.Internal;
using RedisStores.Messaging;
using RedisStores.Serialization;

namespace RedisStores.Tasks;

/// <summary>
/// The in-memory <see cref="ITaskStore"/>: for development, tests and single-instance hosts. It behaves like
/// <see cref="RedisTaskStore"/> (same rules, same ordering, same errors) but its state lives and dies with the process.
/// Expired tasks are removed as the store is used, so memory does not grow with tasks that are gone.
/// </summary>
public sealed class InMemoryTaskStore : ITaskStore
{
    private readonly object _gate = new();
    private readonly Dictionary<string, Entry> _tasks = new(StringComparer.Ordinal);
    private readonly SortedSet<Entry> _all = new(NewestFirst.Instance);
    private readonly SortedSet<Entry>[] _byStatus;
    private readonly SortedSet<(long ExpiresMs, string Id)> _expiry = new(ExpiryOrder.Instance);
    private readonly TaskInputs _inputs;
    private readonly TimeProvider _time;
    private readonly TaskWaiters _waiters = new();
    private readonly IMessageBus? _notifications;

    /// <summary>Creates an empty store.</summary>
    /// <param name="options">The settings; <see langword="null"/> uses the defaults.</param>
    /// <param name="serializer">Serializes results; <see langword="null"/> uses <see cref="JsonStoreSerializer.Default"/>.</param>
    /// <param name="timeProvider">The clock that drives creation times and expiry; <see langword="null"/> uses the system clock.</param>
    public InMemoryTaskStore(RedisStoresOptions? options = null, IStoreSerializer? serializer = null, TimeProvider? timeProvider = null)
        : this(options, serializer, timeProvider, notifications: null)
    {
    }

    /// <summary>A store that also announces status changes on <paramref name="notifications"/>.</summary>
    internal InMemoryTaskStore(RedisStoresOptions? options, IStoreSerializer? serializer, TimeProvider? timeProvider, IMessageBus? notifications)
    {
        _notifications = notifications;
        _inputs = new TaskInputs(options ?? new RedisStoresOptions(), serializer ?? JsonStoreSerializer.Default);
        _time = timeProvider ?? TimeProvider.System;
        _byStatus = new SortedSet<Entry>[TaskLifecycle.StatusCount];
        for (var i = 0; i < _byStatus.Length; i++)
        {
            _byStatus[i] = new SortedSet<Entry>(NewestFirst.Instance);
        }
    }

    /// <summary>How many tasks the store holds, counting expired ones not yet removed. For tests and diagnostics.</summary>
    internal int HeldCount
    {
        get
        {
            lock (_gate)
            {
                return _tasks.Count;
            }
        }
    }

    /// <inheritdoc />
    public ValueTask<TaskRecord> CreateAsync(CreateTaskRequest? request = null, CancellationToken cancellationToken = default)
    {
        var task = _inputs.PrepareCreate(request);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            var now = NowMs();
            Prune(now);
            if (_tasks.ContainsKey(task.Id))
            {
                throw new EntityAlreadyExistsException(TaskLifecycle.EntityKind, task.Id);
            }

            var entry = new Entry(task.Id, now, (long)task.Ttl.TotalMilliseconds, (long)task.PollInterval.TotalMilliseconds)
            {
                Status = task.Status,
                Message = task.Message,
                UpdatedMs = now,
            };
            _tasks.Add(entry.Id, entry);
            _all.Add(entry);
            _byStatus[(int)entry.Status].Add(entry);
            _expiry.Add((entry.ExpiresMs, entry.Id));
            return ValueTask.FromResult(entry.ToRecord());
        }
    }

    /// <inheritdoc />
    public ValueTask<TaskRecord?> GetAsync(string taskId, CancellationToken cancellationToken = default)
    {
        StoreId.Validate(taskId, nameof(taskId), TaskLifecycle.EntityKind);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            return ValueTask.FromResult(Find(taskId)?.ToRecord());
        }
    }

    /// <inheritdoc />
    public ValueTask<TaskRecord> UpdateStatusAsync(string taskId, TaskState status, string? statusMessage = null, CancellationToken cancellationToken = default)
    {
        TaskInputs.ValidateUpdate(taskId, status);
        var message = _inputs.Message(statusMessage, nameof(statusMessage));
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(Update(taskId, status, message, result: null));
    }

    /// <inheritdoc />
    public ValueTask<TaskRecord> SetResultAsync<TResult>(string taskId, TResult result, TaskState status = TaskState.Completed, string? statusMessage = null, CancellationToken cancellationToken = default)
    {
        var bytes = _inputs.SerializeResult(taskId, result, status);
        var message = _inputs.Message(statusMessage, nameof(statusMessage));
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(Update(taskId, status, message, bytes));
    }

    /// <inheritdoc />
    public ValueTask<TaskResult<TResult>?> GetResultAsync<TResult>(string taskId, CancellationToken cancellationToken = default)
    {
        StoreId.Validate(taskId, nameof(taskId), TaskLifecycle.EntityKind);
        cancellationToken.ThrowIfCancellationRequested();
        TaskState status;
        string? message;
        byte[]? result;
        lock (_gate)
        {
            var entry = Find(taskId);
            if (entry?.ResultBytes is null)
            {
                return ValueTask.FromResult<TaskResult<TResult>?>(null);
            }

            (status, message, result) = (entry.Status, entry.Message, entry.ResultBytes);
        }

        return ValueTask.FromResult<TaskResult<TResult>?>(_inputs.DeserializeResult<TResult>(taskId, status, message, result));
    }

    /// <inheritdoc />
    public ValueTask<bool> DeleteAsync(string taskId, CancellationToken cancellationToken = default)
    {
        StoreId.Validate(taskId, nameof(taskId), TaskLifecycle.EntityKind);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            var entry = Find(taskId);
            if (entry is null)
            {
                return ValueTask.FromResult(false);
            }

            Remove(entry);
            _waiters.Wake(taskId); // a waiter reads again, finds nothing, and is told so
            return ValueTask.FromResult(true);
        }
    }

    /// <inheritdoc />
    public ValueTask<TaskPage> ListAsync(TaskQuery? query = null, CancellationToken cancellationToken = default)
    {
        var (status, pageSize, cursor) = TaskInputs.PrepareQuery(query);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            Prune(NowMs());
            var set = status is { } s ? _byStatus[(int)s] : _all;
            IEnumerable<Entry> source = set;
            if (cursor is { } c && set.Count > 0)
            {
                // Everything that sorts after the cursor's position, whether or not that task still exists.
                var from = new Entry(c.Id, c.CreatedMs, 0, 0);
                source = NewestFirst.Instance.Compare(from, set.Max!) > 0
                    ? []
                    : set.GetViewBetween(from, set.Max!).SkipWhile(e => NewestFirst.Instance.Compare(e, from) == 0);
            }

            var page = new List<TaskRecord>(Math.Min(pageSize, set.Count));
            Entry? last = null;
            var more = false;
            foreach (var entry in source)
            {
                if (page.Count == pageSize)
                {
                    more = true;
                    break;
                }

                page.Add(entry.ToRecord());
                last = entry;
            }

            var next = more ? new TaskCursor(last!.CreatedMs, last.Id).Encode() : null;
            return ValueTask.FromResult(new TaskPage { Tasks = page, NextCursor = next });
        }
    }

    /// <inheritdoc />
    public ValueTask<TaskStats> GetStatsAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        Span<long> counts = stackalloc long[TaskLifecycle.StatusCount];
        lock (_gate)
        {
            Prune(NowMs());
            for (var i = 0; i < counts.Length; i++)
            {
                counts[i] = _byStatus[i].Count;
            }
        }

        return ValueTask.FromResult(TaskStats.FromCounts(counts));
    }

    /// <inheritdoc />
    public ValueTask<TaskRecord> WaitForCompletionAsync(string taskId, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        StoreId.Validate(taskId, nameof(taskId), TaskLifecycle.EntityKind);
        // Changes and deletions wake waiters at once; the once-a-second read on the store's clock notices expiry.
        return _waiters.WaitAsync(GetAsync, taskId, timeout, TimeSpan.FromSeconds(1), _time, cancellationToken);
    }

    private TaskRecord Update(string taskId, TaskState status, string? message, byte[]? result)
    {
        var record = UpdateLocked(taskId, status, message, result);
        _waiters.Wake(taskId);
        return record;
    }

    private TaskRecord UpdateLocked(string taskId, TaskState status, string? message, byte[]? result)
    {
        lock (_gate)
        {
            var entry = Find(taskId) ?? throw new EntityNotFoundException(TaskLifecycle.EntityKind, taskId);
            TaskLifecycle.EnsureCanMove(taskId, entry.Status, status);
            if (entry.Status != status)
            {
                _byStatus[(int)entry.Status].Remove(entry);
                entry.Status = status;
                _byStatus[(int)status].Add(entry);
            }

            entry.Message = message;
            entry.UpdatedMs = NowMs();
            if (result is not null)
            {
                entry.ResultBytes = result;
            }

            // Announced under the lock, so concurrent changes are announced in the order they were applied; the
            // in-memory bus only writes into subscribers' buffers.
            Announcer.Announce(_notifications, StoreTopics.TaskStatus, new TaskStatusChange(taskId, TaskLifecycle.ToWire(status), message));
            return entry.ToRecord();
        }
    }

    // Called under _gate. A task past its expiry is absent, exactly as Redis would have dropped its key.
    private Entry? Find(string taskId)
    {
        if (!_tasks.TryGetValue(taskId, out var entry))
        {
            return null;
        }

        // Live through its expiry millisecond and gone after it, as Redis treats a key's PEXPIREAT instant.
        if (entry.ExpiresMs < NowMs())
        {
            Remove(entry);
            return null;
        }

        return entry;
    }

    // Called under _gate. Removes every expired task, oldest expiry first: O(log n) per removed task.
    private void Prune(long nowMs)
    {
        while (_expiry.Count > 0 && _expiry.Min.ExpiresMs < nowMs)
        {
            Remove(_tasks[_expiry.Min.Id]);
        }
    }

    private void Remove(Entry entry)
    {
        _tasks.Remove(entry.Id);
        _all.Remove(entry);
        _byStatus[(int)entry.Status].Remove(entry);
        _expiry.Remove((entry.ExpiresMs, entry.Id));
    }

    private long NowMs() => _time.GetUtcNow().ToUnixTimeMilliseconds();

    private sealed class Entry(string id, long createdMs, long ttlMs, long pollMs)
    {
        public string Id { get; } = id;
        public long CreatedMs { get; } = createdMs;
        public long TtlMs { get; } = ttlMs;
        public long PollMs { get; } = pollMs;
        public long ExpiresMs => CreatedMs + TtlMs;
        public TaskState Status { get; set; }
        public string? Message { get; set; }
        public long UpdatedMs { get; set; }
        public byte[]? ResultBytes { get; set; }

        public TaskRecord ToRecord() => new()
        {
            Id = Id,
            Status = Status,
            StatusMessage = Message,
            CreatedAt = DateTimeOffset.FromUnixTimeMilliseconds(CreatedMs),
            LastUpdatedAt = DateTimeOffset.FromUnixTimeMilliseconds(UpdatedMs),
            Ttl = TimeSpan.FromMilliseconds(TtlMs),
            PollInterval = TimeSpan.FromMilliseconds(PollMs),
            HasResult = ResultBytes is not null,
        };
    }

    // Newest first, ties by id descending (ordinal): the order of ZREVRANGE over a created-time index.
    private sealed class NewestFirst : IComparer<Entry>
    {
        public static readonly NewestFirst Instance = new();

        public int Compare(Entry? x, Entry? y)
        {
            var byTime = y!.CreatedMs.CompareTo(x!.CreatedMs);
            return byTime != 0 ? byTime : string.CompareOrdinal(y.Id, x.Id);
        }
    }
}
