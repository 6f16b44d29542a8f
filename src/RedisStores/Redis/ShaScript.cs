using System.Security.Cryptography;
using System.Text;
using StackExchange.Redis;

namespace RedisStores.Redis;

/// <summary>
/// A Lua script a store sends often, by its SHA1. StackExchange.Redis's text overload finds a script's hash by
/// looking the whole text up on every call, which for a script of several kilobytes costs more client time than
/// the rest of the call. One instance per store and script: its first call goes by text, as before (the
/// connection sends <c>EVAL</c> or <c>EVALSHA</c> as it knows the server); later calls send <c>EVALSHA</c> with the
/// hash computed once. A server that does not hold the script (another node of a cluster, a restarted or flushed
/// server) answers <c>NOSCRIPT</c>, and that call is sent again by text: one extra round trip, then the server
/// holds it.
/// </summary>
internal sealed class ShaScript(string text, byte[] sha1)
{
    private volatile bool _sentByText;

    /// <summary>The script's text.</summary>
    internal string Text { get; } = text;

    /// <summary>The SHA1 of a script's text, as Redis names scripts: compute it once per script, not per store.</summary>
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Security", "CA5350:Do Not Use Weak Cryptographic Algorithms", Justification = "Redis names scripts by SHA1; it is an identifier here, not a security measure.")]
    internal static byte[] HashOf(string text) => SHA1.HashData(Encoding.UTF8.GetBytes(text));

    /// <summary>Runs the script: one command, or two after a <c>NOSCRIPT</c>.</summary>
    internal Task<RedisResult> EvaluateAsync(IDatabase db, RedisKey[] keys, RedisValue[] args)
        => _sentByText ? BySha1Async(db, keys, args) : ByTextAsync(db, keys, args);

    private async Task<RedisResult> ByTextAsync(IDatabase db, RedisKey[] keys, RedisValue[] args)
    {
        var result = await db.ScriptEvaluateAsync(Text, keys, args).ConfigureAwait(false);
        _sentByText = true;
        return result;
    }

    private async Task<RedisResult> BySha1Async(IDatabase db, RedisKey[] keys, RedisValue[] args)
    {
        try
        {
            return await db.ScriptEvaluateAsync(sha1, keys, args).ConfigureAwait(false);
        }
        catch (RedisServerException ex) when (ex.Message.StartsWith("NOSCRIPT", StringComparison.Ordinal))
        {
            // Nothing ran: the server does not know the hash. The text loads it there.
            return await db.ScriptEvaluateAsync(Text, keys, args).ConfigureAwait(false);
        }
    }
}
