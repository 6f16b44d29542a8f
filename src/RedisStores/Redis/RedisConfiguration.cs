using StackExchange.Redis;

namespace RedisStores.Redis;

/// <summary>
/// Reads the Redis addresses users already deploy with: <c>redis://</c> and <c>rediss://</c> URLs and
/// StackExchange.Redis configuration strings. Never puts the input in an error message, since it may hold a password.
/// </summary>
internal static class RedisConfiguration
{
    internal static ConfigurationOptions Parse(string value)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(value);
        var trimmed = value.Trim();
        var options = trimmed.StartsWith("redis://", StringComparison.OrdinalIgnoreCase)
            || trimmed.StartsWith("rediss://", StringComparison.OrdinalIgnoreCase)
            ? ParseUrl(trimmed)
            : ParseConfigurationString(trimmed);

        // A host must start while Redis is down; the multiplexer keeps reconnecting in the background.
        options.AbortOnConnectFail = false;
        return options;
    }

    /// <summary>Describes a URL or configuration string without its password, or says why it is not valid.</summary>
    internal static string Describe(string value)
    {
        try
        {
            return Parse(value).ToString(includePassword: false);
        }
        catch (FormatException)
        {
            return "(not a valid Redis URL)";
        }
    }

    private static ConfigurationOptions ParseUrl(string url)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || string.IsNullOrEmpty(uri.Host))
        {
            throw new FormatException("It starts like a redis:// URL but is not one; expected redis://[[user]:password@]host[:port][/database].");
        }

        var options = new ConfigurationOptions
        {
            Ssl = uri.Scheme.Equals("rediss", StringComparison.OrdinalIgnoreCase),
        };
        options.EndPoints.Add(uri.Host.Trim('[', ']'), uri.IsDefaultPort || uri.Port < 0 ? 6379 : uri.Port);
        if (options.Ssl)
        {
            options.SslHost = uri.Host;
        }

        if (!string.IsNullOrEmpty(uri.UserInfo))
        {
            var separator = uri.UserInfo.IndexOf(':', StringComparison.Ordinal);
            var user = separator < 0 ? uri.UserInfo : uri.UserInfo[..separator];
            var password = separator < 0 ? null : uri.UserInfo[(separator + 1)..];
            if (password is null)
            {
                // redis://secret@host is how some clients write a password without a user.
                password = user;
                user = string.Empty;
            }

            options.User = user.Length == 0 ? null : Uri.UnescapeDataString(user);
            options.Password = password.Length == 0 ? null : Uri.UnescapeDataString(password);
        }

        var path = uri.AbsolutePath.Trim('/');
        if (path.Length > 0)
        {
            if (!int.TryParse(path, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var database))
            {
                throw new FormatException("The path of a redis:// URL is the database number, such as /0.");
            }

            options.DefaultDatabase = database;
        }

        return options;
    }

    private static ConfigurationOptions ParseConfigurationString(string value)
    {
        ConfigurationOptions options;
        try
        {
            options = ConfigurationOptions.Parse(value);
        }
        catch (ArgumentException ex)
        {
            throw new FormatException("It is neither a redis:// URL nor a StackExchange.Redis configuration string (host:port,password=...).", ex);
        }

        if (options.EndPoints.Count == 0)
        {
            throw new FormatException("It names no server; expected a redis:// URL or host:port.");
        }

        return options;
    }
}
