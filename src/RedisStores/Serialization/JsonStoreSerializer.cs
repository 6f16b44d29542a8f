using System.Buffers;
using System.Text;
using System.Text.Json;

namespace RedisStores.Serialization;

/// <summary>
/// The default <see cref="IStoreSerializer"/>: UTF-8 JSON by System.Text.Json, with
/// <see cref="JsonSerializerDefaults.Web"/> unless other options are given.
/// </summary>
/// <remarks>
/// With the default options, a string that JSON writes as it is (printable ASCII with nothing to escape) is written
/// and read without going through System.Text.Json: the same bytes, and the same string back, at a fraction of the
/// cost. Anything else (escapes, non-ASCII text, white space around the value, other options) goes to System.Text.Json.
/// </remarks>
public sealed class JsonStoreSerializer : IStoreSerializer
{
    private readonly JsonSerializerOptions _options;
    private readonly bool _plainStrings;

    /// <summary>Creates a serializer.</summary>
    /// <param name="options">The System.Text.Json options; <see langword="null"/> uses web defaults (camelCase names).</param>
    public JsonStoreSerializer(JsonSerializerOptions? options = null)
    {
        _options = options ?? new JsonSerializerOptions(JsonSerializerDefaults.Web);
        _plainStrings = options is null; // custom options may bring their own string converter or encoder
    }

    /// <summary>A shared instance with web defaults.</summary>
    public static JsonStoreSerializer Default { get; } = new();

    /// <inheritdoc />
    public byte[] Serialize<T>(T value)
    {
        if (_plainStrings && typeof(T) == typeof(string) && value is string text && PlainStrings.TryWrite(text) is { } written)
        {
            return written;
        }

        return JsonSerializer.SerializeToUtf8Bytes(value, _options);
    }

    /// <inheritdoc />
    public T Deserialize<T>(ReadOnlySpan<byte> data)
    {
        if (_plainStrings && typeof(T) == typeof(string) && PlainStrings.TryRead(data) is { } text)
        {
            return (T)(object)text;
        }

        return JsonSerializer.Deserialize<T>(data, _options)!;
    }

    /// <summary>JSON strings with nothing to escape: what System.Text.Json would write and read, done directly.</summary>
    internal static class PlainStrings
    {
        // The ASCII characters System.Text.Json writes as they are with its default encoder, asked of it rather than
        // listed here: letters, digits and most punctuation; not control characters, '"', '\\', or the HTML-sensitive
        // ones it escapes (<, >, &, ', +, `).
        private static readonly SearchValues<char> s_written = SearchValues.Create(WrittenAsIs());

        // What ends the fast read: a quote or backslash (escapes, or not one string), control characters (invalid in
        // JSON), and every non-ASCII byte (checked as UTF-8 by System.Text.Json, which rejects invalid sequences).
        private static readonly SearchValues<byte> s_notPlain = SearchValues.Create(NotPlainBytes());

        /// <summary>The JSON of <paramref name="text"/>, or <see langword="null"/> when it needs escaping.</summary>
        internal static byte[]? TryWrite(string text)
        {
            if (text.AsSpan().ContainsAnyExcept(s_written))
            {
                return null;
            }

            var json = new byte[text.Length + 2];
            json[0] = (byte)'"';
            Encoding.ASCII.GetBytes(text, json.AsSpan(1));
            json[^1] = (byte)'"';
            return json;
        }

        /// <summary>The string a JSON string with no escapes holds, or <see langword="null"/> for anything else.</summary>
        internal static string? TryRead(ReadOnlySpan<byte> json)
        {
            if (json.Length < 2 || json[0] != (byte)'"' || json[^1] != (byte)'"')
            {
                return null;
            }

            var inner = json[1..^1];
            return inner.ContainsAny(s_notPlain) ? null : Encoding.ASCII.GetString(inner);
        }

        private static string WrittenAsIs()
        {
            var options = new JsonSerializerOptions(JsonSerializerDefaults.Web);
            var written = new StringBuilder();
            for (var c = (char)0; c < 128; c++)
            {
                if (JsonSerializer.SerializeToUtf8Bytes(c.ToString(), options).Length == 3)
                {
                    written.Append(c);
                }
            }

            return written.ToString();
        }

        private static byte[] NotPlainBytes()
        {
            var bytes = new List<byte> { (byte)'"', (byte)'\\' };
            for (var b = 0; b < 0x20; b++)
            {
                bytes.Add((byte)b);
            }

            for (var b = 0x80; b < 0x100; b++)
            {
                bytes.Add((byte)b);
            }

            return [.. bytes];
        }
    }
}
