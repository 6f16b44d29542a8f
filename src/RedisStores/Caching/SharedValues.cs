using System.ComponentModel;
using System.Reflection;

namespace RedisStores.Caching;

/// <summary>
/// Which types the memory cache may hand out as the same instance on every hit: those no caller can change. Any other
/// value is kept as bytes and deserialized on each hit, so a caller that changes what it got cannot change the cache.
/// </summary>
internal static class SharedValues
{
    internal static bool CanShare<T>() => Cache<T>.Value;

    private static bool Compute(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        return type.IsPrimitive
            || type.IsEnum
            || type == typeof(string)
            || type == typeof(decimal)
            || type == typeof(DateTime)
            || type == typeof(DateTimeOffset)
            || type == typeof(TimeSpan)
            || type == typeof(DateOnly)
            || type == typeof(TimeOnly)
            || type == typeof(Guid)
            || type == typeof(Uri)
            || (type.IsSealed && type.GetCustomAttribute<ImmutableObjectAttribute>() is { Immutable: true });
    }

    private static class Cache<T>
    {
        internal static readonly bool Value = Compute(typeof(T));
    }
}
