using System.Buffers;

namespace RedisStores.Internal;

/// <summary>
/// The one rule for caller-given ids of every store. Ids become part of Redis keys, so the rule keeps out
/// anything that would change a key's meaning: the key separator <c>:</c>, hash-tag braces, glob characters
/// that tools scanning with <c>MATCH</c> would misread, white space and control characters.
/// </summary>
internal static class StoreId
{
    internal const int MaxLength = 256;
    internal const string AllowedDescription = "ASCII letters, digits and - _ . @ + = ~ /";

    private const string Allowed = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.@+=~/";
    private static readonly SearchValues<char> s_allowed = SearchValues.Create(Allowed);
    private static readonly SearchValues<char> s_allowedWithColon = SearchValues.Create(Allowed + ":");

    internal static void Validate(string? id, string paramName, string entityKind) => Validate(id, paramName, entityKind, MaxLength);

    internal static void Validate(string? id, string paramName, string entityKind, int maxLength) => Validate(id, paramName, entityKind + " id", maxLength, allowColon: false);

    /// <summary>
    /// The id rule, optionally with <c>:</c> allowed: safe where the id is the last part of a key and never parsed back
    /// out of one (cache keys, where <c>user:42</c> is the usual shape).
    /// </summary>
    /// <param name="id">The value to check.</param>
    /// <param name="paramName">The caller's parameter, for the exception.</param>
    /// <param name="subject">What the value is, as a message names it: "task id", "cache key".</param>
    /// <param name="maxLength">The longest value accepted.</param>
    /// <param name="allowColon">Whether <c>:</c> is accepted too.</param>
    internal static void Validate(string? id, string paramName, string subject, int maxLength, bool allowColon)
    {
        ArgumentNullException.ThrowIfNull(id, paramName);
        if (id.Length == 0)
        {
            throw new ArgumentException($"A {subject} cannot be empty.", paramName);
        }

        if (id.Length > maxLength)
        {
            throw new ArgumentException($"A {subject} is at most {maxLength} characters; this one has {id.Length}.", paramName);
        }

        // Vectorized: every store call checks its ids, and the cache does so on every memory hit.
        var i = id.AsSpan().IndexOfAnyExcept(allowColon ? s_allowedWithColon : s_allowed);
        if (i >= 0)
        {
            throw new ArgumentException(
                $"The {subject} has '{Printable(id[i])}' at position {i}; it may hold only {AllowedDescription}{(allowColon ? " :" : string.Empty)}.",
                paramName);
        }
    }

    internal static bool IsValid(string? id)
        => !string.IsNullOrEmpty(id) && id.Length <= MaxLength && !id.AsSpan().ContainsAnyExcept(s_allowed);

    private static string Printable(char c) => char.IsControl(c) || char.IsWhiteSpace(c) ? $"\\u{(int)c:x4}" : c.ToString();
}
