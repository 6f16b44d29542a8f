using RedisStores.Internal;
using RedisStores.Serialization;

namespace RedisStores.Workers;

/// <summary>
/// The in-memory <see cref="IWorkerStore"/>: for development, tests and single-instance hosts. It follows the same
/// rules as <see cref="RedisWorkerStore"/>, with the injected <see cref="TimeProvider"/> driving times and expiry;
/// its state lives and dies with the process. Expired executions are removed as the store is used.
/// </summary>
public sealed partial class InMemoryWorkerStore : IWorkerStore
{
    private readonly object _gate = new();
    private readonly Dictionary<string, Execution> _executions = new(StringComparer.Ordinal);
    private readonly SortedSet<Execution> _active = new(NewestFirst.Instance);
    private readonly SortedSet<(long ExpiresMs, string Id)> _expiry = new(ExpiryOrder.Instance);
    private readonly WorkerInputs _inputs;
    private readonly TimeProvider _time;
    private readonly Messaging.IMessageBus? _notifications;

    /// <summary>Creates an empty store.</summary>
    /// <param name="options">The settings; <see langword="null"/> uses the defaults.</param>
    /// <param name="serializer">Serializes step results and job payloads; <see langword="null"/> uses <see cref="JsonStoreSerializer.Default"/>.</param>
    /// <param name="timeProvider">The clock that drives recorded times and expiry; <see langword="null"/> uses the system clock.</param>
    public InMemoryWorkerStore(RedisStoresOptions? options = null, IStoreSerializer? serializer = null, TimeProvider? timeProvider = null)
        : this(options, serializer, timeProvider, notifications: null)
    {
    }

    /// <summary>A store that also announces finished jobs on <paramref name="notifications"/>.</summary>
    internal InMemoryWorkerStore(RedisStoresOptions? options, IStoreSerializer? serializer, TimeProvider? timeProvider, Messaging.IMessageBus? notifications)
    {
        _notifications = notifications;
        _inputs = new WorkerInputs(options ?? new RedisStoresOptions(), serializer ?? JsonStoreSerializer.Default);
        _time = timeProvider ?? TimeProvider.System;
    }

    /// <summary>How many executions the store holds, counting expired ones not yet removed. For tests and diagnostics.</summary>
    internal int HeldCount
    {
        get
        {
            lock (_gate)
            {
                return _executions.Count;
            }
        }
    }

    /// <inheritdoc />
    public ValueTask<ExecutionRecord> StartExecutionAsync(string executionId, ExecutionOptions? options = null, CancellationToken cancellationToken = default)
    {
        var ttlMs = _inputs.TtlMs(executionId, options);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            var now = NowMs();
            Prune(now);
            if (!_executions.TryGetValue(executionId, out var execution))
            {
                execution = new Execution(executionId, now, ttlMs);
                _executions.Add(executionId, execution);
                _active.Add(execution);
                if (execution.ExpiresMs is { } expires)
                {
                    _expiry.Add((expires, executionId));
                }
            }

            return ValueTask.FromResult(execution.ToRecord());
        }
    }

    /// <inheritdoc />
    public ValueTask<bool> StartStepAsync(string executionId, string stepName, CancellationToken cancellationToken = default)
    {
        WorkerInputs.ValidateStep(executionId, stepName);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            var execution = Require(executionId);
            if (execution.Steps.TryGetValue(stepName, out var existing) && existing.Bytes is not null)
            {
                return ValueTask.FromResult(false);
            }

            execution.Steps[stepName] = new Step(NowMs(), null, null);
            return ValueTask.FromResult(true);
        }
    }

    /// <inheritdoc />
    public ValueTask<StepCompletion<T>> CompleteStepAsync<T>(string executionId, string stepName, T result, CancellationToken cancellationToken = default)
    {
        var bytes = _inputs.Serialize(executionId, stepName, result);
        cancellationToken.ThrowIfCancellationRequested();
        byte[] stored;
        lock (_gate)
        {
            var execution = Require(executionId);
            var now = NowMs();
            if (execution.Steps.TryGetValue(stepName, out var existing) && existing.Bytes is not null)
            {
                stored = existing.Bytes;
            }
            else
            {
                execution.Steps[stepName] = new Step(existing?.StartedMs ?? now, now, bytes);
                return ValueTask.FromResult(new StepCompletion<T> { Recorded = true, Result = result });
            }
        }

        return ValueTask.FromResult(new StepCompletion<T> { Recorded = false, Result = _inputs.Deserialize<T>(executionId, stepName, stored) });
    }

    /// <inheritdoc />
    public ValueTask<StepResult<T>?> GetStepResultAsync<T>(string executionId, string stepName, CancellationToken cancellationToken = default)
    {
        WorkerInputs.ValidateStep(executionId, stepName);
        cancellationToken.ThrowIfCancellationRequested();
        Step? found;
        lock (_gate)
        {
            Require(executionId).Steps.TryGetValue(stepName, out found);
        }

        return ValueTask.FromResult(found is { Bytes: { } bytes, CompletedMs: { } completed }
            ? new StepResult<T> { Value = _inputs.Deserialize<T>(executionId, stepName, bytes), CompletedAt = DateTimeOffset.FromUnixTimeMilliseconds(completed) }
            : null);
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<StepRecord>> ListStepsAsync(string executionId, CancellationToken cancellationToken = default)
    {
        WorkerInputs.ValidateExecution(executionId);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            var steps = Require(executionId).Steps
                .OrderBy(s => s.Value.StartedMs).ThenBy(s => s.Key, StringComparer.Ordinal)
                .Select(s => new StepRecord(
                    _inputs, executionId, s.Key,
                    DateTimeOffset.FromUnixTimeMilliseconds(s.Value.StartedMs),
                    s.Value.CompletedMs is { } c ? DateTimeOffset.FromUnixTimeMilliseconds(c) : null,
                    s.Value.Bytes))
                .ToList();
            return ValueTask.FromResult<IReadOnlyList<StepRecord>>(steps);
        }
    }

    /// <inheritdoc />
    public ValueTask<bool> CompleteExecutionAsync(string executionId, CancellationToken cancellationToken = default)
    {
        WorkerInputs.ValidateExecution(executionId);
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(Finish(executionId, ExecutionState.Completed, null));
    }

    /// <inheritdoc />
    public ValueTask<bool> FailExecutionAsync(string executionId, string errorMessage, CancellationToken cancellationToken = default)
    {
        var text = WorkerInputs.Error(executionId, errorMessage);
        cancellationToken.ThrowIfCancellationRequested();
        return ValueTask.FromResult(Finish(executionId, ExecutionState.Failed, text));
    }

    /// <inheritdoc />
    public ValueTask<ExecutionRecord?> GetExecutionAsync(string executionId, CancellationToken cancellationToken = default)
    {
        WorkerInputs.ValidateExecution(executionId);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            return ValueTask.FromResult(Find(executionId)?.ToRecord());
        }
    }

    /// <inheritdoc />
    public ValueTask<ExecutionPage> ListActiveExecutionsAsync(ExecutionQuery? query = null, CancellationToken cancellationToken = default)
    {
        var (pageSize, cursor) = WorkerInputs.PrepareQuery(query);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            Prune(NowMs());
            IEnumerable<Execution> source = _active;
            if (cursor is { } c && _active.Count > 0)
            {
                // Everything that sorts after the cursor's position, whether or not that execution is still active.
                var from = new Execution(c.Id, c.StartedMs, null);
                source = NewestFirst.Instance.Compare(from, _active.Max!) > 0
                    ? []
                    : _active.GetViewBetween(from, _active.Max!).SkipWhile(e => NewestFirst.Instance.Compare(e, from) == 0);
            }

            var page = new List<ExecutionRecord>(Math.Min(pageSize, _active.Count));
            Execution? last = null;
            var more = false;
            foreach (var execution in source)
            {
                if (page.Count == pageSize)
                {
                    more = true;
                    break;
                }

                page.Add(execution.ToRecord());
                last = execution;
            }

            var next = more ? new ExecutionCursor(last!.StartedMs, last.Id).Encode() : null;
            return ValueTask.FromResult(new ExecutionPage { Executions = page, NextCursor = next });
        }
    }

    private bool Finish(string executionId, ExecutionState state, string? error)
    {
        lock (_gate)
        {
            var execution = Require(executionId);
            if (execution.State != ExecutionState.Active)
            {
                return false;
            }

            _active.Remove(execution);
            execution.State = state;
            execution.Error = error;
            execution.FinishedMs = NowMs();
            return true;
        }
    }

    // Called under _gate.
    private Execution Require(string executionId)
        => Find(executionId) ?? throw new EntityNotFoundException(WorkerInputs.ExecutionKind, executionId);

    // Called under _gate. An execution past its expiry is absent, exactly as Redis would have dropped its keys.
    private Execution? Find(string executionId)
    {
        if (!_executions.TryGetValue(executionId, out var execution))
        {
            return null;
        }

        // Live through its expiry millisecond and gone after it, as Redis treats a key's PEXPIREAT instant.
        if (execution.ExpiresMs < NowMs())
        {
            Remove(execution);
            return null;
        }

        return execution;
    }

    // Called under _gate. Removes every expired execution, oldest expiry first.
    private void Prune(long nowMs)
    {
        while (_expiry.Count > 0 && _expiry.Min.ExpiresMs < nowMs)
        {
            Remove(_executions[_expiry.Min.Id]);
        }
    }

    private void Remove(Execution execution)
    {
        _executions.Remove(execution.Id);
        _active.Remove(execution);
        if (execution.ExpiresMs is { } expires)
        {
            _expiry.Remove((expires, execution.Id));
        }
    }

    private long NowMs() => _time.GetUtcNow().ToUnixTimeMilliseconds();

    private sealed record Step(long StartedMs, long? CompletedMs, byte[]? Bytes);

    private sealed class Execution(string id, long startedMs, long? ttlMs)
    {
        public string Id { get; } = id;
        public long StartedMs { get; } = startedMs;
        public long? TtlMs { get; } = ttlMs;
        public long? ExpiresMs => StartedMs + TtlMs;
        public ExecutionState State { get; set; }
        public long? FinishedMs { get; set; }
        public string? Error { get; set; }
        public Dictionary<string, Step> Steps { get; } = new(StringComparer.Ordinal);

        public ExecutionRecord ToRecord() => new()
        {
            Id = Id,
            State = State,
            StartedAt = DateTimeOffset.FromUnixTimeMilliseconds(StartedMs),
            FinishedAt = FinishedMs is { } f ? DateTimeOffset.FromUnixTimeMilliseconds(f) : null,
            Error = Error,
            Ttl = TtlMs is { } t ? TimeSpan.FromMilliseconds(t) : null,
        };
    }

    // Newest first, ties by id descending (ordinal): the order of ZREVRANGE over a start-time index.
    private sealed class NewestFirst : IComparer<Execution>
    {
        public static readonly NewestFirst Instance = new();

        public int Compare(Execution? x, Execution? y)
        {
            var byTime = y!.StartedMs.CompareTo(x!.StartedMs);
            return byTime != 0 ? byTime : string.CompareOrdinal(y.Id, x.Id);
        }
    }
}
