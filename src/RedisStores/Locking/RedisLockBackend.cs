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
    private readonly object _gate = new();
    private Task? _subscription;

    private readonly TimeSpan _waiterFlagTtl;

    internal RedisLockBackend(RedisConnection connection, string keyPrefix, TimeSpan pollInterval)
    {
        _connection = connection;
        _keyPrefix = keyPrefix;

        // A waiter renews the flag at every attempt, at least once per poll interval.
        _waiterFlagTtl = (pollInterval * 2) + TimeSpan.FromSeconds(1);
        _channel = RedisChannel.Literal(keyPrefix + "locks:released");
    }

    internal override async ValueTask EnsureNotificationsAsync(CancellationToken cancellationToken)
    {
        Task subscription;
        lock (_gate)
        {
            // One subscription per service; a failed one is tried again by the next waiter.
            if (_subscription is null || _subscription.IsFaulted || _subscription.IsCanceled)
            {
                _subscription = SubscribeAsync();
            }

            subscription = _subscription;
        }

        await subscription.WaitAsync(cancellationToken).ConfigureAwait(false);
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

    internal override async ValueTask<Attempt> TryAcquireAsync(string name, string owner, TimeSpan lease, CancellationToken cancellationToken)
    {
        var fenceTtl = lease * 2 > s_minFenceTtl ? lease * 2 : s_minFenceTtl;
        var reply = (RedisResult[])(await EvaluateAsync(Scripts.Acquire, Keys(name), [owner, Ms(lease), Ms(fenceTtl), Ms(_waiterFlagTtl)], cancellationToken).ConfigureAwait(false))!;
        if ((long)reply[0] == 1)
        {
            return new Attempt(true, (long)reply[1], TimeSpan.Zero);
        }

        var leaseLeft = (long)reply[1];
        return leaseLeft switch
        {
            -1 => throw new StoreDataException($"The Redis key of lock '{name}' exists without an expiry, so this service did not write it and would wait for it forever. Delete the key or give the service its own RedisStores:KeyPrefix."),
            < 0 => new Attempt(false, 0, TimeSpan.Zero),
            _ => new Attempt(false, 0, TimeSpan.FromMilliseconds(leaseLeft)),
        };
    }

    internal override async ValueTask<bool> ExtendAsync(string name, string owner, TimeSpan lease, CancellationToken cancellationToken)
        => (long)await EvaluateAsync(Scripts.Extend, [Keys(name)[0]], [owner, Ms(lease)], cancellationToken).ConfigureAwait(false) == 1;

    internal override async ValueTask<bool> ReleaseAsync(string name, string owner, CancellationToken cancellationToken)
        => (long)await EvaluateAsync(Scripts.Release, Keys(name), [owner, _connection.PublishName(_channel.ToString()!), name], cancellationToken).ConfigureAwait(false) == 1;

    /// <summary>The lock key, its fence key and its waiters flag, under the lock's own hash tag.</summary>
    internal RedisKey[] Keys(string name)
    {
        var root = RedisKeyspace.StoreRoot(_keyPrefix, "locks:" + name);
        return [root + "held", root + "fence", root + "waiting"];
    }

    private static long Ms(TimeSpan value) => (long)Math.Ceiling(value.TotalMilliseconds);

    private ValueTask<RedisResult> EvaluateAsync(string script, RedisKey[] keys, RedisValue[] args, CancellationToken cancellationToken)
        => RedisCall.EvaluateAsync(_connection, script, keys, args, StoreName, cancellationToken);

    private static class Scripts
    {
        // KEYS: lock, fence, waiters flag. ARGV: owner, lease ms, fence ttl ms, flag ttl ms.
        // Reply: { 1, token } or { 0, holder's PTTL }; a failed attempt raises the flag so the release publishes.
        // The token is the larger of the last token + 1 and the server clock in microseconds: it rises strictly
        // while the fence key lives, and keeps rising after it expires.
        internal const string Acquire = """
            if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
              local t = redis.call('TIME')
              local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
              local last = tonumber(redis.call('GET', KEYS[2])) or 0
              local token = math.max(now, last + 1)
              redis.call('SET', KEYS[2], string.format('%d', token), 'PX', ARGV[3])
              return { 1, string.format('%d', token) }
            end
            -- Only ever lengthen the flag: a waiter polling less often than this one must still be notified.
            if redis.call('PTTL', KEYS[3]) < tonumber(ARGV[4]) then
              redis.call('SET', KEYS[3], '1', 'PX', ARGV[4])
            end
            return { 0, redis.call('PTTL', KEYS[1]) }
            """;

        // KEYS: lock. ARGV: owner, lease ms.
        internal const string Extend = """
            if redis.call('GET', KEYS[1]) == ARGV[1] then
              redis.call('PEXPIRE', KEYS[1], ARGV[2])
              return 1
            end
            return 0
            """;

        // KEYS: lock, fence, waiters flag. ARGV: owner, channel, name. Publishes only when someone waits: on a
        // cluster PUBLISH reaches every node, so uncontended locks stay off the bus.
        internal const string Release = """
            if redis.call('GET', KEYS[1]) == ARGV[1] then
              redis.call('DEL', KEYS[1])
              if redis.call('DEL', KEYS[3]) == 1 then
                redis.call('PUBLISH', ARGV[2], ARGV[3])
              end
              return 1
            end
            return 0
            """;
    }
}
