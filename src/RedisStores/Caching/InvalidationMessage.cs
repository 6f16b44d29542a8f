using StackExchange.Redis;

namespace RedisStores.Caching;

/// <summary>
/// The invalidation messages instances send each other: lines of text, <c>{instance}\n{kind}\n{namespace}\n{key}...</c>.
/// Kinds: <c>k</c> keys changed or removed, <c>n</c> a namespace invalidated, <c>p</c> a probe an instance sends
/// itself to prove its subscription is live. Keys and namespaces cannot hold a line break, so the lines parse back
/// exactly.
/// </summary>
internal readonly record struct InvalidationMessage(string Instance, char Kind, string? Namespace, string[] Keys)
{
    internal const char KeysKind = 'k';
    internal const char NamespaceKind = 'n';
    internal const char ProbeKind = 'p';

    internal static RedisValue ForKeys(string instance, string? ns, IReadOnlyList<string> keys)
        => string.Concat(instance, "\nk\n", ns, "\n", string.Join('\n', keys));

    internal static RedisValue ForNamespace(string instance, string ns) => string.Concat(instance, "\nn\n", ns);

    internal static RedisValue ForProbe(string instance, string nonce) => string.Concat(instance, "\np\n\n", nonce);

    /// <summary>Whether a message starts with an instance's id line, without decoding it.</summary>
    internal static bool IsFrom(RedisValue value, byte[] instanceLine)
        => ((ReadOnlyMemory<byte>)value).Span.StartsWith(instanceLine);

    internal static bool TryParse(RedisValue value, out InvalidationMessage message)
    {
        message = default;
        if (value.IsNullOrEmpty)
        {
            return false;
        }

        var lines = ((string)value!).Split('\n');
        if (lines.Length < 3 || lines[1].Length != 1 || lines[0].Length == 0)
        {
            return false;
        }

        var ns = lines[2].Length == 0 ? null : lines[2];
        var kind = lines[1][0];
        if (kind is not (KeysKind or NamespaceKind or ProbeKind) || (kind == NamespaceKind && ns is null))
        {
            return false;
        }

        message = new InvalidationMessage(lines[0], kind, ns, lines[3..]);
        return true;
    }
}
