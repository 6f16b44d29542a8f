using System.Globalization;
using System.Text;

namespace RedisStores.Tasks;

/// <summary>
/// Where a listing stopped: the creation time (ms) and id of the last task returned. Both implementations
/// order by (created desc, id desc, ordinal), so the position is exact even if that task is gone by the next call.
/// </summary>
internal readonly record struct TaskCursor(long CreatedMs, string Id)
{
    private const string Version = "t1";

    public string Encode()
        => Convert.ToBase64String(Encoding.UTF8.GetBytes(string.Create(CultureInfo.InvariantCulture, $"{Version}|{CreatedMs}|{Id}")))
            .TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static TaskCursor Decode(string cursor, string paramName)
    {
        try
        {
            var base64 = cursor.Replace('-', '+').Replace('_', '/');
            base64 = base64.PadRight(base64.Length + ((4 - (base64.Length % 4)) % 4), '=');
            var text = Encoding.UTF8.GetString(Convert.FromBase64String(base64));
            var parts = text.Split('|');
            if (parts.Length == 3 && parts[0] == Version
                && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var created))
            {
                Internal.StoreId.Validate(parts[2], paramName, TaskLifecycle.EntityKind);
                return new TaskCursor(created, parts[2]);
            }
        }
        catch (FormatException)
        {
        }
        catch (ArgumentException)
        {
        }

        throw new ArgumentException("The cursor was not made by a task listing; pass the NextCursor of the previous page unchanged.", paramName);
    }
}
