using System.Buffers.Text;
using System.Globalization;
using System.Text;

namespace RedisStores.Messaging;

/// <summary>
/// A message on the wire: <c>rsm1|&lt;id&gt;|&lt;unix ms&gt;|</c> then the serialized payload. The marker tells a
/// message of this library from anything else published on the channel.
/// </summary>
internal static class MessageEnvelope
{
    private static readonly byte[] s_marker = "rsm1|"u8.ToArray();

    internal static byte[] Encode(string id, long publishedMs, ReadOnlySpan<byte> payload)
    {
        var header = Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $"rsm1|{id}|{publishedMs}|"));
        var bytes = new byte[header.Length + payload.Length];
        header.CopyTo(bytes, 0);
        payload.CopyTo(bytes.AsSpan(header.Length));
        return bytes;
    }

    internal static bool TryDecode(ReadOnlyMemory<byte> bytes, out string id, out long publishedMs, out ReadOnlyMemory<byte> payload)
    {
        id = string.Empty;
        publishedMs = 0;
        payload = default;
        var span = bytes.Span;
        if (!span.StartsWith(s_marker))
        {
            return false;
        }

        var rest = span[s_marker.Length..];
        var idEnd = rest.IndexOf((byte)'|');
        if (idEnd <= 0)
        {
            return false;
        }

        var afterId = rest[(idEnd + 1)..];
        var timeEnd = afterId.IndexOf((byte)'|');
        if (timeEnd <= 0 || !Utf8Parser.TryParse(afterId[..timeEnd], out publishedMs, out var consumed) || consumed != timeEnd)
        {
            return false;
        }

        id = Encoding.ASCII.GetString(rest[..idEnd]);
        payload = bytes[(s_marker.Length + idEnd + 1 + timeEnd + 1)..];
        return true;
    }
}
