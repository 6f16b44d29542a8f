using StackExchange.Redis;

namespace RedisStores.Redis;

/// <summary>
/// Runs one Redis command for a store: honours cancellation while waiting, and turns client failures into the
/// library's typed exceptions with messages that say what to do.
/// </summary>
internal static class RedisCall
{
    /// <summary>Marks a command nobody waits for any more as observed, whatever its outcome.</summary>
    internal static void Observe(Task task)
        => task.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);

    /// <summary>Runs one Lua script (EVALSHA, loading it once per server) as one round trip.</summary>
    internal static ValueTask<RedisResult> EvaluateAsync(
        RedisConnection connection,
        string script,
        RedisKey[] keys,
        RedisValue[] args,
        string storeName,
        CancellationToken cancellationToken,
        TimeSpan? timeout = null)
        => RunAsync(connection, (script, keys, args), static (db, s) => db.ScriptEvaluateAsync(s.script, s.keys, s.args), storeName, cancellationToken, timeout);

    /// <summary>
    /// Runs one Lua script as <see cref="EvaluateAsync(RedisConnection, string, RedisKey[], RedisValue[], string, CancellationToken, TimeSpan?)"/>
    /// does, and reads its reply with <paramref name="read"/> in the same asynchronous step: hot paths then pay for one
    /// awaiting frame, not two.
    /// </summary>
    internal static ValueTask<T> EvaluateAsync<TState, T>(
        RedisConnection connection,
        string script,
        RedisKey[] keys,
        RedisValue[] args,
        TState state,
        Func<RedisResult, TState, T> read,
        string storeName,
        CancellationToken cancellationToken)
        => RunAsync(connection, (script, keys, args), static (db, s) => db.ScriptEvaluateAsync(s.script, s.keys, s.args), state, read, storeName, timeout: null, cancellationToken);

    internal static ValueTask<T> RunAsync<TState, T>(
        RedisConnection connection,
        TState state,
        Func<IDatabase, TState, Task<T>> command,
        string storeName,
        CancellationToken cancellationToken,
        TimeSpan? timeout = null)
        => RunAsync(connection, state, command, 0, static (reply, _) => reply, storeName, timeout, cancellationToken);

    private static async ValueTask<T> RunAsync<TState, TReply, TReadState, T>(
        RedisConnection connection,
        TState state,
        Func<IDatabase, TState, Task<TReply>> command,
        TReadState readState,
        Func<TReply, TReadState, T> read,
        string storeName,
        TimeSpan? timeout,
        CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        try
        {
            var pending = connection.GetDatabaseAsync(cancellationToken);
            var database = pending.IsCompleted || timeout is null
                ? await pending.ConfigureAwait(false)
                : await pending.AsTask().WaitAsync(timeout.Value, cancellationToken).ConfigureAwait(false);

            // StackExchange.Redis commands take no token: stop waiting on cancellation (or the caller's timeout); the command may still run.
            var running = command(database, state);
            try
            {
                return read(await (timeout is { } limit ? running.WaitAsync(limit, cancellationToken) : running.WaitAsync(cancellationToken)).ConfigureAwait(false), readState);
            }
            catch (Exception ex) when (ex is TimeoutException or OperationCanceledException)
            {
                Observe(running); // abandoned, not forgotten: its own failure must not surface as an unobserved exception
                throw;
            }
        }
        catch (Exception ex) when (Translate(ex, connection, storeName, timeout) is { } translated)
        {
            throw translated;
        }
    }

    /// <summary>
    /// The library's exception for a client failure of a command, or <see langword="null"/> for one that passes as it
    /// is (cancellation, and anything that is not StackExchange.Redis's or a timeout).
    /// </summary>
    internal static Exception? Translate(Exception ex, RedisConnection connection, string storeName, TimeSpan? timeout)
    {
        switch (ex)
        {
            case RedisConnectionException connectionFailure:
                return new StoreUnavailableException(
                    $"The {storeName} could not reach Redis at {connection.Description} ({connectionFailure.FailureType}). Check that the server runs and the address is right; the connection retries on its own.", ex);
            case RedisTimeoutException:
                return new StoreUnavailableException(
                    $"Redis at {connection.Description} did not answer the {storeName} in time; the outcome of the operation is unknown.", ex);
            case TimeoutException when timeout is not null:
                return new StoreUnavailableException(
                    $"Redis at {connection.Description} did not answer the {storeName} within {timeout.Value.TotalMilliseconds:0} ms; the outcome of the operation is unknown.", ex);
            case RedisServerException when ex.Message.Contains("WRONGTYPE", StringComparison.Ordinal):
                return new StoreDataException(
                    $"A key of the {storeName} holds a Redis type this store did not write. Something else writes under the store's key prefix; delete that key or give the store its own RedisStores:KeyPrefix.", ex);
            case RedisServerException when IsScriptDataError(ex.Message):
            {
                // A script stopped on data it cannot read: foreign or corrupt, not a server that refused. Scripts check
                // before they write, but Lua never rolls back, so the message does not promise nothing was applied.
                var reason = ex.Message.Split('\n', 2)[0];
                return new StoreDataException(
                    $"The {storeName} met data in Redis it cannot read ({reason}). Something else writes under the store's key prefix; delete those keys or give the store its own RedisStores:KeyPrefix.", ex);
            }

            case RedisServerException:
            {
                // OOM, READONLY after a failover, LOADING, BUSY, MASTERDOWN, NOAUTH...: the server refused the command.
                // Redis error texts name no keys or values of ours, so the first line is safe to pass on.
                var reason = ex.Message.Split('\n', 2)[0];
                return new StoreUnavailableException(
                    $"Redis at {connection.Description} refused the {storeName}'s command: {reason}. The operation was not applied; retry once the server accepts writes.", ex);
            }

            default:
                return null;
        }
    }

    // A script's own failure on data it read: the store's STOREDATA error, or a Lua runtime error ("ERR user_script:12:
    // attempt to ..." on Redis 7). Errors of commands the script called (OOM, READONLY, ...) keep their own code first.
    private static bool IsScriptDataError(string message)
        => message.Contains("STOREDATA", StringComparison.Ordinal) || message.StartsWith("ERR user_script:", StringComparison.Ordinal);
}
