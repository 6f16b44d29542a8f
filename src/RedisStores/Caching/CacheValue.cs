namespace RedisStores.Caching;

/// <summary>The result of <see cref="ICacheStore.TryGetAsync{T}"/>: a cached value, or none (<see langword="default"/>).</summary>
/// <typeparam name="T">The value's type.</typeparam>
public readonly struct CacheValue<T> : IEquatable<CacheValue<T>>
{
    private readonly T _value;

    /// <summary>A cached value.</summary>
    /// <param name="value">The value, which may be <see langword="null"/>.</param>
    public CacheValue(T value)
    {
        _value = value;
        HasValue = true;
    }

    /// <summary>Whether the key is cached.</summary>
    public bool HasValue { get; }

    /// <summary>The cached value.</summary>
    /// <exception cref="InvalidOperationException">There is no value (<see cref="HasValue"/> is <see langword="false"/>).</exception>
    public T Value => HasValue ? _value : throw new InvalidOperationException("The key is not cached; check HasValue before reading Value, or use GetValueOrDefault.");

    /// <summary>The cached value, or <paramref name="defaultValue"/> when there is none.</summary>
    /// <param name="defaultValue">What to return on a miss.</param>
    /// <returns>The value or the default.</returns>
    public T GetValueOrDefault(T defaultValue = default!) => HasValue ? _value : defaultValue;

    /// <inheritdoc />
    public bool Equals(CacheValue<T> other) => HasValue == other.HasValue && EqualityComparer<T>.Default.Equals(_value, other._value);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is CacheValue<T> other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(HasValue, _value);

    /// <summary>Compares two results.</summary>
    /// <param name="left">One result.</param>
    /// <param name="right">The other.</param>
    /// <returns>Whether both are misses, or both hold equal values.</returns>
    public static bool operator ==(CacheValue<T> left, CacheValue<T> right) => left.Equals(right);

    /// <summary>Compares two results.</summary>
    /// <param name="left">One result.</param>
    /// <param name="right">The other.</param>
    /// <returns>Whether they differ.</returns>
    public static bool operator !=(CacheValue<T> left, CacheValue<T> right) => !left.Equals(right);

    /// <inheritdoc />
    public override string ToString() => HasValue ? $"CacheValue({_value})" : "CacheValue.None";
}
