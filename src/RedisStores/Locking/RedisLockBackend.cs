using RedisStores.Redis;
using StackExchange.Redis;

namespace RedisStores.Locking;

/// <summary>
/// Locks in Redis. A lock is a string key holding its owner's token, set with <c>NX PX</c>; release and extend
/// compare the owner in one script, so a stale holder never touches the next holder's lock. Each lock name has its
/// own hash tag, so locks spread over a cluster. Releases are published on one channel per key prefix.
/// </summary>
internal sealed class RedisLockBackend : LockBackend
{
    private const string StoreName = "lock service";

    // The fence key outlives any lease; past it, tokens still rise because they never fall below the server's clock.
    private static readonly TimeSpan s_minFenceTtl = TimeSpan.FromHours(1);

    private readonly RedisConnection _connection;
    private readonly string _keyPrefix;
    private readonly RedisChannel _channel;
    private static readonly RedisKey s_held = "held";
    private static readonly RedisKey s_fence = "fence";
    private static readonly RedisKey s_waiting = "waiting";
    private static readonly Func<RedisResult, string, Attempt> s_readAttempt = ReadAttempt;
    private static readonly Func<RedisResult, int, bool> s_readDone = static (reply, _) => (long)reply == 1;

    private readonly object _gate = new();
    private readonly byte[] _rootHead;
    private readonly RedisValue _waiterFlagTtlMs;

    // The owner token in Redis is this random id of the service instance followed by the engine's owner number.
    private readonly RedisValue _instance = Guid.NewGuid().ToString("N") + ":";
    private readonly RedisValue _publishName;
    private Task? _subscription;

    internal RedisLockBackend(RedisConnection connection, string keyPrefix, TimeSpan pollInterval)
    {
        _connection = connection;
        _keyPrefix = keyPrefix;

        // A waiter renews the flag at every attempt, at least once per poll interval.
        _waiterFlagTtlMs = Ms((pollInterval * 2) + TimeSpan.FromSeconds(1));
        var root = RedisKeyspace.StoreRoot(keyPrefix, "locks:");
        _rootHead = System.Text.Encoding.UTF8.GetBytes(root[..^2]); // up to the name: prefix{locks:
        _channel = RedisChannel.Literal(keyPrefix + "locks:released");
        _publishName = connection.PublishName(keyPrefix + "locks:released");
    }

    // Every acquisition asks; once subscribed, the answer takes no lock.
    internal override ValueTask EnsureNotificationsAsync(CancellationToken cancellationToken)
        => Volatile.Read(ref _subscription) is { IsCompletedSuccessfully: true } ? ValueTask.CompletedTask : SubscribeOnceAsync(cancellationToken);

    internal override bool NotificationsLive => Volatile.Read(ref _subscription) is { IsCompletedSuccessfully: true };

    internal override void StartNotifications()
    {
        if (!NotificationsLive)
        {
            _ = Subscription();
        }
    }

    private async ValueTask SubscribeOnceAsync(CancellationToken cancellationToken)
        => await Subscription().WaitAsync(cancellationToken).ConfigureAwait(false);

    private Task Subscription()
    {
        lock (_gate)
        {
            // One subscription per service; a failed one is tried again by the next acquisition.
            if (_subscription is null || _subscription.IsFaulted || _subscription.IsCanceled)
            {
                _subscription = SubscribeAsync();

                // An acquisition that succeeds at once never awaits it: its failure is seen (and logged) by the first wait.
                RedisCall.Observe(_subscription);
            }

            return _subscription;
        }
    }

    private Task<bool> SubscribeAsync()
        => RedisCall.RunAsync(_connection, this, static async (_, self) =>
        {
            var multiplexer = await self._connection.GetMultiplexerAsync(CancellationToken.None).ConfigureAwait(false);
            await multiplexer.GetSubscriber().SubscribeAsync(self._channel, (_, name) => self.Releases.Signal((string)name!)).ConfigureAwait(false);

            // Releases published while disconnected are lost: wake every waiter to try again at once.
            multiplexer.ConnectionRestored += (_, _) => self.Releases.SignalAll();
            return true;
        }, StoreName, CancellationToken.None).AsTask();

    internal override object Prepare(string name) => Keys(name);

    internal override ValueTask<Attempt> TryAcquireAsync(string name, object? prepared, long owner, TimeSpan lease, CancellationToken cancellationToken)
    {
        var fenceTtl = lease * 2 > s_minFenceTtl ? lease * 2 : s_minFenceTtl;
        return RedisCall.EvaluateAsync(
            _connection, Scripts.Acquire, (RedisKey[])prepared!, [_instance, owner, Ms(lease), Ms(fenceTtl), _waiterFlagTtlMs], name, s_readAttempt, StoreName, cancellationToken);
    }

    internal override ValueTask<bool> ExtendAsync(string name, object? prepared, long owner, TimeSpan lease, CancellationToken cancellationToken)
        => RedisCall.EvaluateAsync(_connection, Scripts.Extend, (RedisKey[])prepared!, [_instance, owner, Ms(lease)], 0, s_readDone, StoreName, cancellationToken);

    internal override ValueTask<bool> ReleaseAsync(string name, object? prepared, long owner, CancellationToken cancellationToken)
    {
        return RedisCall.EvaluateAsync(_connection, Scripts.Release, (RedisKey[])prepared!, [_instance, owner, _publishName, name], 0, s_readDone, StoreName, cancellationToken);
    }

    /// <summary>
    /// The lock key, its fence key and its waiters flag, under the lock's own hash tag. The three share one byte array
    /// of the common part (<c>prefix{locks:name}:</c>), made once per acquisition and reused by its renewals and release.
    /// </summary>
    internal RedisKey[] Keys(string name)
    {
        // Names are ASCII (StoreId): one byte each.
        var root = new byte[_rootHead.Length + name.Length + 2];
        _rootHead.CopyTo(root, 0);
        System.Text.Encoding.ASCII.GetBytes(name, 0, name.Length, root, _rootHead.Length);
        root[^2] = (byte)'}';
        root[^1] = (byte)':';
        RedisKey common = root;
        return [s_held.Prepend(common), s_fence.Prepend(common), s_waiting.Prepend(common)];
    }

    private static long Ms(TimeSpan value) => (long)Math.Ceiling(value.TotalMilliseconds);

    // Acquire's reply is one integer: the token when acquired (never below 1), else -2 - the holder's PTTL, so -1 for a
    // key without expiry and 0 for a key that vanished between the two commands (impossible inside a script; tries again).
    private static Attempt ReadAttempt(RedisResult reply, string name)
    {
        var value = (long)reply;
        return value switch
        {
            > 0 => new Attempt(true, value, TimeSpan.Zero),
            -1 => throw new StoreDataException($"The Redis key of lock '{name}' exists without an expiry, so this service did not write it and would wait for it forever. Delete the key or give the service its own RedisStores:KeyPrefix."),
            _ => new Attempt(false, 0, TimeSpan.FromMilliseconds(Math.Max(0, -2 - value))),
        };
    }

    private static class Scripts
    {
        // KEYS: lock, fence, waiters flag. ARGV: instance id, owner number, lease ms, fence ttl ms, flag ttl ms.
        // Reply: the token when acquired; else -2 - the holder's PTTL, after raising the flag so the release publishes.
        // The token is the larger of the last token + 1 and the server clock in microseconds: it rises strictly
        // while the fence key lives, and keeps rising after it expires. Below 2^53, a Lua number holds it exactly.
        internal const string Acquire = """
            if redis.call('SET', KEYS[1], ARGV[1] .. ARGV[2], 'NX', 'PX', ARGV[3]) then
              local t = redis.call('TIME')
              local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
              local last = tonumber(redis.call('GET', KEYS[2])) or 0
              local token = math.max(now, last + 1)
              redis.call('SET', KEYS[2], string.format('%d', token), 'PX', ARGV[4])
              return token
            end
            -- Only ever lengthen the flag: a waiter polling less often than this one must still be notified.
            if redis.call('PTTL', KEYS[3]) < tonumber(ARGV[5]) then
              redis.call('SET', KEYS[3], '1', 'PX', ARGV[5])
            end
            return -2 - redis.call('PTTL', KEYS[1])
            """;

        // KEYS: lock (the others are not touched). ARGV: instance id, owner number, lease ms.
        internal const string Extend = """
            if redis.call('GET', KEYS[1]) == ARGV[1] .. ARGV[2] then
              redis.call('PEXPIRE', KEYS[1], ARGV[3])
              return 1
            end
            return 0
            """;

        // KEYS: lock, fence, waiters flag. ARGV: instance id, owner number, channel, name. Publishes only when someone
        // waits: on a cluster PUBLISH reaches every node, so uncontended locks stay off the bus.
        internal const string Release = """
            if redis.call('GET', KEYS[1]) == ARGV[1] .. ARGV[2] then
              -- The lock key exists, so 2 deleted means the waiters flag was up too.
              if redis.call('DEL', KEYS[1], KEYS[3]) == 2 then
                redis.call('PUBLISH', ARGV[3], ARGV[4])
              end
              return 1
            end
            return 0
            """;
    }
}
