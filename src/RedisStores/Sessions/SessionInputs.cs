using System.Buffers;
using System.Text.Json;
using RedisStores.DependencyInjection;
using RedisStores.Internal;
using RedisStores.Tasks;

namespace RedisStores.Sessions;

/// <summary>
/// Checks what callers pass to a session store, and turns session data into fields (its top-level JSON properties)
/// and back, so both implementations accept, refuse and store exactly the same things.
/// </summary>
internal sealed class SessionInputs
{
    internal const string EntityKind = "session";
    internal const int MaxFieldNameLength = 256;
    internal const int MaxEventsPerRead = 10_000;
    private const string CursorVersion = "s1";

    private readonly SessionStoreOptions _options;
    private readonly TimeSpan _defaultTtl;
    private readonly JsonSerializerOptions _json;

    internal SessionInputs(RedisStoresOptions? options)
    {
        options = RedisStoresOptionsValidator.EnsureValid(options);
        Options = options;
        _options = options.Sessions;
        _defaultTtl = options.Sessions.DefaultTtl ?? options.DefaultTtl;
        _json = options.Sessions.JsonOptions ?? new JsonSerializerOptions(JsonSerializerDefaults.Web);
    }

    /// <summary>The store's options, validated.</summary>
    internal RedisStoresOptions Options { get; }

    internal int MaxEvents => _options.MaxEvents;

    internal static void ValidateId(string sessionId) => StoreId.Validate(sessionId, nameof(sessionId), EntityKind);

    internal static void ValidateField(string sessionId, string field)
    {
        ValidateId(sessionId);
        ArgumentException.ThrowIfNullOrEmpty(field);
        if (field.Length > MaxFieldNameLength || field.Any(char.IsControl))
        {
            throw new ArgumentException($"A field name is 1 to {MaxFieldNameLength} characters without control characters.", nameof(field));
        }
    }

    internal static void ValidateExpectedVersion(long? expectedVersion)
    {
        if (expectedVersion is < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(expectedVersion), expectedVersion, "A version is 0 (no session yet) or more.");
        }
    }

    internal readonly record struct Write(TimeSpan Ttl, bool Sliding, long? ExpectedVersion, List<KeyValuePair<string, byte[]>> Fields);

    /// <summary>Checks a whole-session write and splits the data into its fields.</summary>
    internal Write PrepareSet<T>(string sessionId, T data, SessionWriteOptions? options)
    {
        ValidateId(sessionId);
        options ??= new SessionWriteOptions();
        ValidateExpectedVersion(options.ExpectedVersion);
        var ttl = Ttl(options.Ttl, nameof(options));
        JsonElement element;
        try
        {
            element = JsonSerializer.SerializeToElement(data, _json);
        }
        catch (Exception ex) when (ex is not (OperationCanceledException or OutOfMemoryException))
        {
            throw new StoreSerializationException($"The data of session '{sessionId}' (a {typeof(T).Name}) cannot be serialized: {ex.Message}", ex);
        }

        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new ArgumentException($"Session data must serialize to a JSON object (a class, record or dictionary), whose properties become the session's fields; a {typeof(T).Name} serializes to a JSON {element.ValueKind}.", nameof(data));
        }

        var fields = new List<KeyValuePair<string, byte[]>>();
        var positions = new Dictionary<string, int>(StringComparer.Ordinal);
        var total = 0;
        foreach (var property in element.EnumerateObject())
        {
            ValidateFieldName(property.Name);
            var bytes = JsonSerializer.SerializeToUtf8Bytes(property.Value, _json);
            total += bytes.Length + property.Name.Length;

            // A repeated property name (possible with extension data): the last one wins, in its first place.
            if (positions.TryGetValue(property.Name, out var at))
            {
                fields[at] = new(property.Name, bytes);
            }
            else
            {
                positions[property.Name] = fields.Count;
                fields.Add(new(property.Name, bytes));
            }
        }

        EnsureSize(total, $"The data of session '{sessionId}'", nameof(data));
        return new Write(ttl, options.Sliding ?? _options.SlidingExpiration, options.ExpectedVersion, fields);
    }

    internal TimeSpan Ttl(TimeSpan? requested, string paramName)
    {
        var ttl = requested ?? _defaultTtl;
        if (ttl < TaskInputs.MinTtl || ttl > TaskInputs.MaxTtl)
        {
            throw new ArgumentOutOfRangeException(paramName, ttl, $"A session TTL must be between {TaskInputs.MinTtl} and {TaskInputs.MaxTtl}.");
        }

        return TimeSpan.FromMilliseconds(Math.Ceiling(ttl.TotalMilliseconds));
    }

    /// <summary>Serializes one field value or event.</summary>
    internal byte[] Serialize<T>(string sessionId, T value, string what, string paramName)
    {
        byte[] bytes;
        try
        {
            bytes = JsonSerializer.SerializeToUtf8Bytes(value, _json);
        }
        catch (Exception ex) when (ex is not (OperationCanceledException or OutOfMemoryException))
        {
            throw new StoreSerializationException($"The {what} of session '{sessionId}' (a {typeof(T).Name}) cannot be serialized: {ex.Message}", ex);
        }

        EnsureSize(bytes.Length, $"The {what} of session '{sessionId}'", paramName);
        return bytes;
    }

    internal T Deserialize<T>(string sessionId, ReadOnlySpan<byte> json, string what)
    {
        try
        {
            return JsonSerializer.Deserialize<T>(json, _json)!;
        }
        catch (Exception ex) when (ex is not (OperationCanceledException or OutOfMemoryException))
        {
            // Only on failure: tell data that is not JSON at all (not ours) from JSON of another shape.
            if (!IsJson(json))
            {
                throw new StoreDataException($"The {what} of session '{sessionId}' does not hold JSON this store wrote.", ex);
            }

            throw new StoreSerializationException($"The {what} of session '{sessionId}' cannot be read as {typeof(T).Name}: {ex.Message}", ex);
        }
    }

    private static bool IsJson(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json);
        try
        {
            return reader.Read() && reader.TrySkip() && !reader.Read();
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <summary>Joins stored fields into one JSON object and reads it as <typeparamref name="T"/>.</summary>
    internal T Merge<T>(string sessionId, IEnumerable<KeyValuePair<string, ReadOnlyMemory<byte>>> fields)
    {
        var buffer = new ArrayBufferWriter<byte>();
        try
        {
            using var writer = new Utf8JsonWriter(buffer);
            writer.WriteStartObject();

            // Redis returns a large hash's fields in no particular order, and System.Text.Json (on .NET 8) wants
            // metadata such as $type, $id and $ref first.
            foreach (var (name, json) in fields.OrderBy(f => f.Key.StartsWith('$') ? 0 : 1))
            {
                writer.WritePropertyName(name);
                writer.WriteRawValue(json.Span);
            }

            writer.WriteEndObject();
        }
        catch (JsonException ex)
        {
            throw new StoreDataException($"A field of session '{sessionId}' does not hold JSON this store wrote.", ex);
        }

        return Deserialize<T>(sessionId, buffer.WrittenSpan, "data");
    }

    internal static int ValidateEventCount(int count, string paramName)
        => count is >= 1 and <= MaxEventsPerRead
            ? count
            : throw new ArgumentOutOfRangeException(paramName, count, $"Between 1 and {MaxEventsPerRead} events can be read at once.");

    internal static (int PageSize, string? After) PrepareQuery(SessionQuery? query)
    {
        query ??= new SessionQuery();
        if (query.PageSize is < 1 or > SessionQuery.MaxPageSize)
        {
            throw new ArgumentOutOfRangeException(nameof(query), query.PageSize, $"PageSize must be between 1 and {SessionQuery.MaxPageSize}.");
        }

        if (query.Cursor is null)
        {
            return (query.PageSize, null);
        }

        var parts = OpaqueCursor.TryDecode(query.Cursor)?.Split('|', 2);
        return parts is [CursorVersion, var after] && StoreId.IsValid(after)
            ? (query.PageSize, after)
            : throw new ArgumentException("The cursor was not made by a session listing; pass the NextCursor of the previous page unchanged.", nameof(query));
    }

    internal static string Cursor(string lastId) => OpaqueCursor.Encode(CursorVersion + "|" + lastId);

    private static void ValidateFieldName(string name)
    {
        if (name.Length is 0 or > MaxFieldNameLength || name.Any(char.IsControl))
        {
            throw new ArgumentException($"Session data has a property named '{name}'; field names are 1 to {MaxFieldNameLength} characters without control characters.");
        }
    }

    private void EnsureSize(int bytes, string what, string paramName)
    {
        if (bytes > _options.MaxValueBytes)
        {
            throw new ArgumentException($"{what} serializes to {bytes} bytes, over the limit of {_options.MaxValueBytes} (RedisStores:Sessions:MaxValueBytes).", paramName);
        }
    }
}
