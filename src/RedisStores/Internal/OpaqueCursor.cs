using System.Text;

namespace RedisStores.Internal;

/// <summary>Listing cursors as opaque, URL-safe text (base64url of a versioned payload), for every store.</summary>
internal static class OpaqueCursor
{
    internal static string Encode(string payload)
        => Convert.ToBase64String(Encoding.UTF8.GetBytes(payload)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>The payload, or <see langword="null"/> when <paramref name="cursor"/> is not base64url.</summary>
    internal static string? TryDecode(string cursor)
    {
        try
        {
            var base64 = cursor.Replace('-', '+').Replace('_', '/');
            base64 = base64.PadRight(base64.Length + ((4 - (base64.Length % 4)) % 4), '=');
            return Encoding.UTF8.GetString(Convert.FromBase64String(base64));
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
