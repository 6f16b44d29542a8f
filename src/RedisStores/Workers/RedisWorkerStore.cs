using RedisStores.Redis;
using RedisStores.Serialization;
using StackExchange.Redis;

namespace RedisStores.Workers;

/// <summary>
/// The Redis <see cref="IWorkerStore"/>. The journal keeps, per execution, a hash and a steps hash under one hash tag,
/// written by one Lua script per operation; active executions sit in a sorted set of their own, kept in step by a
/// pipelined second command and pruned as it is listed. Each queue keeps its jobs and state sets under one hash tag,
/// changed by one script per operation; waiting workers are woken over pub/sub. The registry keeps a hash per worker
/// with its heartbeat's TTL. Works on a standalone server and on Redis Cluster; see docs/data-model.md.
/// </summary>
public sealed partial class RedisWorkerStore : IWorkerStore
{
    private const string StoreName = "worker store";

    private readonly RedisConnection _connection;
    private readonly WorkerKeys _keys;
    private readonly WorkerInputs _inputs;
    private readonly TimeProvider _time;
    private readonly QueueWakeups _wakeups;
    private readonly string _jobsChannel;

    // The queue scripts a worker loop sends for every job, sent by their SHA1 (see ShaScript).
    private static readonly byte[] s_enqueueReadySha = ShaScript.HashOf(QueueScripts.EnqueueReady);
    private static readonly byte[] s_enqueueSha = ShaScript.HashOf(QueueScripts.Enqueue);
    private static readonly byte[] s_leaseSha = ShaScript.HashOf(QueueScripts.Lease);
    private static readonly byte[] s_ackSha = ShaScript.HashOf(QueueScripts.Ack);
    private static readonly byte[] s_ackAndLeaseSha = ShaScript.HashOf(QueueScripts.AckAndLease);
    private readonly ShaScript _enqueueReady = new(QueueScripts.EnqueueReady, s_enqueueReadySha);
    private readonly ShaScript _enqueue = new(QueueScripts.Enqueue, s_enqueueSha);
    private readonly ShaScript _lease = new(QueueScripts.Lease, s_leaseSha);
    private readonly ShaScript _ack = new(QueueScripts.Ack, s_ackSha);
    private readonly ShaScript _ackAndLease = new(QueueScripts.AckAndLease, s_ackAndLeaseSha);

    /// <summary>Creates a worker store on a connection the caller owns (and disposes).</summary>
    /// <param name="connection">The Redis connection.</param>
    /// <param name="options">The settings; <see langword="null"/> uses the defaults.</param>
    /// <param name="serializer">Serializes step results and job payloads; <see langword="null"/> uses <see cref="JsonStoreSerializer.Default"/>.</param>
    /// <param name="timeProvider">The clock of recorded times; <see langword="null"/> uses the system clock. Expiry follows the server's clock.</param>
    public RedisWorkerStore(
        IConnectionMultiplexer connection,
        RedisStoresOptions? options = null,
        IStoreSerializer? serializer = null,
        TimeProvider? timeProvider = null)
        : this(new RedisConnection(connection ?? throw new ArgumentNullException(nameof(connection))), options, serializer, timeProvider)
    {
    }

    internal RedisWorkerStore(RedisConnection connection, RedisStoresOptions? options, IStoreSerializer? serializer, TimeProvider? timeProvider)
    {
        options ??= new RedisStoresOptions();
        _connection = connection;
        _keys = new WorkerKeys(options.KeyPrefix);
        _inputs = new WorkerInputs(options, serializer ?? JsonStoreSerializer.Default);
        _time = timeProvider ?? TimeProvider.System;
        _wakeups = new QueueWakeups(connection, StoreName);
        _jobsChannel = Messaging.StoreTopics.Channel(options.KeyPrefix, Messaging.StoreTopics.WorkerJobs);
    }

    /// <inheritdoc />
    public async ValueTask<ExecutionRecord> StartExecutionAsync(string executionId, ExecutionOptions? options = null, CancellationToken cancellationToken = default)
    {
        var ttlMs = _inputs.TtlMs(executionId, options);
        var now = NowMs();
        RedisValue[] args = [executionId, now, ttlMs is { } t ? t : RedisValue.EmptyString];

        // NX: an execution already indexed keeps its place. An entry added for one that had finished is pruned when listed.
        var reply = await EvaluateWithIndexAsync(Scripts.Start, executionId, args, static (db, s) => db.SortedSetAddAsync(s.Index, s.Id, s.Now, SortedSetWhen.NotExists), now, cancellationToken).ConfigureAwait(false);
        return reply.Resp2Type == ResultType.Integer ? throw ForeignData(executionId) : ParseExecution(reply, executionId);
    }

    /// <inheritdoc />
    public async ValueTask<bool> StartStepAsync(string executionId, string stepName, CancellationToken cancellationToken = default)
    {
        WorkerInputs.ValidateStep(executionId, stepName);
        var reply = await EvaluateAsync(Scripts.StartStep, _keys.Execution(executionId), [stepName, NowMs()], cancellationToken).ConfigureAwait(false);
        return ThrowOnCode((long)reply, executionId) == 1;
    }

    /// <inheritdoc />
    public async ValueTask<StepCompletion<T>> CompleteStepAsync<T>(string executionId, string stepName, T result, CancellationToken cancellationToken = default)
    {
        var bytes = _inputs.Serialize(executionId, stepName, result);
        var reply = await EvaluateAsync(Scripts.CompleteStep, _keys.Execution(executionId), [stepName, bytes, NowMs()], cancellationToken).ConfigureAwait(false);
        if (reply.Resp2Type == ResultType.Integer)
        {
            ThrowOnCode((long)reply, executionId);
        }

        var parts = (RedisResult[])reply!;
        return (long)parts[0] == 1
            ? new StepCompletion<T> { Recorded = true, Result = result }
            : new StepCompletion<T> { Recorded = false, Result = _inputs.Deserialize<T>(executionId, stepName, (byte[])parts[1]!) };
    }

    /// <inheritdoc />
    public async ValueTask<StepResult<T>?> GetStepResultAsync<T>(string executionId, string stepName, CancellationToken cancellationToken = default)
    {
        WorkerInputs.ValidateStep(executionId, stepName);
        var reply = await EvaluateAsync(Scripts.GetStep, _keys.Execution(executionId), [stepName], cancellationToken).ConfigureAwait(false);
        if (reply.Resp2Type == ResultType.Integer)
        {
            ThrowOnCode((long)reply, executionId);
        }

        var parts = (RedisResult[])reply!;
        if (parts[1].IsNull)
        {
            return null;
        }

        var (_, completed) = ParseStepState((string?)parts[0], executionId);
        return new StepResult<T>
        {
            Value = _inputs.Deserialize<T>(executionId, stepName, (byte[])parts[1]!),
            CompletedAt = completed ?? throw ForeignData(executionId),
        };
    }

    /// <inheritdoc />
    public async ValueTask<IReadOnlyList<StepRecord>> ListStepsAsync(string executionId, CancellationToken cancellationToken = default)
    {
        WorkerInputs.ValidateExecution(executionId);
        var reply = await EvaluateAsync(Scripts.ListSteps, _keys.Execution(executionId), [], cancellationToken).ConfigureAwait(false);
        if (reply.Resp2Type == ResultType.Integer)
        {
            ThrowOnCode((long)reply, executionId);
        }

        return ParseSteps((RedisResult[])((RedisResult[])reply!)[0]!, executionId);
    }

    /// <inheritdoc />
    public ValueTask<bool> CompleteExecutionAsync(string executionId, CancellationToken cancellationToken = default)
    {
        WorkerInputs.ValidateExecution(executionId);
        return FinishAsync(executionId, "c", string.Empty, cancellationToken);
    }

    /// <inheritdoc />
    public ValueTask<bool> FailExecutionAsync(string executionId, string errorMessage, CancellationToken cancellationToken = default)
        => FinishAsync(executionId, "f", WorkerInputs.Error(executionId, errorMessage), cancellationToken);

    /// <inheritdoc />
    public async ValueTask<ExecutionRecord?> GetExecutionAsync(string executionId, CancellationToken cancellationToken = default)
    {
        WorkerInputs.ValidateExecution(executionId);
        var reply = await EvaluateAsync(Scripts.Get, [_keys.Execution(executionId)[0]], [], cancellationToken).ConfigureAwait(false);
        if (reply.Resp2Type == ResultType.Integer)
        {
            return (long)reply == Scripts.NotFound ? null : throw ForeignData(executionId);
        }

        return ParseExecution(reply, executionId);
    }

    /// <inheritdoc />
    public async ValueTask<ExecutionPage> ListActiveExecutionsAsync(ExecutionQuery? query = null, CancellationToken cancellationToken = default)
    {
        var (pageSize, cursor) = WorkerInputs.PrepareQuery(query);
        var page = new List<ExecutionRecord>(pageSize);
        ExecutionCursor? last = null;
        var position = cursor;
        while (true)
        {
            // The index and the executions live in different slots: read a slice of the index, then the executions
            // it names in one pipeline, and drop the entries of executions that finished or expired.
            var want = pageSize + 1 - page.Count;
            RedisValue[] args = [position is { } p ? p.StartedMs : RedisValue.EmptyString, position?.Id ?? string.Empty, want];
            var slice = (RedisValue[])(await EvaluateAsync(Scripts.Page, [_keys.ActiveIndex], args, cancellationToken).ConfigureAwait(false))!;
            if (slice.Length == 0)
            {
                return new ExecutionPage { Executions = page };
            }

            var entries = new (string Id, long Score)[slice.Length / 2];
            for (var i = 0; i < entries.Length; i++)
            {
                entries[i] = ((string)slice[2 * i]!, (long)slice[(2 * i) + 1]);
            }

            var fields = await ReadExecutionsAsync(entries, cancellationToken).ConfigureAwait(false);
            var stale = new List<RedisValue>();
            for (var i = 0; i < entries.Length; i++)
            {
                position = new ExecutionCursor(entries[i].Score, entries[i].Id);
                var execution = TryParseActive(fields[i], entries[i].Id);
                if (execution is null)
                {
                    stale.Add(entries[i].Id);
                    continue;
                }

                if (page.Count == pageSize)
                {
                    await PruneAsync(stale, cancellationToken).ConfigureAwait(false);
                    return new ExecutionPage { Executions = page, NextCursor = last!.Value.Encode() };
                }

                page.Add(execution);
                last = position;
            }

            await PruneAsync(stale, cancellationToken).ConfigureAwait(false);
            if (entries.Length < want)
            {
                return new ExecutionPage { Executions = page };
            }
        }
    }

    private async ValueTask<bool> FinishAsync(string executionId, string state, string error, CancellationToken cancellationToken)
    {
        RedisValue[] args = [state, NowMs(), error];
        var reply = await EvaluateWithIndexAsync(Scripts.Finish, executionId, args, static (db, s) => db.SortedSetRemoveAsync(s.Index, s.Id), 0, cancellationToken).ConfigureAwait(false);
        return ThrowOnCode((long)reply, executionId) == 1;
    }

    private ValueTask<RedisValue[][]> ReadExecutionsAsync((string Id, long Score)[] entries, CancellationToken cancellationToken)
        => RedisCall.RunAsync(
            _connection,
            (Keys: _keys, Entries: entries),
            static async (db, s) =>
            {
                var reads = new Task<RedisValue[]>[s.Entries.Length];
                for (var i = 0; i < reads.Length; i++)
                {
                    reads[i] = ReadOneAsync(db, s.Keys.Execution(s.Entries[i].Id)[0]);
                }

                return await Task.WhenAll(reads).ConfigureAwait(false);
            },
            StoreName,
            cancellationToken);

    // A key of another type under an indexed id is not an active execution of ours: skipped (and unindexed), not fatal
    // to the whole listing. The key itself is left alone.
    private static async Task<RedisValue[]> ReadOneAsync(IDatabase db, RedisKey key)
    {
        try
        {
            return await db.HashGetAsync(key, ExecutionFields).ConfigureAwait(false);
        }
        catch (RedisServerException ex) when (ex.Message.Contains("WRONGTYPE", StringComparison.Ordinal))
        {
            return [];
        }
    }

    private async ValueTask PruneAsync(List<RedisValue> stale, CancellationToken cancellationToken)
    {
        if (stale.Count > 0)
        {
            await RedisCall.RunAsync(_connection, (Index: _keys.ActiveIndex, Ids: stale.ToArray()), static (db, s) => db.SortedSetRemoveAsync(s.Index, s.Ids), StoreName, cancellationToken).ConfigureAwait(false);
        }
    }

    // The script and an index command, pipelined: one round trip, in two slots.
    private ValueTask<RedisResult> EvaluateWithIndexAsync<TIndex>(
        string script, string executionId, RedisValue[] args, Func<IDatabase, IndexCall, Task<TIndex>> index, long now, CancellationToken cancellationToken)
        => RedisCall.RunAsync(
            _connection,
            (Script: script, Keys: _keys.Execution(executionId), Args: args, Index: index, Call: new IndexCall(_keys.ActiveIndex, executionId, now)),
            static async (db, s) =>
            {
                var evaluated = db.ScriptEvaluateAsync(s.Script, s.Keys, s.Args);
                var indexed = s.Index(db, s.Call);
                await Task.WhenAll(evaluated, indexed).ConfigureAwait(false);
                return await evaluated.ConfigureAwait(false);
            },
            StoreName,
            cancellationToken);

    private ValueTask<RedisResult> EvaluateAsync(string script, RedisKey[] keys, RedisValue[] args, CancellationToken cancellationToken)
        => RedisCall.EvaluateAsync(_connection, script, keys, args, StoreName, cancellationToken);

    private ValueTask<RedisResult> EvaluateAsync(ShaScript script, RedisKey[] keys, RedisValue[] args, CancellationToken cancellationToken)
        => RedisCall.RunAsync(_connection, (Script: script, Keys: keys, Args: args), static (db, s) => s.Script.EvaluateAsync(db, s.Keys, s.Args), StoreName, cancellationToken);

    private long NowMs() => _time.GetUtcNow().ToUnixTimeMilliseconds();

    private static long ThrowOnCode(long code, string executionId) => code switch
    {
        Scripts.NotFound => throw new EntityNotFoundException(WorkerInputs.ExecutionKind, executionId),
        Scripts.Foreign => throw ForeignData(executionId),
        _ => code,
    };

    private static StoreDataException ForeignData(string executionId)
        => new($"The Redis keys of execution '{executionId}' hold data this store did not write. Something else writes under the store's key prefix; delete those keys or give the store its own RedisStores:KeyPrefix.");

    private readonly record struct IndexCall(RedisKey Index, string Id, long Now);
}
